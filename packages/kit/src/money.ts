import { z } from 'zod';
import { badUserInput } from './errors';
/** Money as the contract shapes it: integer minor units, an ISO 4217 code and a display string. */
export interface Money {
  amount: number;
  currency: string;
  formatted: string;
}

// One formatter and its minor-unit digits per currency: building either costs more than formatting.
const formatters = new Map<string, { format: Intl.NumberFormat; digits: number }>();

function formatterFor(currency: string): { format: Intl.NumberFormat; digits: number } {
  let formatter = formatters.get(currency);
  if (!formatter) {
    const format = new Intl.NumberFormat('en-US', { style: 'currency', currency });
    formatter = { format, digits: format.resolvedOptions().maximumFractionDigits ?? 2 };
    formatters.set(currency, formatter);
  }
  return formatter;
}

/** Digits after the decimal point in the currency's minor unit: USD 2, JPY 0, KWD 3. */
export function minorUnitDigits(currency: string): number {
  return formatterFor(normalizeCurrency(currency)).digits;
}

function normalizeCurrency(currency: string): string {
  const code = currency.toUpperCase();
  if (!/^[A-Z]{3}$/.test(code)) throw new RangeError(`Not an ISO 4217 currency code: ${currency}`);
  return code;
}

/** `formatMoney(2999, 'USD')` → "$29.99"; `formatMoney(500, 'JPY')` → "¥500". */
export function formatMoney(amount: number, currency: string): string {
  if (!Number.isSafeInteger(amount))
    throw new RangeError(`Money amount must be an integer of minor units, got ${amount}`);
  const { format, digits } = formatterFor(normalizeCurrency(currency));
  return format.format(amount / 10 ** digits);
}

/** Builds the GraphQL `Money` value from stored minor units. */
export function money(amount: number, currency: string): Money {
  const code = normalizeCurrency(currency);
  return { amount, currency: code, formatted: formatMoney(amount, code) };
}

/**
 * Resolvers for the @shareable `Money` type. Every subgraph resolves it the same way, so a
 * resolver may return just `{ amount, currency }` and `formatted` is derived here.
 */
export const moneyResolvers = {
  Money: {
    formatted: (value: { amount: number; currency: string; formatted?: string }): string =>
      value.formatted ?? formatMoney(value.amount, value.currency),
  },
};

/** The largest amount the API can carry: GraphQL `Int` is a signed 32-bit integer. */
export const MAX_MONEY_AMOUNT = 2_147_483_647;

/**
 * Default business limit, in minor units, of a unit price, a cart line, a cart subtotal and an
 * order total (1,000,000.00 in a two-decimal currency), well below `MAX_MONEY_AMOUNT` so that
 * an order's total with shipping still fits the API.
 */
export const DEFAULT_MAX_ORDER_TOTAL = 100_000_000;

/** `MAX_ORDER_TOTAL`, in the configuration shape of each subgraph where money enters. */
export const maxOrderTotalShape = {
  MAX_ORDER_TOTAL: z.coerce.number().int().min(1).max(MAX_MONEY_AMOUNT).default(DEFAULT_MAX_ORDER_TOTAL),
};

export const maxOrderTotalVariable = {
  name: 'MAX_ORDER_TOTAL',
  default: String(DEFAULT_MAX_ORDER_TOTAL),
  description:
    'Largest unit price, cart line, cart subtotal and order total in minor units (at most 2147483647).',
};

/**
 * A money amount a client or an admin chose, or one computed from their choices, is within
 * `max`: BAD_USER_INPUT naming `field` otherwise, before anything is written.
 */
export function assertMoneyWithin(amount: number, max: number, field: string, what: string): void {
  if (!Number.isSafeInteger(amount) || amount > max) {
    throw badUserInput(`${what} of ${amount} minor units is above the limit of ${max}`, field, {
      limit: max,
      amount,
    });
  }
}
