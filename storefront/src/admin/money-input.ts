/**
 * Money as the back office types it: the API takes and gives integer minor units of a currency,
 * a merchant types "12.50". One home for the conversion, which the product and promotion forms share.
 */

/** The currencies the back office's forms offer. */
export const CURRENCIES = ['USD', 'EUR', 'GBP', 'CAD'];

/** Digits of the currency's minor unit (USD 2, JPY 0, KWD 3), as the API's own formatting counts them. */
export function minorUnitDigits(currency: string): number {
  return (
    new Intl.NumberFormat('en-US', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ??
    2
  );
}

/**
 * "12.50" → 1250: the admin types an amount, the API stores integer minor units of its currency
 * (and validates them); "500" in JPY is 500, as yen have no minor unit.
 */
export function toMinorUnits(text: string, currency = 'USD'): number | null {
  const digits = minorUnitDigits(currency);
  const fraction = digits > 0 ? `(?:[.,](\\d{1,${digits}}))?` : '';
  const match = new RegExp(`^\\s*(\\d{1,7})${fraction}\\s*$`).exec(text);
  if (!match) return null;
  return Number(match[1]) * 10 ** digits + Number((match[2] ?? '').padEnd(digits, '0') || '0');
}

/** 1250 → "12.50": the amount as the admin types it back, in the currency's own digits. */
export function fromMinorUnits(amount: number, currency: string): string {
  const digits = minorUnitDigits(currency);
  return (amount / 10 ** digits).toFixed(digits);
}
