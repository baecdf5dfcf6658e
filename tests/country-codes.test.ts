import { COUNTRY_CODES, ISO_3166_ALPHA_2_CODES, isCountryCode } from '@novamart/kit';
import { describe, expect, it } from 'vitest';
import { COUNTRY_CODES as STOREFRONT_COUNTRY_CODES } from '../storefront/src/country-codes';

/**
 * The storefront's countries (storefront/src/country-codes.ts, a copy: it imports nothing from the
 * packages) are the API's (packages/kit/src/countries.ts): the address book offers no country the
 * API refuses, and none the API takes is missing from it.
 */
describe('ISO 3166-1 alpha-2 codes of the storefront and the API', () => {
  it('are the same 250 codes, in the same order: the 249 assigned and XK', () => {
    expect(STOREFRONT_COUNTRY_CODES).toEqual(COUNTRY_CODES);
    expect(new Set(ISO_3166_ALPHA_2_CODES).size).toBe(249);
    expect([...ISO_3166_ALPHA_2_CODES].sort()).toEqual(ISO_3166_ALPHA_2_CODES);
    expect(COUNTRY_CODES.filter((code) => !ISO_3166_ALPHA_2_CODES.includes(code))).toEqual(['XK']);
    expect([...COUNTRY_CODES].sort()).toEqual(COUNTRY_CODES);
  });

  it('each names a region ICU knows, as the storefront and shipping name it', () => {
    const names = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
    expect(COUNTRY_CODES.filter((code) => names.of(code) === undefined)).toEqual([]);
  });

  it('the API takes exactly those, in upper case as the sites store them', () => {
    expect(COUNTRY_CODES.every(isCountryCode)).toBe(true);
    expect(['ZZ', 'XX', 'QQ', 'AA', 'UK', 'de', ' DE', 'DEU', ''].filter(isCountryCode)).toEqual([]);
  });
});
