import { GraphQLScalarType, Kind } from 'graphql';

function toDate(value: unknown): Date | null {
  if (value instanceof Date) return value;
  if (typeof value === 'string' || typeof value === 'number') return new Date(value);
  return null;
}

const isoDateTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

function parseIso(value: string): Date {
  const date = new Date(value);
  if (!isoDateTime.test(value) || Number.isNaN(date.getTime())) {
    throw new TypeError(`DateTime must be an ISO 8601 date-time with offset, got "${value}"`);
  }
  return date;
}

/**
 * The contract's `DateTime`: serialized as an ISO 8601 UTC string, parsed into a `Date`.
 * Every subgraph uses this one so the supergraph sees identical values.
 */
export const DateTime = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  description: 'An ISO 8601 date-time in UTC, e.g. "2026-01-31T12:00:00.000Z".',
  serialize(value) {
    const date = toDate(value);
    if (!date || Number.isNaN(date.getTime()))
      throw new TypeError(`DateTime cannot represent ${String(value)}`);
    return date.toISOString();
  },
  parseValue(value) {
    if (typeof value !== 'string') throw new TypeError('DateTime must be a string');
    return parseIso(value);
  },
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw new TypeError('DateTime must be a string');
    return parseIso(ast.value);
  },
});
