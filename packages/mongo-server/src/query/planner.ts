// Picks the index that narrows a filter to a few candidate documents, so lookups by _id or by an indexed
// field never scan the collection. Candidates are a superset: every one is re-checked against the filter.
import { isPlainObject, type Doc } from '../bson/values';
import type { Collection } from '../storage/collection';
import type { Index } from '../storage/index-manager';

export interface Plan {
  /** Candidate document keys, or undefined for a collection scan. */
  keys: Set<string> | undefined;
  indexName: string | undefined;
}

type Bound = { value: unknown; inclusive: boolean };

interface FieldPredicate {
  eq?: unknown[];
  lower?: Bound;
  upper?: Bound;
}

/** Equality and range conditions on plain top-level paths (including inside a top-level $and). */
function fieldPredicates(filter: Doc): Map<string, FieldPredicate> {
  const out = new Map<string, FieldPredicate>();
  const add = (f: Doc): void => {
    for (const [path, cond] of Object.entries(f)) {
      if (path === '$and' && Array.isArray(cond)) {
        for (const sub of cond) if (isPlainObject(sub)) add(sub);
        continue;
      }
      if (path.startsWith('$')) continue;
      const p: FieldPredicate = out.get(path) ?? {};
      if (isPlainObject(cond) && Object.keys(cond).some((k) => k.startsWith('$'))) {
        for (const [op, arg] of Object.entries(cond)) {
          if (op === '$eq' && indexableValue(arg)) p.eq = [arg];
          else if (op === '$in' && Array.isArray(arg) && arg.every(indexableValue)) p.eq = arg;
          else if (op === '$gt' || op === '$gte') p.lower = { value: arg, inclusive: op === '$gte' };
          else if (op === '$lt' || op === '$lte') p.upper = { value: arg, inclusive: op === '$lte' };
        }
      } else if (indexableValue(cond)) {
        p.eq = [cond];
      }
      out.set(path, p);
    }
  };
  add(filter);
  return out;
}

/** Values whose index key is the value itself (arrays, regexes and null need wider bounds). */
function indexableValue(v: unknown): boolean {
  if (v === null || v === undefined || Array.isArray(v) || v instanceof RegExp) return false;
  if (isPlainObject(v)) return !Object.keys(v).some((k) => k.startsWith('$'));
  return true;
}

export function planQuery(coll: Collection, filter: Doc): Plan {
  const plan = planFields(coll, filter);
  if (plan.keys || !Array.isArray(filter.$or)) return plan;
  // A top-level $or can use an index when every branch can: the union of the branches' candidates.
  const keys = new Set<string>();
  const names = new Set<string>();
  for (const branch of filter.$or) {
    if (!isPlainObject(branch)) return plan;
    const sub = planQuery(coll, branch);
    if (!sub.keys) return plan;
    for (const k of sub.keys) keys.add(k);
    names.add(sub.indexName as string);
  }
  return { keys, indexName: [...names].join(',') };
}

function planFields(coll: Collection, filter: Doc): Plan {
  const preds = fieldPredicates(filter);
  if (preds.size === 0) return { keys: undefined, indexName: undefined };
  let best: { keys: Set<string>; index: Index } | undefined;
  for (const index of coll.indexes.values()) {
    if (index.spec.partialFilterExpression || index.fields.some(([, dir]) => typeof dir === 'string'))
      continue;
    const [first] = index.fields;
    if (!first) continue;
    const pred = preds.get(first[0]);
    if (!pred) continue;
    let keys: Set<string>;
    if (pred.eq) {
      keys = new Set();
      for (const v of pred.eq)
        for (const k of index.lookupRange({ value: v, inclusive: true }, { value: v, inclusive: true }))
          keys.add(k);
    } else if (pred.lower || pred.upper) {
      if (index.spec.sparse) continue;
      keys = index.lookupRange(pred.lower, pred.upper);
    } else continue;
    if (!best || keys.size < best.keys.size) best = { keys, index };
    if (best.keys.size <= 1) break;
  }
  return best ? { keys: best.keys, indexName: best.index.name } : { keys: undefined, indexName: undefined };
}

/**
 * An index that yields documents already in the order of a one-field sort, so a sorted query with a
 * limit can stop early instead of sorting the whole collection. Sparse and partial indexes leave
 * documents out and cannot serve.
 */
export function sortIndex(coll: Collection, path: string): Index | undefined {
  for (const index of coll.indexes.values()) {
    if (index.spec.sparse || index.spec.partialFilterExpression) continue;
    const [first] = index.fields;
    if (first && first[0] === path && typeof first[1] === 'number' && index.fields.length === 1) return index;
  }
  return undefined;
}
