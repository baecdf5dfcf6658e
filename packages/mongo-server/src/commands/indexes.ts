// createIndexes, listIndexes, dropIndexes with mongod's conflict rules and error codes.
import { isNumeric, isPlainObject, toNumber, valuesEqual, type Doc } from '../bson/values';
import { ErrorCodes, fail } from '../errors';
import type { Collection } from '../storage/collection';
import type { IndexSpec } from '../storage/index-manager';
import type { CommandContext, CommandTable } from './context';
import { cursorReply } from './read';
import { assertNotView } from './sources';
import { collectionName } from './util';

const INDEX_OPTIONS = new Set([
  'key',
  'name',
  'unique',
  'sparse',
  'partialFilterExpression',
  'expireAfterSeconds',
  'background',
  'hidden',
  'collation',
  'v',
  'weights',
  'default_language',
  'language_override',
  'textIndexVersion',
  '2dsphereIndexVersion',
  'bits',
  'min',
  'max',
  'wildcardProjection',
  'storageEngine',
  'ns',
  'dropDups',
]);

/** Options that make two indexes on the same key pattern different indexes (others must match exactly). */
function comparableOptions(spec: Doc): Doc {
  const out: Doc = {};
  for (const k of [
    'unique',
    'sparse',
    'partialFilterExpression',
    'expireAfterSeconds',
    'collation',
    'hidden',
  ]) {
    if (spec[k] !== undefined && spec[k] !== false) out[k] = spec[k];
  }
  return out;
}

function validateSpec(raw: Doc): IndexSpec {
  if (!isPlainObject(raw.key) || Object.keys(raw.key).length === 0)
    fail(ErrorCodes.CannotCreateIndex, 'Index keys cannot be empty.');
  for (const [field, dir] of Object.entries(raw.key)) {
    if (field === '') fail(ErrorCodes.CannotCreateIndex, 'Index key cannot be an empty field.');
    const ok =
      (isNumeric(dir) && toNumber(dir) !== 0) ||
      ['text', '2d', '2dsphere', 'hashed', 'geoHaystack'].includes(dir as string);
    if (!ok)
      fail(
        ErrorCodes.CannotCreateIndex,
        `Values in the index key pattern can only be positive or negative numbers or the strings "text", "2d", "2dsphere" or "hashed": ${field}: ${JSON.stringify(dir)}`,
      );
  }
  if (typeof raw.name !== 'string' || raw.name.length === 0)
    fail(ErrorCodes.CannotCreateIndex, 'The index name must be a non-empty string.');
  for (const k of Object.keys(raw))
    if (!INDEX_OPTIONS.has(k))
      fail(
        ErrorCodes.InvalidIndexSpecificationOption,
        `The field '${k}' is not valid for an index specification. Specification: ${JSON.stringify(raw)}`,
      );
  if (
    raw.expireAfterSeconds !== undefined &&
    (!isNumeric(raw.expireAfterSeconds) || toNumber(raw.expireAfterSeconds) < 0)
  ) {
    fail(
      ErrorCodes.CannotCreateIndex,
      "TTL index 'expireAfterSeconds' option must be numeric and non-negative",
    );
  }
  if (raw.name === '_id_' && !valuesEqual(raw.key, { _id: 1 }))
    fail(ErrorCodes.BadValue, "The index name '_id_' is reserved for the _id index");
  const spec: IndexSpec = { v: 2, key: raw.key, name: raw.name };
  for (const [k, v] of Object.entries(raw)) {
    if (k === 'key' || k === 'name' || k === 'v' || k === 'background' || k === 'ns') continue;
    if (k === 'unique' && v !== true) continue;
    spec[k] = v;
  }
  if (raw.key._id !== undefined && Object.keys(raw.key).length === 1 && spec.unique) delete spec.unique;
  return spec;
}

function createIndexes(ctx: CommandContext): Doc {
  const name = collectionName(ctx, 'createIndexes');
  const rawIndexes = ctx.cmd.indexes;
  if (!Array.isArray(rawIndexes) || rawIndexes.length === 0)
    fail(ErrorCodes.BadValue, 'Must specify at least one index to create');
  const engine = ctx.state.engine;
  const existed = engine.getCollection(ctx.db, name) !== undefined;
  assertNotView(engine.getCollection(ctx.db, name));
  const specs = rawIndexes.map((r) =>
    isPlainObject(r)
      ? validateSpec(r)
      : fail(ErrorCodes.TypeMismatch, 'index specification must be an object'),
  );
  const coll = engine.ensureCollection(ctx.db, name, ctx.txn);
  const before = coll.indexes.size;
  const toCreate: IndexSpec[] = [];
  for (const spec of specs) {
    if (isExisting(coll, spec)) continue;
    toCreate.push(spec);
  }
  for (const spec of toCreate) engine.createIndex(coll, spec);
  const reply: Doc = {
    numIndexesBefore: before,
    numIndexesAfter: coll.indexes.size,
    createdCollectionAutomatically: !existed,
  };
  if (toCreate.length === 0) reply.note = 'all indexes already exist';
  return reply;
}

