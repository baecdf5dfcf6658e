// One mingo operator context for the whole server: mingo's operators, with the type-sensitive ones
// ($type in queries and expressions) replaced by versions that know BSON types (ObjectId, Long, Decimal128...).
import { Aggregator as BaseAggregator } from 'mingo/aggregator';
import { Context, evalExpr } from 'mingo/core';
import * as accumulatorOperators from 'mingo/operators/accumulator';
import * as expressionOperators from 'mingo/operators/expression';
import * as pipelineOperators from 'mingo/operators/pipeline';
import * as projectionOperators from 'mingo/operators/projection';
import * as queryOperators from 'mingo/operators/query';
import * as windowOperators from 'mingo/operators/window';
import { Query as BaseQuery } from 'mingo/query';
import type { Iterator } from 'mingo/lazy';
import type { Options } from 'mingo/types';
import { collectPathValues } from '../bson/paths';
import { bsonTypeName, isPlainObject, valuesEqual } from '../bson/values';
import { inDocumentOrder } from './field-order';
import { jsonSchemaValidator } from './json-schema';

const TYPE_ALIASES: Record<number, string> = {
  1: 'double',
  2: 'string',
  3: 'object',
  4: 'array',
  5: 'binData',
  6: 'undefined',
  7: 'objectId',
  8: 'bool',
  9: 'date',
  10: 'null',
  11: 'regex',
  13: 'javascript',
  16: 'int',
  17: 'timestamp',
  18: 'long',
  19: 'decimal',
  [-1]: 'minKey',
  127: 'maxKey',
};

function typeMatches(value: unknown, wanted: unknown): boolean {
  const name = typeof wanted === 'number' ? TYPE_ALIASES[wanted] : String(wanted);
  const actual = bsonTypeName(value);
  if (name === 'number')
    return actual === 'int' || actual === 'double' || actual === 'long' || actual === 'decimal';
  return actual === name;
}

/** {$type: ...}: matches a field of the type, or an array holding an element of that type. */
function $type(selector: string, value: unknown): (obj: Record<string, unknown>) => boolean {
  const wanted = Array.isArray(value) ? value : [value];
  return (obj) =>
    collectPathValues(obj, selector).some((v) =>
      wanted.some((w) => typeMatches(v, w) || (Array.isArray(v) && v.some((el) => typeMatches(el, w)))),
    );
}

/** Aggregation {$type: <expr>}: the BSON type name of the value. */
function $typeExpression(obj: unknown, expr: unknown, options: Options): string {
  return bsonTypeName(evalExpr(obj, expr, options));
}

type QueryOperator = (
  selector: string,
  value: unknown,
  options: Options,
) => (obj: Record<string, unknown>) => boolean;

/** A document operand compared literally (not an operator expression such as {$gt: 1}). */
function literalDocument(value: unknown): boolean {
  return isPlainObject(value) && !Object.keys(value).some((key) => key.startsWith('$'));
}

/** The field (or an element of it) equals the document, field order included, as BSON compares. */
function documentEquals(selector: string, value: unknown): (obj: Record<string, unknown>) => boolean {
  return (obj) =>
    collectPathValues(obj, selector).some((v) =>
      (Array.isArray(v) ? v : [v]).some((x) => valuesEqual(x, value)),
    );
}

/**
 * Equality against embedded documents: mongod compares them field by field in order, so
 * {a: 1, b: 2} does not match {b: 2, a: 1}; mingo's deep equality ignores the order.
 */
const $eq: QueryOperator = (selector, value, options) =>
  literalDocument(value)
    ? documentEquals(selector, value)
    : (queryOperators.$eq as QueryOperator)(selector, value, options);

const $ne: QueryOperator = (selector, value, options) => {
  if (!literalDocument(value)) return (queryOperators.$ne as QueryOperator)(selector, value, options);
  const equals = documentEquals(selector, value);
  return (obj) => !equals(obj);
};

