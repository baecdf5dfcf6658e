import { describe, expect, it } from 'vitest';
import {
  checkPasswordPolicy,
  parseAddress,
  parseEmail,
  parseName,
  parsePageSize,
} from '../src/services/validation';

function fieldOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    const ext = (error as { extensions?: Record<string, unknown> }).extensions;
    return { code: ext?.code, field: ext?.field };
  }
  return 'no error';
}

describe('validation', () => {
  it('trims and lower-cases email addresses', () => {
    expect(parseEmail('  Ada.Lovelace@Example.COM ')).toBe('ada.lovelace@example.com');
  });

  it.each([
    '',
    'plainaddress',
    'a@b',
    '@example.com',
    'a b@example.com',
    'ada@@example.com',
    `${'a'.repeat(250)}@example.com`,
  ])('refuses the malformed email %j as BAD_USER_INPUT on email', (raw) => {
    expect(fieldOf(() => parseEmail(raw))).toEqual({ code: 'BAD_USER_INPUT', field: 'email' });
  });

  it.each(['short1A', 'alllowercase1', 'ALLUPPERCASE1', 'NoDigitsHere', ''])(
    'refuses the weak password %j',
    (password) => {
      expect(fieldOf(() => checkPasswordPolicy(password))).toEqual({
        code: 'BAD_USER_INPUT',
        field: 'password',
      });
    },
  );

  it('accepts a password with upper case, lower case and a digit, and says what a weak one lacks', () => {
    expect(checkPasswordPolicy('Sup3rSecret')).toBe('Sup3rSecret');
    expect(() => checkPasswordPolicy('abcdefgh')).toThrow(/upper-case letter, a digit/);
  });

  it('never echoes the password in the error', () => {
    expect(() => checkPasswordPolicy('hunter2')).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('hunter2') }),
    );
  });

  it('treats a blank name as absent', () => {
    expect(parseName('   ')).toBeNull();
    expect(parseName(' Ada ')).toBe('Ada');
    expect(fieldOf(() => parseName('x'.repeat(101)))).toEqual({ code: 'BAD_USER_INPUT', field: 'name' });
  });

  it('normalises addresses and names the bad field by its path under the argument', () => {
    const address = {
      name: ' Ada ',
      line1: '1 Main St',
      city: 'London',
      postalCode: 'n19gu',
      country: 'gb',
    };
    expect(parseAddress(address)).toEqual({
      name: 'Ada',
      line1: '1 Main St',
      line2: null,
      city: 'London',
      region: null,
      postalCode: 'N1 9GU',
      country: 'GB',
      phone: null,
    });
    expect(fieldOf(() => parseAddress({ ...address, country: 'United Kingdom' }))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'input.country',
    });
    expect(fieldOf(() => parseAddress({ ...address, city: '  ' }))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'input.city',
    });
    expect(fieldOf(() => parseAddress({ ...address, phone: 'call me' }))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'input.phone',
    });
    expect(fieldOf(() => parseAddress({ ...address, postalCode: '94103' }))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'input.postalCode',
    });
    // Messages name the field alone.
    expect(() => parseAddress({ ...address, line1: 'x'.repeat(201) })).toThrow(
      'line1 must be at most 200 characters',
    );
  });

  it('caps page sizes', () => {
    expect(parsePageSize(100)).toBe(100);
    expect(fieldOf(() => parsePageSize(0))).toEqual({ code: 'BAD_USER_INPUT', field: 'first' });
    expect(fieldOf(() => parsePageSize(1000))).toEqual({ code: 'BAD_USER_INPUT', field: 'first' });
  });
});