/** True if an identical index exists; throws if a conflicting one does (same name or same key, other options). */
function isExisting(coll: Collection, spec: IndexSpec): boolean {
  for (const index of coll.indexes.values()) {
    const sameKey =
      JSON.stringify(index.spec.key) === JSON.stringify(spec.key) && valuesEqual(index.spec.key, spec.key);
    const sameOptions =
      JSON.stringify(comparableOptions(index.spec)) === JSON.stringify(comparableOptions(spec));
    if (index.name === spec.name) {
      if (sameKey && sameOptions) return true;
      if (sameKey)
        fail(
          ErrorCodes.IndexOptionsConflict,
          `An existing index has the same name as the requested index. When index names are not specified, they are auto generated and can cause conflicts. Please refer to our documentation. Requested index: ${JSON.stringify(spec)}, existing index: ${JSON.stringify(index.spec)}`,
        );
      fail(
        ErrorCodes.IndexKeySpecsConflict,
        `An existing index has the same name as the requested index. When index names are not specified, they are auto generated and can cause conflicts. Please refer to our documentation. Requested index: ${JSON.stringify(spec)}, existing index: ${JSON.stringify(index.spec)}`,
      );
    }
    if (sameKey && sameOptions)
      fail(ErrorCodes.IndexOptionsConflict, `Index already exists with a different name: ${index.name}`);
  }
  return false;
}

function listIndexes(ctx: CommandContext): Doc {
  const name = collectionName(ctx, 'listIndexes');
  const coll = ctx.state.engine.getCollection(ctx.db, name);
  if (!coll) fail(ErrorCodes.NamespaceNotFound, `ns does not exist: ${ctx.db}.${name}`);
  const specs = coll.listIndexSpecs().map((s) => ({ ...s }));
  const ns = coll.ns;
  const cursor = isPlainObject(ctx.cmd.cursor) ? ctx.cmd.cursor : {};
  const { batch, id } = ctx.state.cursors.open(
    ns,
    specs,
    typeof cursor.batchSize === 'number' ? cursor.batchSize : undefined,
    false,
    ctx.session?.key,
  );
  return cursorReply(ns, batch, id, true);
}

function dropIndexes(ctx: CommandContext): Doc {
  const name = collectionName(ctx, 'dropIndexes');
  const engine = ctx.state.engine;
  const coll = engine.getCollection(ctx.db, name);
  if (!coll) fail(ErrorCodes.NamespaceNotFound, `ns not found ${ctx.db}.${name}`);
  const nIndexesWas = coll.indexes.size;
  const target = ctx.cmd.index;
  let names: string[];
  if (target === '*') names = [...coll.indexes.keys()].filter((n) => n !== '_id_');
  else if (typeof target === 'string') names = [target];
  else if (Array.isArray(target)) names = target.map(String);
  else if (isPlainObject(target)) {
    const found = [...coll.indexes.values()].filter(
      (i) => JSON.stringify(i.spec.key) === JSON.stringify(target),
    );
    if (found.length === 0)
      fail(ErrorCodes.IndexNotFound, `can't find index with key: ${JSON.stringify(target)}`);
    names = found.map((i) => i.name);
  } else fail(ErrorCodes.TypeMismatch, "BSON field 'dropIndexes.index' is the wrong type");
  for (const n of names) {
    if (n === '_id_') fail(ErrorCodes.InvalidOptions, 'cannot drop _id index');
    if (!coll.indexes.has(n)) fail(ErrorCodes.IndexNotFound, `index not found with name [${n}]`);
  }
  for (const n of names) engine.dropIndex(coll, n);
  return { nIndexesWas };
}

export const indexCommands: CommandTable = {
  createindexes: { run: createIndexes, writes: true, inTransaction: true },
  listindexes: { run: listIndexes },
  dropindexes: { run: dropIndexes, writes: true },
  deleteindexes: { run: dropIndexes, writes: true },
};
