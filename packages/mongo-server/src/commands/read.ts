// find, getMore, killCursors, count and distinct.
import { Long } from 'bson';
import { collectPathValues } from '../bson/paths';
import { isPlainObject, valueKey, type Doc } from '../bson/values';
import { ErrorCodes, fail } from '../errors';
import { matchingDocuments, type ScanStats } from '../query/executor';
import { compileFilter } from '../query/matcher';
import { exactKeyValue, indexWalk, planQuery, sortIndex } from '../query/planner';
import { countMatching } from '../query/count';
import { projectDocuments } from '../query/projection';
import { parseSort, sortDocuments } from '../query/sort';
import type { CommandContext, CommandTable } from './context';
import { isView, matchingSource } from './sources';
import {
  checkHint,
  collectionName,
  getCollection,
  nonNegativeInt,
  ns,
  optionalDoc,
  optionalInt,
  letVariables,
} from './util';

export function cursorReply(ns: string, batch: Doc[], id: Long, first: boolean): Doc {
  return { cursor: first ? { firstBatch: batch, id, ns } : { nextBatch: batch, id, ns } };
}

/** The first `wanted` documents that match, in the order of `keys` (an index walk). */
function takeMatching(
  coll: NonNullable<ReturnType<typeof getCollection>>,
  keys: Iterable<string>,
  matcher: { test(doc: Doc): boolean },
  wanted: number,
  stats: ScanStats | undefined,
): Doc[] {
  const docs: Doc[] = [];
  for (const key of keys) {
    const doc = coll.latest(key);
    if (!doc) continue;
    coll.docsExamined++;
    if (stats) stats.docsExamined++;
    if (!matcher.test(doc)) continue;
    docs.push(doc);
    if (docs.length >= wanted) break;
  }
  return docs;
}

/** Runs a find-shaped query to completion; shared by find and explain. */
export function runFind(ctx: CommandContext, name: string, cmd: Doc, stats?: ScanStats): Doc[] {
  const filter = optionalDoc(cmd, 'filter') ?? {};
  const sort = parseSort(optionalDoc(cmd, 'sort'));
  const skip = nonNegativeInt(cmd, 'skip') ?? 0;
  const limitRaw = optionalInt(cmd, 'limit') ?? 0;
  if (limitRaw < 0) fail(ErrorCodes.BadValue, `LIMIT must be non-negative: ${limitRaw}`);
  const coll = getCollection(ctx, name);
  if (!coll) return [];
  checkHint(coll, cmd.hint);
  const matcher = compileFilter(filter, letVariables(cmd));
  let docs: Doc[] = [];
  // Indexes describe the latest committed state, so ordered walks serve reads outside transactions.
  const ordered = !isView(coll) && !ctx.txn && sort !== undefined && limitRaw > 0;
  const walk = ordered ? indexWalk(coll, filter, sort) : undefined;
  const byIndex = ordered && !walk && sort.length === 1 ? sortIndex(coll, sort[0]![0]) : undefined;
  if (isView(coll)) docs = matchingSource(ctx, name, matcher, stats);
  else if (walk) {
    // Equality prefix plus sort: walk the index in sort order and stop once skip + limit matched.
    if (stats) stats.indexName = walk.index.name;
    const keys = walk.index.walkPrefix(walk.prefix, walk.direction, walk.bound);
    docs = takeMatching(coll, keys, matcher, skip + limitRaw, stats);
  } else if (byIndex && !planQuery(coll, filter).keys) {
    // Walk the index in sort order and stop once skip + limit documents matched.
    if (stats) stats.indexName = byIndex.name;
    docs = takeMatching(coll, byIndex.scan(sort![0]![1]), matcher, skip + limitRaw, stats);
  } else {
    const early = !sort && limitRaw > 0 ? skip + limitRaw : Infinity;
    for (const m of matchingDocuments(ctx.state.engine, coll, matcher, ctx.txn, stats)) {
      docs.push(m.doc);
      if (docs.length >= early) break;
    }
  }
  // A walk hands the documents over in the sort's order already (one direction over the index's
  // fields after the equality prefix; ties in the order a stable sort keeps), so sorting again
  // only costs time. A multikey index is sorted again all the same, to leave mongod's array order
  // (smallest or largest element) to the one sort that defines it.
  if (sort && !(walk && !walk.index.multikey)) docs = sortDocuments(docs, sort);
  if (skip > 0) docs = docs.slice(skip);
  if (limitRaw > 0) docs = docs.slice(0, limitRaw);
  return projectDocuments(docs, cmd.projection, filter);
}

/**
 * Fields a find by _id may carry and still be answered by `findById`: the ones findOne and
 * mongoose's findById send, and the ones that change nothing about which document is returned
 * (session, transaction and read concern fields, handled by dispatch). Any other option (sort,
 * projection, skip, hint, collation, let, ...) goes the general way.
 */
const FIND_BY_ID_FIELDS = new Set([
  'find',
  'filter',
  'limit',
  'singleBatch',
  'batchSize',
  '$db',
  'lsid',
  '$clusterTime',
  '$readPreference',
  'readConcern',
  'txnNumber',
  'autocommit',
  'startTransaction',
  'maxTimeMS',
  'comment',
]);

/**
 * find with filter `{_id: <value>}` alone (what findOne and findById send): the records map is the
 * _id index, so the answer is the one record under the value's key, at most one document, and the
 * cursor is exhausted in the first reply (id 0, as mongod answers it). It skips filter
 * compilation, planning, projection and cursor bookkeeping. Undefined when the command is not of
 * that shape or its answer could differ from the general path's (views, a batchSize of 0, an _id
 * value whose key is not exact such as Decimal128 or a document), which then answers it.
 */
