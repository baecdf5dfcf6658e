import { badUserInput, firstArg, isCountryCode, normalizePostalCode, type AddressInput } from '@novamart/kit';
import type { AddressRecord } from '../models/user';
import { dictionary } from '@zxcvbn-ts/language-common';
import { z } from 'zod';

/**
 * Checks of what callers send, each failing as BAD_USER_INPUT naming the offending field as the
 * client sent it: the argument path (`input.postalCode` for a field of `input`, `email` for an
 * argument of its own), as every subgraph names it. Messages name the field alone.
 */

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

/** `input.postalCode` → `postalCode`: how a message names the field of a path. */
function fieldName(field: string): string {
  return field.split('.').pop()!;
}

/** Optional free text: trimmed, empty means absent. */
export function parseOptionalText(raw: string | null | undefined, field: string, max: number): string | null {
  if (raw == null) return null;
  const value = raw.trim();
  if (value.length === 0) return null;
  if (value.length > max) throw badUserInput(`${fieldName(field)} must be at most ${max} characters`, field);
  return value;
}

export function parseRequiredText(raw: string, field: string, max: number): string {
  const value = parseOptionalText(raw, field, max);
  if (value === null) throw badUserInput(`${fieldName(field)} is required`, field);
  return value;
}

export function parseName(raw: string | null | undefined, field = 'name'): string | null {
  return parseOptionalText(raw, field, NAME_MAX);
}

/** An address as the address book stores it (absent optional fields are null). */
export type AddressFields = Omit<AddressRecord, '_id'>;

export type { AddressInput };

/**
 * An address as the book stores it; `at` is the argument it came in (`input`), which the fields'
 * errors are named under. The postal code is checked for the country and stored in its post's form
 * (kit's `normalizePostalCode`).
 */
export function parseAddress(input: AddressInput, at = 'input'): AddressFields {
  const name = parseRequiredText(input.name, `${at}.name`, NAME_MAX);
  const line1 = parseRequiredText(input.line1, `${at}.line1`, 200);
  const line2 = parseOptionalText(input.line2, `${at}.line2`, 200);
  const city = parseRequiredText(input.city, `${at}.city`, 100);
  const region = parseOptionalText(input.region, `${at}.region`, 100);
  const country = input.country.trim().toUpperCase();
  if (!isCountryCode(country)) {
    throw badUserInput('country must be an ISO 3166-1 alpha-2 code such as "US"', `${at}.country`);
  }
  const postalCode = normalizePostalCode(country, input.postalCode, `${at}.postalCode`);
  const phone = parseOptionalText(input.phone, `${at}.phone`, 32);
  if (phone !== null && !/^\+?[\d\s().-]{4,}$/.test(phone)) {
    throw badUserInput('phone may hold digits, spaces, "+", "-", "." and parentheses', `${at}.phone`);
  }
  return { name, line1, line2, city, region, postalCode, country, phone };
}

/** A page size between 1 and `max`. */
export function parsePageSize(first: number, max = 100): number {
  return firstArg(first, { max });
}
