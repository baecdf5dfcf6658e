import { randomInt } from 'node:crypto';

export const VERIFICATION_CODE_TTL_MS = 24 * 60 * 60 * 1000;
export const VERIFICATION_MAX_ATTEMPTS = 5;

/** Six uniformly random digits, leading zeros kept. */
export function generateVerificationCode(): string {
  return randomInt(0, 1_000_000).toString().padStart(6, '0');
}

export function isWellFormedCode(code: string): boolean {
  return /^\d{6}$/.test(code);
}
