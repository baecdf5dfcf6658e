// Value helpers that follow MongoDB's BSON semantics (type order, numeric equality across int/long/double)
// rather than JavaScript's, so that sorting, index keys and _id identity agree with mongod.
import {
  Binary,
  Decimal128,
  Long,
  MaxKey,
  MinKey,
  ObjectId,
  Timestamp,
  BSONRegExp,
  BSONSymbol,
  Code,
  DBRef,
  Double,
  Int32,
  UUID,
} from 'bson';

export type Doc = Record<string, unknown>;

export function isPlainObject(v: unknown): v is Doc {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Canonical type rank in MongoDB's comparison order. */
export function typeRank(v: unknown): number {
  if (v === undefined) return 2; // treated like null when compared (missing field)
  if (v === null) return 2;
  if (v instanceof MinKey) return 1;
  if (v instanceof MaxKey) return 100;
  if (
    typeof v === 'number' ||
    typeof v === 'bigint' ||
    v instanceof Long ||
    v instanceof Decimal128 ||
    v instanceof Double ||
    v instanceof Int32
  )
    return 3;
  if (typeof v === 'string' || v instanceof BSONSymbol) return 4;
  if (Array.isArray(v)) return 6;
  if (v instanceof Binary || v instanceof Uint8Array) return 7;
  if (v instanceof ObjectId) return 8;
  if (typeof v === 'boolean') return 9;
  if (v instanceof Date) return 10;
  if (v instanceof Timestamp) return 11;
  if (v instanceof RegExp || v instanceof BSONRegExp) return 12;
  if (v instanceof Code) return 13;
  if (v instanceof DBRef) return 5;
  if (typeof v === 'object') return 5;
  return 50;
}

export function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Long) return v.toNumber();
  if (v instanceof Decimal128) return Number(v.toString());
  if (v instanceof Double || v instanceof Int32) return v.valueOf();
  return NaN;
}

export function isNumeric(v: unknown): boolean {
  return typeRank(v) === 3;
}

function cmpPrimitive<T extends string | number | boolean>(a: T, b: T): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function bytesOf(v: Binary | Uint8Array): Uint8Array {
  return v instanceof Binary ? v.buffer.subarray(0, v.position) : v;
}

/** Total order over BSON values as mongod compares them (woCompare). */
export function compareValues(a: unknown, b: unknown): number {
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case 1:
    case 2:
    case 100:
      return 0;
    case 3: {
      const x = toNumber(a);
      const y = toNumber(b);
      if (Number.isNaN(x)) return Number.isNaN(y) ? 0 : -1;
      if (Number.isNaN(y)) return 1;
      return cmpPrimitive(x, y);
    }
    case 4:
      return cmpPrimitive(String(a), String(b));
    case 5:
      return compareObjects(a as Doc, b as Doc);
    case 6: {
      const xs = a as unknown[];
      const ys = b as unknown[];
      const n = Math.min(xs.length, ys.length);
      for (let i = 0; i < n; i++) {
        const c = compareValues(xs[i], ys[i]);
        if (c !== 0) return c;
      }
      return cmpPrimitive(xs.length, ys.length);
    }
    case 7: {
      const x = bytesOf(a as Binary);
      const y = bytesOf(b as Binary);
      if (x.length !== y.length) return x.length < y.length ? -1 : 1;
      const sx = a instanceof Binary ? a.sub_type : 0;
      const sy = b instanceof Binary ? b.sub_type : 0;
      if (sx !== sy) return sx < sy ? -1 : 1;
      for (let i = 0; i < x.length; i++)
        if (x[i] !== y[i]) return (x[i] as number) < (y[i] as number) ? -1 : 1;
      return 0;
    }
    case 8:
      return Buffer.compare((a as ObjectId).id, (b as ObjectId).id);
    case 9:
      return cmpPrimitive(a as boolean, b as boolean);
    case 10:
      return cmpPrimitive((a as Date).getTime(), (b as Date).getTime());
    case 11: {
      const x = a as Timestamp;
      const y = b as Timestamp;
      return x.greaterThan(y) ? 1 : x.lessThan(y) ? -1 : 0;
    }
    case 12: {
      const [sa, fa] = regexParts(a);
      const [sb, fb] = regexParts(b);
      return cmpPrimitive(sa, sb) || cmpPrimitive(fa, fb);
    }
    default:
      return cmpPrimitive(String(a), String(b));
  }
}