function findById(ctx: CommandContext, name: string): Doc | undefined {
  const cmd = ctx.cmd;
  const filter = cmd.filter;
  if (!isPlainObject(filter)) return undefined;
  let id: unknown;
  let fields = 0;
  for (const key in filter) {
    if (key !== '_id' || ++fields > 1) return undefined;
    id = filter[key];
  }
  if (fields !== 1 || !exactKeyValue(id)) return undefined;
  const limit = cmd.limit;
  if (limit !== undefined && !(typeof limit === 'number' && Number.isInteger(limit) && limit >= 0))
    return undefined;
  const batchSize = cmd.batchSize;
  if (
    batchSize !== undefined &&
    !(typeof batchSize === 'number' && Number.isInteger(batchSize) && batchSize > 0)
  )
    return undefined;
  if (cmd.singleBatch !== undefined && typeof cmd.singleBatch !== 'boolean') return undefined;
  for (const key in cmd) if (!FIND_BY_ID_FIELDS.has(key)) return undefined;
  const coll = getCollection(ctx, name);
  if (isView(coll)) return undefined;
  const batch: Doc[] = [];
  if (coll) {
    const doc = ctx.state.engine.read(coll, valueKey(id), ctx.txn);
    if (doc) {
      coll.docsExamined++;
      batch.push(doc);
    }
  }
  ctx.state.opcounters.query++;
  return cursorReply(ns(ctx, name), batch, Long.ZERO, true);
}

function find(ctx: CommandContext): Doc {
  const name = collectionName(ctx, 'find');
  const byId = findById(ctx, name);
  if (byId) return byId;
  const batchSize = nonNegativeInt(ctx.cmd, 'batchSize');
  const docs = runFind(ctx, name, ctx.cmd);
  ctx.state.opcounters.query++;
  const single = ctx.cmd.singleBatch === true;
  const { batch, id } = ctx.state.cursors.open(ns(ctx, name), docs, batchSize, single, ctx.session?.key);
  return cursorReply(ns(ctx, name), batch, id, true);
}

function cursorIdOf(v: unknown): number {
  if (v instanceof Long) return v.toNumber();
  if (typeof v === 'number' || typeof v === 'bigint') return Number(v);
  fail(ErrorCodes.TypeMismatch, "BSON field 'getMore.getMore' is the wrong type, expected type 'long'");
}

function getMore(ctx: CommandContext): Doc {
  const id = cursorIdOf(ctx.cmd.getMore);
  const name = collectionName(ctx, 'collection');
  const batchSize = nonNegativeInt(ctx.cmd, 'batchSize');
  ctx.state.opcounters.getmore++;
  const { batch, id: next } = ctx.state.cursors.getMore(id, ns(ctx, name), batchSize);
  return cursorReply(ns(ctx, name), batch, next, false);
}

function killCursors(ctx: CommandContext): Doc {
  collectionName(ctx, 'killCursors');
  const ids = ctx.cmd.cursors;
  if (!Array.isArray(ids))
    fail(
      ErrorCodes.TypeMismatch,
      "BSON field 'killCursors.cursors' is the wrong type, expected type 'array'",
    );
  const killed: Long[] = [];
  const notFound: Long[] = [];
  for (const raw of ids) {
    const id = cursorIdOf(raw);
    (ctx.state.cursors.kill(id) ? killed : notFound).push(Long.fromNumber(id));
  }
  return { cursorsKilled: killed, cursorsNotFound: notFound, cursorsAlive: [], cursorsUnknown: [] };
}

function count(ctx: CommandContext): Doc {
  const name = collectionName(ctx, 'count');
  const query = optionalDoc(ctx.cmd, 'query') ?? {};
  const skip = nonNegativeInt(ctx.cmd, 'skip') ?? 0;
  const limit = Math.abs(optionalInt(ctx.cmd, 'limit') ?? 0);
  const coll = getCollection(ctx, name);
  if (!coll) return { n: 0 };
  checkHint(coll, ctx.cmd.hint);
  let n: number;
  if (isView(coll)) n = matchingSource(ctx, name, compileFilter(query)).length;
  else n = countMatching(ctx.state.engine, coll, query, ctx.txn);
  n = Math.max(0, n - skip);
  if (limit > 0) n = Math.min(n, limit);
  return { n };
}

function distinct(ctx: CommandContext): Doc {
  const name = collectionName(ctx, 'distinct');
  const key = ctx.cmd.key;
  if (typeof key !== 'string')
    fail(ErrorCodes.TypeMismatch, "BSON field 'distinct.key' is the wrong type, expected type 'string'");
  const query = optionalDoc(ctx.cmd, 'query') ?? {};
  checkHint(getCollection(ctx, name), ctx.cmd.hint);
  const seen = new Map<string, unknown>();
  {
    for (const doc of matchingSource(ctx, name, compileFilter(query))) {
      for (const v of collectPathValues(doc, key)) {
        const values = Array.isArray(v) ? v : [v];
        for (const x of values) {
          const k = valueKey(x);
          if (!seen.has(k)) seen.set(k, x);
        }
      }
    }
  }
  return { values: [...seen.values()] };
}

export const readCommands: CommandTable = {
  find: { run: find, inTransaction: true },
  getmore: { run: getMore, inTransaction: true },
  killcursors: { run: killCursors, inTransaction: true },
  count: { run: count },
  distinct: { run: distinct, inTransaction: true },
};
