// MongoDB's $jsonSchema dialect (draft 4 plus bsonType), for collection validators and queries.
// Returns the failing rules so document-validation errors can explain themselves as mongod's do.
import { bsonTypeName, isNumeric, isPlainObject, toNumber, valueKey, type Doc } from '../bson/values';

export interface SchemaFailure {
  path: string;
  rule: string;
  detail: unknown;
}

const JSON_TYPES: Record<string, (v: unknown) => boolean> = {
  object: (v) => isPlainObject(v),
  array: (v) => Array.isArray(v),
  string: (v) => typeof v === 'string',
  number: (v) => isNumeric(v),
  integer: (v) => isNumeric(v) && Number.isInteger(toNumber(v)),
  boolean: (v) => typeof v === 'boolean',
  null: (v) => v === null,
};

function bsonTypeMatches(v: unknown, type: string): boolean {
  const actual = bsonTypeName(v);
  if (type === 'number') return isNumeric(v);
  if (type === 'double' && actual === 'int') return true; // JS numbers cannot tell an integral double from an int
  return actual === type;
}

type Fail = (rule: string, detail: unknown) => void;

const childPath = (path: string, key: string | number) => (path ? `${path}.${key}` : String(key));

function checkTypes(schema: Doc, value: unknown, fail: Fail): void {
  if (schema.bsonType !== undefined) {
    const types = Array.isArray(schema.bsonType) ? schema.bsonType : [schema.bsonType];
    if (!types.some((t) => bsonTypeMatches(value, String(t))))
      fail('bsonType', { expected: schema.bsonType, actual: bsonTypeName(value) });
  }
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!types.some((t) => JSON_TYPES[String(t)]?.(value)))
      fail('type', { expected: schema.type, actual: bsonTypeName(value) });
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => valueKey(e) === valueKey(value)))
    fail('enum', { allowed: schema.enum });
}

function checkNumber(schema: Doc, n: number, fail: Fail): void {
  if (
    schema.minimum !== undefined &&
    (schema.exclusiveMinimum === true ? n <= toNumber(schema.minimum) : n < toNumber(schema.minimum))
  )
    fail('minimum', schema.minimum);
  if (
    schema.maximum !== undefined &&
    (schema.exclusiveMaximum === true ? n >= toNumber(schema.maximum) : n > toNumber(schema.maximum))
  )
    fail('maximum', schema.maximum);
  if (schema.multipleOf !== undefined && n % toNumber(schema.multipleOf) !== 0)
    fail('multipleOf', schema.multipleOf);
}

function checkString(schema: Doc, value: string, fail: Fail): void {
  if (schema.minLength !== undefined && value.length < toNumber(schema.minLength))
    fail('minLength', schema.minLength);
  if (schema.maxLength !== undefined && value.length > toNumber(schema.maxLength))
    fail('maxLength', schema.maxLength);
  if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value))
    fail('pattern', schema.pattern);
}

function checkArray(schema: Doc, value: unknown[], path: string, out: SchemaFailure[], fail: Fail): void {
  if (schema.minItems !== undefined && value.length < toNumber(schema.minItems))
    fail('minItems', schema.minItems);
  if (schema.maxItems !== undefined && value.length > toNumber(schema.maxItems))
    fail('maxItems', schema.maxItems);
  if (schema.uniqueItems === true && new Set(value.map(valueKey)).size !== value.length)
    fail('uniqueItems', true);
  if (isPlainObject(schema.items))
    value.forEach((el, i) => checkSchema(schema.items as Doc, el, `${path}.${i}`, out));
  else if (Array.isArray(schema.items)) {
    schema.items.forEach((s, i) => {
      if (i < value.length && isPlainObject(s)) checkSchema(s, value[i], `${path}.${i}`, out);
    });
    if (schema.additionalItems === false && value.length > schema.items.length)
      fail('additionalItems', false);
  }
}

/** properties, patternProperties and additionalProperties, key by key. */
function checkProperties(schema: Doc, value: Doc, path: string, out: SchemaFailure[], fail: Fail): void {
  const props = isPlainObject(schema.properties) ? schema.properties : {};
  for (const [k, s] of Object.entries(props))
    if (value[k] !== undefined && isPlainObject(s)) checkSchema(s, value[k], childPath(path, k), out);
  const patterns = isPlainObject(schema.patternProperties) ? Object.entries(schema.patternProperties) : [];
  for (const [k, v] of Object.entries(value)) {
    const byPattern = patterns.filter(([p]) => new RegExp(p, 'u').test(k));
    for (const [, s] of byPattern) if (isPlainObject(s)) checkSchema(s, v, childPath(path, k), out);
    if (k in props || byPattern.length > 0) continue;
    if (schema.additionalProperties === false) fail('additionalProperties', { unexpected: k });
    else if (isPlainObject(schema.additionalProperties))
      checkSchema(schema.additionalProperties, v, childPath(path, k), out);
  }
}

function checkObject(schema: Doc, value: Doc, path: string, out: SchemaFailure[], fail: Fail): void {
  if (Array.isArray(schema.required))
    for (const r of schema.required)
      if (value[String(r)] === undefined) fail('required', { missingProperties: [r] });
  if (schema.minProperties !== undefined && Object.keys(value).length < toNumber(schema.minProperties))
    fail('minProperties', schema.minProperties);
  if (schema.maxProperties !== undefined && Object.keys(value).length > toNumber(schema.maxProperties))
    fail('maxProperties', schema.maxProperties);
  checkProperties(schema, value, path, out, fail);
  if (isPlainObject(schema.dependencies)) {
    for (const [k, dep] of Object.entries(schema.dependencies)) {
      if (value[k] === undefined) continue;
      if (Array.isArray(dep))
        for (const d of dep) if (value[String(d)] === undefined) fail('dependencies', { [k]: dep });
      if (isPlainObject(dep)) checkSchema(dep, value, path, out);
    }
  }
}

function checkCombinators(schema: Doc, value: unknown, path: string, out: SchemaFailure[], fail: Fail): void {
  if (Array.isArray(schema.allOf))
    for (const s of schema.allOf) if (isPlainObject(s)) checkSchema(s, value, path, out);
  if (
    Array.isArray(schema.anyOf) &&
    !schema.anyOf.some((s) => isPlainObject(s) && checkSchema(s, value, path).length === 0)
  )
    fail('anyOf', schema.anyOf);
  if (
    Array.isArray(schema.oneOf) &&
    schema.oneOf.filter((s) => isPlainObject(s) && checkSchema(s, value, path).length === 0).length !== 1
  )
    fail('oneOf', schema.oneOf);
  if (isPlainObject(schema.not) && checkSchema(schema.not, value, path).length === 0) fail('not', schema.not);
}

export function checkSchema(
  schema: Doc,
  value: unknown,
  path = '',
  out: SchemaFailure[] = [],
): SchemaFailure[] {
  const fail: Fail = (rule, detail) => {
    out.push({ path: path || '$', rule, detail });
  };
  checkTypes(schema, value, fail);
  if (isNumeric(value)) checkNumber(schema, toNumber(value), fail);
  if (typeof value === 'string') checkString(schema, value, fail);
  if (Array.isArray(value)) checkArray(schema, value, path, out, fail);
  if (isPlainObject(value)) checkObject(schema, value, path, out, fail);
  checkCombinators(schema, value, path, out, fail);
  return out;
}

export function jsonSchemaValidator(schema: Doc): (doc: Doc) => boolean {
  return (doc) => checkSchema(schema, doc).length === 0;
}