function regexParts(v: unknown): [string, string] {
  if (v instanceof RegExp) return [v.source, v.flags];
  const r = v as BSONRegExp;
  return [r.pattern, r.options];
}

/** Element by element as BSON compares them: the value's type, then the field name, then the value. */
function compareObjects(a: Doc, b: Doc): number {
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  const n = Math.min(ka.length, kb.length);
  for (let i = 0; i < n; i++) {
    const va = a[ka[i] as string];
    const vb = b[kb[i] as string];
    const ta = typeRank(va);
    const tb = typeRank(vb);
    if (ta !== tb) return ta < tb ? -1 : 1;
    const k = cmpPrimitive(ka[i] as string, kb[i] as string);
    if (k !== 0) return k;
    const c = compareValues(va, vb);
    if (c !== 0) return c;
  }
  return cmpPrimitive(ka.length, kb.length);
}

/**
 * A string that is identical for values mongod considers equal (1, 1.0 and Long(1) share one key),
 * used for _id identity and index keys.
 */
export function valueKey(v: unknown): string {
  const r = typeRank(v);
  switch (r) {
    case 1:
      return 'm';
    case 2:
      return 'z';
    case 100:
      return 'M';
    case 3: {
      const n = toNumber(v);
      if (v instanceof Long && !Number.isSafeInteger(n)) return 'n' + v.toString();
      if (typeof v === 'bigint') return 'n' + v.toString();
      return 'n' + (Object.is(n, -0) ? '0' : String(n));
    }
    case 4:
      return 's' + JSON.stringify(String(v));
    case 5: {
      const o = v as Doc;
      let s = '{';
      for (const k of Object.keys(o)) s += JSON.stringify(k) + ':' + valueKey(o[k]) + ',';
      return s + '}';
    }
    case 6:
      return '[' + (v as unknown[]).map(valueKey).join(',') + ']';
    case 7: {
      const bytes = bytesOf(v as Binary);
      const sub = v instanceof Binary ? v.sub_type : 0;
      return 'B' + sub + ':' + Buffer.from(bytes).toString('base64');
    }
    case 8:
      return 'o' + (v as ObjectId).toHexString();
    case 9:
      return v ? 'T' : 'F';
    case 10:
      return 'd' + (v as Date).getTime();
    case 11:
      return 't' + (v as Timestamp).toString();
    case 12: {
      const [s, f] = regexParts(v);
      return 'r/' + s + '/' + f;
    }
    default:
      return 'x' + String(v);
  }
}

/** Deep copy that keeps BSON wrapper objects (ObjectId, Binary, ...) by reference: they are immutable. */
export function cloneValue<T>(v: T): T {
  if (Array.isArray(v)) return v.map(cloneValue) as T;
  if (v instanceof Date) return new Date(v.getTime()) as T;
  if (isPlainObject(v)) {
    const out: Doc = {};
    for (const k of Object.keys(v)) out[k] = cloneValue(v[k]);
    return out as T;
  }
  return v;
}

/** Deep equality with mongod's semantics (field order matters, numbers compare by value). */
export function valuesEqual(a: unknown, b: unknown): boolean {
  return compareValues(a, b) === 0 && typeRank(a) === typeRank(b);
}

/** Name of the BSON type, as `$type` reports it. */
export function bsonTypeName(v: unknown): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'null';
  if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) <= 0x7fffffff ? 'int' : 'double';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return 'array';
  if (v instanceof Date) return 'date';
  if (v instanceof ObjectId) return 'objectId';
  if (v instanceof Long) return 'long';
  if (v instanceof Decimal128) return 'decimal';
  if (v instanceof Binary || v instanceof UUID) return 'binData';
  if (v instanceof Timestamp) return 'timestamp';
  if (v instanceof RegExp || v instanceof BSONRegExp) return 'regex';
  return 'object';
}
