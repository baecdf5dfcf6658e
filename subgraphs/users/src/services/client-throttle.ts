import { createHash } from 'node:crypto';
import { rateLimited } from '@novamart/kit';
import type { AttemptCounters } from './attempt-counters';

/** Answers that could be used to probe accounts, and how many of each a window allows. */
export type ProbeKind =
  'register-conflict' | 'verify-attempt' | 'verification-request' | 'password-reset-request';

export interface ProbeLimit {
  /** Per client address within the window; RATE_LIMITED beyond. */
  perAddress: number;
  /** Per account within the window (requests that send mail); further ones are ignored silently. */
  perAccount: number;
  windowMs: number;
}

export const DEFAULT_PROBE_LIMITS: Record<ProbeKind, ProbeLimit> = {
  'register-conflict': { perAddress: 10, perAccount: 0, windowMs: 15 * 60_000 },
  'verify-attempt': { perAddress: 20, perAccount: 0, windowMs: 15 * 60_000 },
  'verification-request': { perAddress: 10, perAccount: 3, windowMs: 15 * 60_000 },
  'password-reset-request': { perAddress: 10, perAccount: 3, windowMs: 15 * 60_000 },
};

export interface TakenProbe {
  /** Gives the unit back: the request turned out not to be a probe (e.g. a registration that succeeded). */
  undo(): Promise<void>;
}

/**
 * Fixed-window limits per client address and per account on the answers of register,
 * verifyEmail, requestEmailVerification and requestPasswordReset, on the same counters as the
 * login throttle (Redis when configured).
 */
export class ClientThrottle {
  constructor(
    private readonly counters: AttemptCounters,
    private readonly limits: Record<ProbeKind, ProbeLimit> = DEFAULT_PROBE_LIMITS,
  ) {}

  /** Counts one request from the address, or throws RATE_LIMITED once its window is used up. */
  async take(kind: ProbeKind, clientAddress: string | null): Promise<TakenProbe> {
    const limit = this.limits[kind];
    const key = `${kind}:address:${clientAddress ?? 'unknown'}`;
    const hit = await this.counters.hit(key, limit.windowMs);
    if (hit.count > limit.perAddress) {
      await this.counters.undo(key);
      throw rateLimited(Math.max(1, Math.ceil(hit.resetsInMs / 1000)));
    }
    return { undo: () => this.counters.undo(key) };
  }

  /** True while the account has requests left in its window (and counts this one). */
  async allowAccount(kind: ProbeKind, accountId: string): Promise<boolean> {
    const limit = this.limits[kind];
    const key = `${kind}:account:${createHash('sha256').update(accountId).digest('hex').slice(0, 32)}`;
    const hit = await this.counters.hit(key, limit.windowMs);
    return hit.count <= limit.perAccount;
  }
}
