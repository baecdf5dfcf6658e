// Counting without materializing: countDocuments and count answer from an index's per-key counts
// when the filter is one equality on an index's first field, or from a scan that only tests
// documents (no copies, no pipeline).
import { isPlainObject, type Doc } from '../bson/values';
import type { Collection } from '../storage/collection';
import type { StorageEngine } from '../storage/engine';
import type { Transaction } from '../storage/transaction';
import { matchingDocuments } from './executor';
import { compileFilter } from './matcher';
import { exactKeyValue } from './planner';

/** The single equality `{path: value}` / `{path: {$eq: value}}` of a filter, if that is all it is. */
function soleEquality(filter: Doc): [string, unknown] | undefined {
  const entries = Object.entries(filter);
  if (entries.length !== 1) return undefined;
  const [path, cond] = entries[0]!;
  if (path.startsWith('$')) return undefined;
  const value = isPlainObject(cond) ? (Object.keys(cond).length === 1 ? cond.$eq : undefined) : cond;
  return exactKeyValue(value) ? [path, value] : undefined;
}

export function countMatching(
  engine: StorageEngine,
  coll: Collection,
  filter: Doc,
  txn: Transaction | undefined,
): number {
  // Indexes and liveCount describe the latest committed state; a transaction counts what it sees.
  if (!txn) {
    if (Object.keys(filter).length === 0) return coll.liveCount;
    const eq = soleEquality(filter);
    if (eq) {
      for (const index of coll.indexes.values()) {
        const { spec } = index;
        if (index.multikey || spec.sparse || spec.partialFilterExpression) continue;
        if (index.fields[0]?.[0] !== eq[0] || typeof index.fields[0][1] === 'string') continue;
        return index.countFirstEqual(eq[1]);
      }
    }
  }
  let n = 0;
  for (const _ of matchingDocuments(engine, coll, compileFilter(filter), txn)) n++;
  return n;
}

/**
 * The pipeline drivers send for countDocuments: `$match`, optional `$skip` / `$limit`, then a
 * `$group` by a constant with one `{$sum: 1}`. Returns its parts, or undefined for anything else.
 */
export function countPipeline(
  pipeline: Doc[],
): { filter: Doc; skip: number; limit: number | undefined; id: unknown; field: string } | undefined {
  const [match, ...rest] = pipeline;
  if (!match || !isPlainObject(match.$match)) return undefined;
  const group = rest.pop();
  if (!group || !isPlainObject(group.$group)) return undefined;
  let skip = 0;
  let limit: number | undefined;
  for (const stage of rest) {
    if (
      typeof stage.$skip === 'number' &&
      Number.isInteger(stage.$skip) &&
      stage.$skip >= 0 &&
      limit === undefined
    )
      skip += stage.$skip;
    else if (typeof stage.$limit === 'number' && Number.isInteger(stage.$limit) && stage.$limit > 0)
      limit = Math.min(limit ?? Infinity, stage.$limit);
    else return undefined;
  }
  const entries = Object.entries(group.$group);
  if (entries.length !== 2 || entries[0]![0] !== '_id') return undefined;
  const id = entries[0]![1];
  // A constant key: a number, null, or a string that is not a field path or variable.
  if (!(id === null || typeof id === 'number' || (typeof id === 'string' && !id.startsWith('$'))))
    return undefined;
  const [field, acc] = entries[1]!;
  if (field.startsWith('$') || field.includes('.') || !isPlainObject(acc)) return undefined;
  const keys = Object.keys(acc);
  if (keys.length !== 1 || acc.$sum !== 1) return undefined;
  return { filter: match.$match, skip, limit, id, field };
}
