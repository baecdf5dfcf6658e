// The unified format's "Evaluating Matches" rules: extra fields only in root-level documents,
// flexible numerics, key order ignored, arrays of equal length, and the $$ operators.
import { EJSON } from 'bson';
import {
  bsonTypeAliases,
  isPlainDocument,
  normaliseMaps,
  numbersEqual,
  numericValue,
  render,
} from './values';

export class MatchFailure extends Error {
  constructor(
    readonly path: string,
    readonly detail: string,
  ) {
    super(`at ${path}: ${detail}`);
  }
}

/** What the $$ operators need from the test's entity map. */
export interface MatchEntities {
  get(name: string): unknown;
  sessionLsid(name: string): unknown;
}

export interface MatchOptions {
  /** The value is a root-level document: it may hold fields the expectation does not name. */
  root: boolean;
}

/** Throws MatchFailure when `actual` does not satisfy `expected`. */
export function assertMatches(
  expected: unknown,
  actual: unknown,
  entities: MatchEntities,
  options: MatchOptions,
  path = '$',
): void {
  const value = actual instanceof Map ? normaliseMaps(actual) : actual;

  const operator = specialOperator(expected);
  if (operator) {
    matchOperator(operator.name, operator.argument, value, entities, options, path);
    return;
  }

  if (Array.isArray(expected)) {
    if (!Array.isArray(value)) fail(path, `expected an array ${render(expected)}, got ${render(value)}`);
    if (value.length !== expected.length) {
      fail(
        path,
        `expected ${expected.length} elements ${render(expected)}, got ${value.length}: ${render(value)}`,
      );
    }
    expected.forEach((item, index) =>
      assertMatches(item, value[index], entities, { root: false }, `${path}[${index}]`),
    );
    return;
  }

  if (isPlainDocument(expected)) {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || !isDocumentLike(value)) {
      fail(path, `expected a document ${render(expected)}, got ${render(value)}`);
    }
    const actualDoc = value as Record<string, unknown>;
    for (const [key, expectedValue] of Object.entries(expected)) {
      const childPath = `${path}.${key}`;
      const actualValue = actualDoc[key];
      const keyOperator = specialOperator(expectedValue);
      if (keyOperator?.name === '$$exists') {
        const present = actualValue !== undefined;
        if (present !== Boolean(keyOperator.argument)) {
          fail(
            childPath,
            keyOperator.argument
              ? 'expected the field to exist'
              : `expected no field, got ${render(actualValue)}`,
          );
        }
        continue;
      }
      if (keyOperator?.name === '$$unsetOrMatches') {
        if (actualValue === undefined) continue;
        assertMatches(keyOperator.argument, actualValue, entities, { root: false }, childPath);
        continue;
      }
      if (actualValue === undefined) fail(childPath, `missing field, expected ${render(expectedValue)}`);
      assertMatches(expectedValue, actualValue, entities, { root: false }, childPath);
    }
    if (!options.root) {
      const extra = Object.keys(actualDoc).filter(
        (key) => actualDoc[key] !== undefined && !(key in expected),
      );
      if (extra.length > 0) fail(path, `unexpected field(s) ${extra.join(', ')} in ${render(actualDoc)}`);
    }
    return;
  }

  matchScalar(expected, value, path);
}

/** Expected results of cursor-returning operations: an array whose elements are root-level documents. */
export function assertMatchesRootDocuments(
  expected: unknown[],
  actual: unknown,
  entities: MatchEntities,
  path = '$',
): void {
  if (!Array.isArray(actual)) fail(path, `expected ${expected.length} documents, got ${render(actual)}`);
  if (actual.length !== expected.length) {
    fail(
      path,
      `expected ${expected.length} documents ${render(expected)}, got ${actual.length}: ${render(actual)}`,
    );
  }
  expected.forEach((item, index) =>
    assertMatches(item, actual[index], entities, { root: true }, `${path}[${index}]`),
  );
}

/**
 * Exact equality for `outcome` collection contents: no extra fields at any level, no $$
 * operators, key order and numeric width ignored.
 */
export function assertExactlyEqual(expected: unknown, actual: unknown, path = '$'): void {
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) {
      fail(path, `expected ${render(expected)}, got ${render(actual)}`);
    }
    expected.forEach((item, index) => assertExactlyEqual(item, actual[index], `${path}[${index}]`));
    return;
  }
  if (isPlainDocument(expected)) {
    if (!isPlainDocument(actual)) fail(path, `expected ${render(expected)}, got ${render(actual)}`);
    const expectedKeys = Object.keys(expected).sort();
    const actualKeys = Object.keys(actual)
      .filter((key) => actual[key] !== undefined)
      .sort();
    if (expectedKeys.join('\u0000') !== actualKeys.join('\u0000')) {
      fail(path, `expected ${render(expected)}, got ${render(actual)}`);
    }
    for (const key of expectedKeys) assertExactlyEqual(expected[key], actual[key], `${path}.${key}`);
    return;
  }
  matchScalar(expected, actual, path);
}