function inList(
  operator: string,
  selector: string,
  value: unknown,
  options: Options,
): (obj: Record<string, unknown>) => boolean {
  if (!Array.isArray(value)) throw new Error(`${operator} needs an array`);
  const base = (queryOperators.$in as QueryOperator)(
    selector,
    value.filter((v) => !literalDocument(v)),
    options,
  );
  const documents = value.filter(literalDocument).map((v) => documentEquals(selector, v));
  return (obj) => base(obj) || documents.some((equals) => equals(obj));
}

const $in: QueryOperator = (selector, value, options) => inList('$in', selector, value, options);

const $nin: QueryOperator = (selector, value, options) => {
  const matches = inList('$nin', selector, value, options);
  return (obj) => !matches(obj);
};

/** $count over no documents outputs no document in mongod; mingo outputs a count of 0. */
function $count(coll: Iterator, expr: string, options: Options): Iterator {
  return pipelineOperators
    .$count(coll, expr, options)
    .filter((doc: Record<string, unknown>) => doc[expr] !== 0);
}

/** The document count $bucket carries alongside the caller's output, then drops. */
const BUCKET_SIZE = '__novamartBucketSize';

/**
 * $bucket outputs only the buckets (and the default bucket) holding at least one document in
 * mongod; mingo outputs every boundary's bucket, empty ones with their accumulators over nothing.
 */
function $bucket(coll: Iterator, expr: Record<string, unknown>, options: Options): Iterator {
  const output = (expr.output as Record<string, unknown> | undefined) ?? { count: { $sum: 1 } };
  return pipelineOperators
    .$bucket(coll, { ...expr, output: { ...output, [BUCKET_SIZE]: { $sum: 1 } } } as never, options)
    .filter((doc: Record<string, unknown>) => (doc[BUCKET_SIZE] as number) > 0)
    .map((doc: Record<string, unknown>) => {
      const { [BUCKET_SIZE]: _size, ...bucket } = doc;
      return bucket;
    });
}

/** $project with mongod's output field order (stored order, computed fields last). */
function $project(coll: Iterator, expr: Record<string, unknown>, options: Options): Iterator {
  // $project is one document in, one out, pulled lazily: the queue holds the current input only.
  const inputs: Record<string, unknown>[] = [];
  const tapped = coll.map((doc: Record<string, unknown>) => {
    inputs.push(doc);
    return doc;
  });
  return pipelineOperators.$project(tapped, expr, options).map((out: Record<string, unknown>) => {
    const source = inputs.shift();
    return source ? inDocumentOrder(source, out, expr) : out;
  });
}

export const MONGO_CONTEXT = Context.init({
  accumulator: accumulatorOperators,
  expression: { ...expressionOperators, $type: $typeExpression },
  pipeline: { ...pipelineOperators, $bucket, $count, $project },
  projection: projectionOperators,
  query: { ...queryOperators, $type, $eq, $ne, $in, $nin },
  window: windowOperators,
} as never);

export function newQuery(filter: Record<string, unknown>, options: Partial<Options> = {}): BaseQuery {
  return new BaseQuery(filter, {
    jsonSchemaValidator: jsonSchemaValidator as never,
    ...options,
    context: MONGO_CONTEXT,
  });
}

export function newAggregator(
  pipeline: Record<string, unknown>[],
  options: Partial<Options> = {},
): BaseAggregator {
  return new BaseAggregator(pipeline, {
    jsonSchemaValidator: jsonSchemaValidator as never,
    ...options,
    context: MONGO_CONTEXT,
  });
}

/** Command `let` values are expressions, evaluated once against an empty document ($$NOW etc. allowed). */
export function evaluateLet(letDoc: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, expr] of Object.entries(letDoc))
    out[name] = evalExpr({}, expr, { context: MONGO_CONTEXT, variables: out } as never);
  return out;
}
