import { badUserInput, isCountryCode, normalizePostalCode, type AddressInput } from '@novamart/kit';
import { type ShippingAddress } from '../models/order';

export type { AddressInput };

export interface CheckoutInput {
  cartId?: string | null;
  shippingAddress: AddressInput;
  /** Defaults to the shipping address. */
  billingAddress?: AddressInput | null;
  email?: string | null;
  idempotencyKey: string;
  /** A method of the shipping subgraph for the address; absent: the default flat rule. */
  shippingMethodCode?: string | null;
}

const MAX_KEY = 255;
const MAX_FIELD = 200;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function required(value: unknown, field: string): string {
  const text = typeof value === 'string' ? value.trim() : '';
  if (text === '') throw badUserInput(`${field.split('.').pop()} is required`, field);
  if (text.length > MAX_FIELD)
    throw badUserInput(`${field.split('.').pop()} is longer than ${MAX_FIELD} characters`, field);
  return text;
}

function optional(value: unknown, field: string): string | null {
  if (value == null) return null;
  const text = String(value).trim();
  if (text.length > MAX_FIELD)
    throw badUserInput(`${field.split('.').pop()} is longer than ${MAX_FIELD} characters`, field);
  return text === '' ? null : text;
}

export function normalizeIdempotencyKey(key: unknown): string {
  const text = typeof key === 'string' ? key.trim() : '';
  if (text === '' || text.length > MAX_KEY) {
    throw badUserInput(`idempotencyKey must be 1 to ${MAX_KEY} characters`, 'input.idempotencyKey');
  }
  return text;
}

/**
 * The shipping or billing address (`at`: the argument path its fields' errors are named under), the
 * postal code checked for the country and stored in its post's form (kit's `normalizePostalCode`).
 */
export function normalizeAddress(input: AddressInput, at = 'input.shippingAddress'): ShippingAddress {
  if (input == null || typeof input !== 'object')
    throw badUserInput(`${at.split('.').pop()} is required`, at);
  const country = required(input.country, `${at}.country`).toUpperCase();
  if (!isCountryCode(country))
    throw badUserInput('country must be an ISO 3166-1 alpha-2 code such as US', `${at}.country`);
  return {
    name: required(input.name, `${at}.name`),
    line1: required(input.line1, `${at}.line1`),
    line2: optional(input.line2, `${at}.line2`),
    city: required(input.city, `${at}.city`),
    region: optional(input.region, `${at}.region`),
    postalCode: normalizePostalCode(country, input.postalCode, `${at}.postalCode`),
    country,
    phone: optional(input.phone, `${at}.phone`),
  };
}

/** Trimmed and lower-cased, or null when absent. */
export function normalizeEmail(email: unknown): string | null {
  if (email == null) return null;
  const text = String(email).trim().toLowerCase();
  if (text === '') return null;
  if (text.length > 254 || !EMAIL.test(text))
    throw badUserInput('email is not a valid address', 'input.email');
  return text;
}

/** Upper-cased and trimmed, or null when absent (the default method). */
export function normalizeShippingMethodCode(code: unknown): string | null {
  if (code == null) return null;
  const text = String(code).trim().toUpperCase();
  if (text === '') return null;
  if (text.length > 40)
    throw badUserInput('shippingMethodCode is longer than 40 characters', 'input.shippingMethodCode');
  return text;
}
