import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { normalizePostalCode } from '../src/index';
import { thrown } from '../src/testing/index';

/** [country, as typed, as stored] */
const VALID: [string, string, string][] = [
  ['US', '94103', '94103'],
  ['US', ' 94103-1234 ', '94103-1234'],
  ['US', '94103 1234', '94103-1234'],
  ['US', '941031234', '94103-1234'],
  ['US', '94103 - 1234', '94103-1234'],
  ['PR', '00901', '00901'],
  ['CA', 'k1a0b1', 'K1A 0B1'],
  ['CA', 'M5V  3L9', 'M5V 3L9'],
  ['GB', 'sw1a1aa', 'SW1A 1AA'],
  ['GB', 'SW1Y 4JH', 'SW1Y 4JH'],
  ['GB', 'n1 9gu', 'N1 9GU'],
  ['GB', 'M1 1AE', 'M1 1AE'],
  ['GB', 'B33 8TH', 'B33 8TH'],
  ['GB', 'CR2 6XH', 'CR2 6XH'],
  ['GB', 'DN55 1PT', 'DN55 1PT'],
  ['GB', 'W1A 0AX', 'W1A 0AX'],
  ['GB', 'EC1A 1BB', 'EC1A 1BB'],
  ['GB', 'GIR 0AA', 'GIR 0AA'],
  ['JE', 'je2 3ab', 'JE2 3AB'],
  ['IE', 'a65f4e2', 'A65 F4E2'],
  ['IE', 'D6W 1234', 'D6W 1234'],
  ['DE', '10115', '10115'],
  ['FR', ' 75001', '75001'],
  ['ES', '28013', '28013'],
  ['ES', '52001', '52001'],
  ['IT', '00184', '00184'],
  ['NL', '1012ab', '1012 AB'],
  ['NL', '1012 AB', '1012 AB'],
  ['AU', '2000', '2000'],
  ['JP', '1000001', '100-0001'],
  ['JP', '100-0001', '100-0001'],
  // Typed on a Japanese keyboard: full-width digits and dash.
  ['JP', '１００－０００１', '100-0001'],
  ['SE', '11351', '113 51'],
  ['PL', '00950', '00-950'],
  ['PT', '1000 001', '1000-001'],
  ['BR', '01310100', '01310-100'],
  ['IN', '110 001', '110001'],
  ['CH', '8001', '8001'],
  ['NZ', '6011', '6011'],
  // Lower-case country codes are fine: the caller may not have upper-cased it yet.
  ['us', '94103', '94103'],
  // Countries without a rule: anything that looks like a postal code, tidied.
  ['KE', '00100', '00100'],
  ['AR', 'c1002aab', 'C1002AAB'],
  ['LV', 'lv-1050', 'LV-1050'],
  ['TH', '  10330 ', '10330'],
  ['XX', 'A', 'A'],
];

/** [country, as typed, the format the message names] */
const INVALID: [string, string, string][] = [
  ['US', '9410', 'a US ZIP code such as 94103 or 94103-1234'],
  ['US', '94103-123', 'a US ZIP code such as 94103 or 94103-1234'],
  ['US', 'SW1A 1AA', 'a US ZIP code such as 94103 or 94103-1234'],
  ['US', '22202-0000-0000-0000-0', 'a US ZIP code such as 94103 or 94103-1234'],
  ['CA', 'D1A 0B1', 'a Canadian postal code such as K1A 0B1'],
  ['CA', 'K1A 0B', 'a Canadian postal code such as K1A 0B1'],
  ['CA', '12345', 'a Canadian postal code such as K1A 0B1'],
  ['GB', 'SW1A', 'a UK postcode such as SW1A 1AA'],
  ['GB', 'SW1A 1CA', 'a UK postcode such as SW1A 1AA'],
  ['GB', '12345', 'a UK postcode such as SW1A 1AA'],
  ['JE', 'SW1A 1AA', 'a Jersey postcode such as JE2 3AB'],
  ['IE', 'D02 12', 'an Eircode such as A65 F4E2'],
  ['IE', 'B12 F4E2', 'an Eircode such as A65 F4E2'],
  ['DE', '1011', 'a German postcode of 5 digits such as 10115'],
  ['DE', 'D-10115', 'a German postcode of 5 digits such as 10115'],
  ['FR', '7500A', 'a French postcode of 5 digits such as 75001'],
  ['ES', '53001', 'a Spanish postcode of 5 digits starting 01 to 52, such as 28013'],
  ['ES', '00123', 'a Spanish postcode of 5 digits starting 01 to 52, such as 28013'],
  ['IT', '001840', 'an Italian postcode (CAP) of 5 digits such as 00184'],
  ['NL', '0123 AB', 'a Dutch postcode such as 1012 AB'],
  ['NL', '1012', 'a Dutch postcode such as 1012 AB'],
  ['AU', '200', 'an Australian postcode of 4 digits such as 2000'],
  ['JP', '100-001', 'a Japanese postal code such as 100-0001'],
  ['KE', 'ABCDEFGHIJK', '1 to 10 letters, digits, spaces or dashes'],
  ['KE', '00100!', '1 to 10 letters, digits, spaces or dashes'],
  ['KE', '-100', '1 to 10 letters, digits, spaces or dashes'],
];

describe('normalizePostalCode', () => {
  it.each(VALID)('%s: stores %j as %j', (country, raw, stored) => {
    expect(normalizePostalCode(country, raw)).toBe(stored);
  });

  it.each(INVALID)('%s: refuses %j, expecting %s', (country, raw, expected) => {
    expect(() => normalizePostalCode(country, raw)).toThrow(GraphQLError);
    expect(thrown(() => normalizePostalCode(country, raw, 'input.shippingAddress.postalCode'))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'input.shippingAddress.postalCode',
      message: `postalCode: expected ${expected}`,
    });
  });

  it('requires a postal code, except where the country has none', () => {
    for (const blank of ['', '   ', null, undefined]) {
      expect(thrown(() => normalizePostalCode('US', blank, 'input.postalCode'))).toEqual({
        code: 'BAD_USER_INPUT',
        field: 'input.postalCode',
        message: 'postalCode is required',
      });
      expect(thrown(() => normalizePostalCode('KE', blank)).field).toBe('postalCode');
      expect(normalizePostalCode('HK', blank)).toBe('');
    }
    // One given anyway is still checked and tidied.
    expect(normalizePostalCode('AE', ' po box 1 ')).toBe('PO BOX 1');
    expect(thrown(() => normalizePostalCode('AE', 'PO BOX 12345')).code).toBe('BAD_USER_INPUT');
  });
});
