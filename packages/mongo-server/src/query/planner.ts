// Picks the index that narrows a filter to a few candidate documents, so lookups by _id or by an indexed
// field never scan the collection. Candidates are a superset: every one is re-checked against the filter.
import { ObjectId } from 'bson';
import { compareValues, isPlainObject, valueKey, type Doc } from '../bson/values';
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

/**
 * Values of types whose equal values share one index key (valueKey), so an equality lookup can use
 * the key directly: counts per key and contiguous walks are exact. Other types (Decimal128, huge
 * Longs, documents, symbols) take the general path.
 */
export function exactKeyValue(v: unknown): boolean {
  return (
    typeof v === 'boolean' ||
    (typeof v === 'number' && Number.isFinite(v)) ||
    typeof v === 'string' ||
    v instanceof Date ||
    v instanceof ObjectId
  );
}

function usable(index: Index): boolean {
  return !index.spec.partialFilterExpression && !index.fields.some(([, dir]) => typeof dir === 'string');
}

// Candidate sets are only built for the chosen index: estimates come from the indexes' per-key counts,
// and a unique index answering an equality ends the search at once.
function planFields(coll: Collection, filter: Doc): Plan {
  const preds = fieldPredicates(filter);
  if (preds.size === 0) return { keys: undefined, indexName: undefined };
  // _id equality: the records map is the _id index, keyed as the values themselves.
  const ids = preds.get('_id')?.eq;
  if (ids?.every(exactKeyValue)) {
    const keys = new Set<string>();
    for (const id of ids) {
      const key = valueKey(id);
      if (coll.records.has(key)) keys.add(key);
    }
    return { keys, indexName: '_id_' };
  }
  let bestEq: { index: Index; values: unknown[]; estimate: number } | undefined;
  const ranges: Array<{ index: Index; pred: FieldPredicate }> = [];
  for (const index of coll.indexes.values()) {
    if (!usable(index)) continue;
    const [first] = index.fields;
    if (!first) continue;
    const pred = preds.get(first[0]);
    if (!pred) continue;
    if (pred.eq) {
      let estimate: number;
      if (index.unique && index.fields.length === 1) estimate = pred.eq.length;
      else if (pred.eq.every(exactKeyValue))
        estimate = pred.eq.reduce<number>((sum, v) => sum + index.countFirstEqual(v), 0);
      else estimate = Number.MAX_SAFE_INTEGER - 1;
      if (!bestEq || estimate < bestEq.estimate) bestEq = { index, values: pred.eq, estimate };
      if (estimate <= 1) break;
    } else if ((pred.lower || pred.upper) && !index.spec.sparse) {
      ranges.push({ index, pred });
    }
  }
  let best: { keys: Set<string>; index: Index } | undefined;
  if (bestEq) {
    const keys = new Set<string>();
    for (const v of bestEq.values)
      for (const k of bestEq.index.lookupRange({ value: v, inclusive: true }, { value: v, inclusive: true }))
        keys.add(k);
    best = { keys, index: bestEq.index };
  }
  // Ranges are compared by materializing them, so only when no equality already narrowed well.
  if (!best || best.keys.size > 64) {
    for (const { index, pred } of ranges) {
      const keys = index.lookupRange(pred.lower, pred.upper);
      if (!best || keys.size < best.keys.size) best = { keys, index };
      if (best.keys.size <= 1) break;
    }
  }
  return best ? { keys: best.keys, indexName: best.index.name } : { keys: undefined, indexName: undefined };
}

export interface IndexWalk {
  index: Index;
  /** Equality values of the index's leading fields. */
  prefix: unknown[];
  /** 1: the index's ascending order, -1: descending. */
  direction: 1 | -1;
  /** Where a keyset page resumes on the first sort field, when the filter says. */
  bound?: { value: unknown; inclusive: boolean };
}

/**
 * An index whose leading fields the filter fixes by equality and whose next fields are the sort's,
 * so a sorted query with a limit walks it in order and stops at the limit (the catalog page:
 * `{active: true}` sorted by `createdAt, _id` on `{active, createdAt, _id}`). The longest equality
 * prefix wins. None when an equality on a unique single-field index already narrows to one document.
 */
export function indexWalk(
  coll: Collection,
  filter: Doc,
  sort: Array<[string, 1 | -1]>,
): IndexWalk | undefined {
  const direction = sort[0]?.[1];
  if (!direction || sort.some(([, d]) => d !== direction)) return undefined;
  const preds = fieldPredicates(filter);
  let best: IndexWalk | undefined;
  for (const index of coll.indexes.values()) {
    if (!usable(index) || index.spec.sparse) continue;
    const prefix: unknown[] = [];
    const fields = index.fields;
    const eqOf = (path: string) => {
      const eq = preds.get(path)?.eq;
      return eq?.length === 1 && exactKeyValue(eq[0]) ? eq : undefined;
    };
    if (index.unique && fields.length === 1 && preds.get(fields[0]![0])?.eq) return undefined;
    while (prefix.length < fields.length) {
      const eq = eqOf(fields[prefix.length]![0]);
      if (!eq) break;
      prefix.push(eq[0]);
    }
    if (prefix.length + sort.length > fields.length) continue;
    if (!sort.every(([path], i) => fields[prefix.length + i]![0] === path)) continue;
    if (best && best.prefix.length >= prefix.length) continue;
    best = { index, prefix, direction };
  }
  if (best) {
    const bound = resumeBound(filter, sort[0]![0], direction);
    if (bound) best.bound = bound;
  }
  return best;
}

/**
 * The bound a keyset filter puts on the first sort field, on the side the walk starts from: a
 * top-level range, or a top-level $or whose every branch bounds the field that way (`{f: {$lt: v}}`
 * or `{f: v, _id: {$lt: id}}`), loosened to the widest branch. Documents past the bound are skipped
 * without being read; the filter is still applied to every document walked.
 */
function resumeBound(
  filter: Doc,
  path: string,
  direction: 1 | -1,
): { value: unknown; inclusive: boolean } | undefined {
  const side = (pred: FieldPredicate | undefined): Bound | undefined => {
    if (!pred) return undefined;
    if (pred.eq?.length === 1 && exactKeyValue(pred.eq[0])) return { value: pred.eq[0], inclusive: true };
    const b = direction === 1 ? pred.lower : pred.upper;
    return b && exactKeyValue(b.value) ? b : undefined;
  };
  const top = side(fieldPredicates(filter).get(path));
  if (top) return top;
  if (!Array.isArray(filter.$or) || filter.$or.length === 0) return undefined;
  let loosest: Bound | undefined;
  for (const branch of filter.$or) {
    if (!isPlainObject(branch)) return undefined;
    const b = side(fieldPredicates(branch).get(path));
    if (!b) return undefined;
    if (!loosest) loosest = b;
    else {
      const c = compareValues(b.value, loosest.value) * direction;
      // Ascending walks start at the smallest lower bound, descending ones at the largest upper bound.
      if (c < 0 || (c === 0 && b.inclusive)) loosest = b;
    }
  }
  return loosest;
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
