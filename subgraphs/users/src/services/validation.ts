import { badUserInput, firstArg, type AddressInput } from '@novamart/kit';
import type { AddressRecord } from '../models/user';
import { dictionary } from '@zxcvbn-ts/language-common';
import { z } from 'zod';

/** Checks of what callers send, each failing as BAD_USER_INPUT naming the offending field. */

const EMAIL_MAX = 254;
const PASSWORD_MIN = 10;
/** scrypt takes any length; the cap keeps a megabyte "password" from being a cheap DoS. */
export const PASSWORD_MAX = 256;
const NAME_MAX = 100;

const emailFormat = z.email();

export function normalizeEmail(raw: string): string {
  return raw.trim().toLowerCase();
}

export function parseEmail(raw: string, field = 'email'): string {
  const email = normalizeEmail(raw);
  if (email.length === 0) throw badUserInput('Email address is required', field);
  if (email.length > EMAIL_MAX || !emailFormat.safeParse(email).success) {
    throw badUserInput('Email address is not valid', field);
  }
  return email;
}

/**
 * The most common passwords (about 49,000, from breach corpora), as zxcvbn's common-language
 * dictionary ships them: lower case. Compared case-insensitively, since `Password123` is guessed
 * as early as `password123`.
 */
const COMMON_PASSWORDS: ReadonlySet<string> = new Set(dictionary['passwords-common'] as string[]);

export function isCommonPassword(password: string): boolean {
  return COMMON_PASSWORDS.has(password.toLowerCase());
}

/**
 * The registration policy: at least 10 characters with an upper-case letter, a lower-case letter
 * and a digit, and not one of the most common passwords.
 */
export function checkPasswordPolicy(password: string, field = 'password'): string {
  const problems: string[] = [];
  if ([...password].length < PASSWORD_MIN) problems.push(`at least ${PASSWORD_MIN} characters`);
  if (!/\p{Lu}/u.test(password)) problems.push('an upper-case letter');
  if (!/\p{Ll}/u.test(password)) problems.push('a lower-case letter');
  if (!/\p{Nd}/u.test(password)) problems.push('a digit');
  if (problems.length > 0) throw badUserInput(`Password needs ${problems.join(', ')}`, field);
  if (isCommonPassword(password)) {
    throw badUserInput('Password is one of the most common passwords; choose another', field);
  }
  if (password.length > PASSWORD_MAX) {
    throw badUserInput(`Password must be at most ${PASSWORD_MAX} characters`, field);
  }
  return password;
}

/** Optional free text: trimmed, empty means absent. */
export function parseOptionalText(raw: string | null | undefined, field: string, max: number): string | null {
  if (raw == null) return null;
  const value = raw.trim();
  if (value.length === 0) return null;
  if (value.length > max) throw badUserInput(`${field} must be at most ${max} characters`, field);
  return value;
}

export function parseRequiredText(raw: string, field: string, max: number): string {
  const value = parseOptionalText(raw, field, max);
  if (value === null) throw badUserInput(`${field} is required`, field);
  return value;
}

export function parseName(raw: string | null | undefined): string | null {
  return parseOptionalText(raw, 'name', NAME_MAX);
}

/** An address as the address book stores it (absent optional fields are null). */
export type AddressFields = Omit<AddressRecord, '_id'>;

export type { AddressInput };

export function parseAddress(input: AddressInput): AddressFields {
  const name = parseRequiredText(input.name, 'name', NAME_MAX);
  const line1 = parseRequiredText(input.line1, 'line1', 200);
  const line2 = parseOptionalText(input.line2, 'line2', 200);
  const city = parseRequiredText(input.city, 'city', 100);
  const region = parseOptionalText(input.region, 'region', 100);
  const postalCode = parseRequiredText(input.postalCode, 'postalCode', 20);
  const country = input.country.trim().toUpperCase();
  if (!/^[A-Z]{2}$/.test(country)) {
    throw badUserInput('country must be an ISO 3166-1 alpha-2 code such as "US"', 'country');
  }
  const phone = parseOptionalText(input.phone, 'phone', 32);
  if (phone !== null && !/^\+?[\d\s().-]{4,}$/.test(phone)) {
    throw badUserInput('phone may hold digits, spaces, "+", "-", "." and parentheses', 'phone');
  }
  return { name, line1, line2, city, region, postalCode, country, phone };
}

/** A page size between 1 and `max`. */
export function parsePageSize(first: number, max = 100): number {
  return firstArg(first, { max });
}
