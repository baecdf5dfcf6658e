// Value helpers shared by the matcher and the runner: loading Extended JSON test files without
// losing 64-bit precision, naming BSON types the way `$type` does, and rendering values in diffs.
import { readFileSync } from 'node:fs';
import { EJSON, type Long } from 'bson';

/** A plain document: not an array, not a BSON value class, not a Map. */
export function isPlainDocument(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  if ('_bsontype' in value) return false;
  if (value instanceof Map || value instanceof Date || value instanceof RegExp) return false;
  if (Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return false;
  return true;
}

/**
 * Parses a test file as canonical Extended JSON, then turns Int32 and Double wrappers back into
 * JS numbers (the driver options expect numbers) while keeping Longs that do not fit a double.
 */
export function loadExtendedJsonFile(path: string): any {
  const parsed = EJSON.parse(readFileSync(path, 'utf8'), { relaxed: false });
  return unwrapNumbers(parsed);
}

/**
 * A BSON Int32 or Double as a number, a Long as a number when it fits one exactly and as
 * `wide(long)` when not; undefined for any other value.
 */
function bsonNumber<W>(value: object, wide: (long: Long) => W): number | W | undefined {
  const bsonType = (value as { _bsontype?: string })._bsontype;
  if (bsonType === 'Int32' || bsonType === 'Double') return (value as { valueOf(): number }).valueOf();
  if (bsonType !== 'Long') return undefined;
  const asNumber = (value as Long).toNumber();
  return Number.isSafeInteger(asNumber) ? asNumber : wide(value as Long);
}

function unwrapNumbers(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unwrapNumbers);
  if (value !== null && typeof value === 'object') {
    const number = bsonNumber(value, (long) => long);
    if (number !== undefined) return number;
    if (isPlainDocument(value)) {
      const out: Record<string, unknown> = {};
      for (const [key, inner] of Object.entries(value)) out[key] = unwrapNumbers(inner);
      return out;
    }
  }
  return value;
}

/** Numeric view of a value for flexible comparisons (int, long and double compare by value). */
export function numericValue(value: unknown): number | bigint | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return value;
  if (value !== null && typeof value === 'object')
    return bsonNumber(value, (long) => BigInt(long.toString()));
  return undefined;
}

export function numbersEqual(a: number | bigint, b: number | bigint): boolean {
  if (typeof a === 'number' && typeof b === 'number') {
    if (Number.isNaN(a) && Number.isNaN(b)) return true;
    return a === b;
  }
  try {
    return BigInt(a) === BigInt(b);
  } catch {
    return false; // a non-integral double never equals a bigint
  }
}

/**
 * The `$type` alias of a value as the driver deserialised it. Doubles that hold integral values
 * come back as JS numbers, so "int", "long" and "double" all accept an integral JS number.
 */
export function bsonTypeAliases(value: unknown): string[] {
  if (value === undefined) return ['undefined'];
  if (value === null) return ['null'];
  if (typeof value === 'string') return ['string'];
  if (typeof value === 'boolean') return ['bool'];
  if (typeof value === 'number') {
    if (Number.isInteger(value)) {
      const aliases = ['double', 'long', 'number'];
      if (value >= -2147483648 && value <= 2147483647) aliases.push('int');
      return aliases;
    }
    return ['double', 'number'];
  }
  if (typeof value === 'bigint') return ['long', 'number'];
  if (Array.isArray(value)) return ['array'];
  if (value instanceof Date) return ['date'];
  if (value instanceof RegExp) return ['regex'];
  if (value instanceof Map) return ['object'];
  const bsonType = (value as { _bsontype?: string })._bsontype;
  switch (bsonType) {
    case 'ObjectId':
      return ['objectId'];
    case 'Binary':
      return ['binData'];
    case 'Long':
      return ['long', 'number'];
    case 'Int32':
      return ['int', 'number'];
    case 'Double':
      return ['double', 'number'];
    case 'Decimal128':
      return ['decimal', 'number'];
    case 'Timestamp':
      return ['timestamp'];
    case 'BSONRegExp':
      return ['regex'];
    case 'Code':
      return (value as { scope?: unknown }).scope ? ['javascriptWithScope'] : ['javascript'];
    case 'BSONSymbol':
      return ['symbol'];
    case 'DBRef':
      return ['dbPointer', 'object'];
    case 'MinKey':
      return ['minKey'];
    case 'MaxKey':
      return ['maxKey'];
    case undefined:
      return ['object'];
    default:
      return [bsonType];
  }
}

/** Short, single-line Extended JSON rendering for failure messages. */
export function render(value: unknown, max = 400): string {
  let text: string;
  if (value === undefined) text = '<absent>';
  else {
    try {
      text = EJSON.stringify(normaliseMaps(value), { relaxed: true });
    } catch {
      text = String(value);
    }
  }
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** Maps (the driver's client bulk write results, `sort` in command events) as plain documents. */
export function normaliseMaps(value: unknown): unknown {
  if (value instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of value) out[String(key)] = normaliseMaps(inner);
    return out;
  }
  if (Array.isArray(value)) return value.map(normaliseMaps);
  if (isPlainDocument(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) out[key] = normaliseMaps(inner);
    return out;
  }
  return value;
}