function isDocumentLike(value: object): boolean {
  return isPlainDocument(value) || (value as { _bsontype?: string })._bsontype === 'DBRef';
}

function specialOperator(value: unknown): { name: string; argument: unknown } | undefined {
  if (!isPlainDocument(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length === 1 && keys[0]!.startsWith('$$')) return { name: keys[0]!, argument: value[keys[0]!] };
  return undefined;
}

function matchOperator(
  name: string,
  argument: unknown,
  actual: unknown,
  entities: MatchEntities,
  options: MatchOptions,
  path: string,
): void {
  switch (name) {
    case '$$exists':
      // Outside a document key the operator can only assert on the value itself.
      if ((actual !== undefined) !== Boolean(argument))
        fail(path, `$$exists: ${String(argument)} not satisfied`);
      return;
    case '$$unsetOrMatches':
      if (actual === undefined) return;
      assertMatches(argument, actual, entities, options, path);
      return;
    case '$$type': {
      const wanted = Array.isArray(argument) ? (argument as string[]) : [argument as string];
      const aliases = bsonTypeAliases(actual);
      if (actual === undefined || !wanted.some((type) => aliases.includes(type))) {
        fail(path, `expected type ${wanted.join('|')}, got ${aliases[0]} ${render(actual)}`);
      }
      return;
    }
    case '$$matchesEntity':
      assertMatches(entities.get(String(argument)), actual, entities, options, path);
      return;
    case '$$matchesHexBytes': {
      const hex = String(argument);
      if (!/^([0-9a-fA-F]{2})*$/.test(hex)) throw new Error(`malformed $$matchesHexBytes: ${hex}`);
      const bytes = toBytes(actual);
      if (!bytes || Buffer.from(hex, 'hex').compare(bytes) !== 0)
        fail(path, `expected bytes ${hex}, got ${render(actual)}`);
      return;
    }
    case '$$sessionLsid': {
      const lsid = entities.sessionLsid(String(argument));
      assertMatches(lsid, actual, entities, { root: false }, path);
      return;
    }
    case '$$lte': {
      const limit = numericValue(argument);
      const value = numericValue(actual);
      if (limit === undefined || value === undefined || value > limit) {
        fail(path, `expected a number <= ${render(argument)}, got ${render(actual)}`);
      }
      return;
    }
    case '$$matchAsDocument': {
      if (typeof actual !== 'string') fail(path, `expected an Extended JSON string, got ${render(actual)}`);
      const parsed = EJSON.parse(actual, { relaxed: true });
      assertMatches(argument, parsed, entities, { root: false }, path);
      return;
    }
    case '$$matchAsRoot':
      assertMatches(argument, actual, entities, { root: true }, path);
      return;
    default:
      throw new Error(`unsupported special operator ${name} at ${path}`);
  }
}

function toBytes(value: unknown): Buffer | undefined {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value);
  if (typeof value === 'string') return Buffer.from(value, 'binary');
  if ((value as { _bsontype?: string } | null)?._bsontype === 'Binary') {
    return Buffer.from((value as { buffer: Uint8Array }).buffer);
  }
  return undefined;
}

function matchScalar(expected: unknown, actual: unknown, path: string): void {
  const expectedNumber = numericValue(expected);
  if (expectedNumber !== undefined) {
    const actualNumber = numericValue(actual);
    if (actualNumber === undefined || !numbersEqual(expectedNumber, actualNumber)) {
      fail(path, `expected ${render(expected)}, got ${render(actual)}`);
    }
    return;
  }
  if (expected === null || typeof expected !== 'object') {
    if (expected !== actual) fail(path, `expected ${render(expected)}, got ${render(actual)}`);
    return;
  }
  // Other BSON values (ObjectId, Date, Binary, Decimal128, Timestamp, regex...): same type and
  // the same canonical Extended JSON.
  const expectedType = bsonTypeAliases(expected)[0];
  const actualType = bsonTypeAliases(actual)[0];
  const same =
    expectedType === actualType &&
    EJSON.stringify(expected as never, { relaxed: false }) ===
      EJSON.stringify(actual as never, { relaxed: false });
  if (!same) fail(path, `expected ${render(expected)}, got ${render(actual)}`);
}

function fail(path: string, detail: string): never {
  throw new MatchFailure(path, detail);
}
