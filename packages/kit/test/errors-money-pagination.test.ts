import { GraphQLError, parse, validate, buildSchema, Kind } from 'graphql';
import { describe, expect, it } from 'vitest';
import {
  AppError,
  DateTime,
  ErrorCode,
  appError,
  badUserInput,
  decodeCursor,
  encodeCursor,
  formatMoney,
  minorUnitDigits,
  money,
  moneyResolvers,
  notFound,
  outOfStock,
  pageArgs,
  rateLimited,
  toConnection,
} from '../src/index';

function codeOf(fn: () => unknown): { code: unknown; field: unknown; message: string } {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(GraphQLError);
    const e = error as GraphQLError;
    return { code: e.extensions.code, field: e.extensions.field, message: e.message };
  }
  throw new Error('expected a throw');
}

describe('errors', () => {
  it('carries the contract code and extensions', () => {
    const e = appError(ErrorCode.CONFLICT, 'Email taken', { field: 'email' });
    expect(e).toBeInstanceOf(AppError);
    expect(e.extensions).toEqual({ code: 'CONFLICT', field: 'email' });
    expect(badUserInput('too long', 'input.name').extensions).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'input.name',
    });
    expect(notFound('Order').message).toBe('Order not found');
    expect(outOfStock('gone', { productId: 'p1', available: 2 }).extensions).toEqual({
      code: 'OUT_OF_STOCK',
      productId: 'p1',
      available: 2,
    });
    expect(rateLimited(30).extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 30 });
  });
});

describe('money', () => {
  it('formats minor units per currency', () => {
    expect(money(2999, 'USD')).toEqual({ amount: 2999, currency: 'USD', formatted: '$29.99' });
    expect(money(0, 'usd').formatted).toBe('$0.00');
    expect(formatMoney(1500, 'JPY')).toBe('¥1,500');
    expect(formatMoney(1234, 'EUR')).toBe('€12.34');
    expect(formatMoney(1234, 'KWD')).toBe('KWD\u00a01.234');
    expect(minorUnitDigits('JPY')).toBe(0);
    expect(formatMoney(-250, 'USD')).toBe('-$2.50');
  });
  it('refuses fractional amounts and bad codes', () => {
    expect(() => money(29.99, 'USD')).toThrow(RangeError);
    expect(() => money(1, 'DOLLARS')).toThrow(RangeError);
  });
  it('derives formatted when a resolver returns only amount and currency', () => {
    expect(moneyResolvers.Money.formatted({ amount: 100, currency: 'GBP' })).toBe('£1.00');
  });
});

describe('DateTime', () => {
  it('serializes dates and ISO strings to UTC ISO strings', () => {
    expect(DateTime.serialize(new Date('2026-01-02T03:04:05.000Z'))).toBe('2026-01-02T03:04:05.000Z');
    expect(DateTime.serialize('2026-01-02T04:04:05+01:00')).toBe('2026-01-02T03:04:05.000Z');
    expect(() => DateTime.serialize('yesterday')).toThrow();
  });
  it('parses only ISO date-times with an offset', () => {
    expect(DateTime.parseValue('2026-01-02T03:04:05Z')).toEqual(new Date('2026-01-02T03:04:05Z'));
    expect(() => DateTime.parseValue('2026-01-02')).toThrow();
    expect(() => DateTime.parseLiteral({ kind: Kind.INT, value: '1' })).toThrow();
  });
});

describe('pagination', () => {
  it('round-trips opaque cursors', () => {
    const cursor = encodeCursor({ createdAt: '2026-01-01', id: 'a/b+c' });
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor)).toEqual({ createdAt: '2026-01-01', id: 'a/b+c' });
    expect(codeOf(() => decodeCursor('not a cursor!'))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'after',
    });
    expect(codeOf(() => decodeCursor('bm90IGpzb24'))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'after',
    });
  });
  it('validates first against the maximum', () => {
    expect(pageArgs({ first: 100 }, { max: 100 })).toEqual({ first: 100, after: null });
    expect(pageArgs({}, { max: 100 }).first).toBe(20);
    expect(codeOf(() => pageArgs({ first: 101 }, { max: 100 }))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'first',
    });
    expect(codeOf(() => pageArgs({ first: 0 }))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
    expect(codeOf(() => pageArgs({ first: -5 }))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
    expect(pageArgs<{ id: string }>({ first: 2, after: encodeCursor({ id: 'x' }) }).after).toEqual({
      id: 'x',
    });
  });
  it('builds a connection from first + 1 rows', () => {
    const page = toConnection([{ id: 1 }, { id: 2 }, { id: 3 }], 2, (row) => row.id);
    expect(page.edges.map((e) => e.node.id)).toEqual([1, 2]);
    expect(page.pageInfo).toEqual({ hasNextPage: true, endCursor: encodeCursor(2) });
    expect(toConnection([], 2, () => 0).pageInfo).toEqual({ hasNextPage: false, endCursor: null });
  });
});

describe('DateTime in a schema', () => {
  it('is a valid scalar name for SDL', () => {
    const schema = buildSchema('scalar DateTime type Query { now: DateTime }');
    expect(validate(schema, parse('{ now }'))).toEqual([]);
  });
});
