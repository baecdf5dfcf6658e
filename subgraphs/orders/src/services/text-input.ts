import { badUserInput } from '@novamart/kit';

/** A required free-text argument, trimmed: empty or longer than `max` is BAD_USER_INPUT on `field`. */
export function requiredText(value: string, field: string, max = 200): string {
  const text = typeof value === 'string' ? value.trim() : '';
  if (text === '') throw badUserInput(`${field} is required`, field);
  if (text.length > max) throw badUserInput(`${field} is longer than ${max} characters`, field, { max });
  return text;
}

/** An optional free-text argument, trimmed; null when absent or blank. */
export function optionalText(value: string | null | undefined, field: string, max = 500): string | null {
  if (value == null || value.trim() === '') return null;
  return requiredText(value, field, max);
}

const MAX_URL = 2000;

/** An absolute http(s) URL (a carrier's tracking page), or BAD_USER_INPUT on `field`. */
export function httpUrl(value: string, field: string): string {
  const text = requiredText(value, field, MAX_URL);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw badUserInput(`${field} must be an absolute http(s) URL`, field);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw badUserInput(`${field} must be an absolute http(s) URL`, field);
  }
  return url.toString();
}
