// Secondary indexes: a hash of key tuples for equality and uniqueness, plus a sorted list of the distinct
// key tuples for range scans. Keys are computed the way mongod does (multikey over arrays, null for missing).
import { newQuery } from '../query/mingo-context';
import { collectPathValues } from '../bson/paths';
import { compareValues, isPlainObject, valueKey, type Doc } from '../bson/values';
import { ErrorCodes, MongoCommandError } from '../errors';

export interface IndexSpec {
  v?: number;
  key: Doc;
  name: string;
  unique?: boolean;
  sparse?: boolean;
  partialFilterExpression?: Doc;
  expireAfterSeconds?: number;
  [option: string]: unknown;
}

interface KeyEntry {
  values: unknown[];
  ks: string;
  docs: Set<string>;
}

export class Index {
  readonly spec: IndexSpec;
  readonly fields: Array<[string, number | string]>;
  private readonly partial: ReturnType<typeof newQuery> | undefined;
  private readonly entries = new Map<string, KeyEntry>();
  /** Distinct key tuples sorted by the first field's BSON order, for range scans. */
  private readonly sorted: KeyEntry[] = [];
  /** (document, first-field value) pairs per first-field value key: equality counts without a scan. */
  private readonly firstCounts = new Map<string, number>();
  /**
   * Whether some document ever had more than one key (an array in an indexed field). Until then every
   * document has exactly one entry, so counts are document counts and walks need no de-duplication.
   * Never reset: conservative after such a document is gone.
   */
  multikey = false;

  constructor(spec: IndexSpec) {
    this.spec = spec;
    this.fields = Object.entries(spec.key).map(([k, v]) => [k, v as number | string]);
    this.partial = spec.partialFilterExpression ? newQuery(spec.partialFilterExpression) : undefined;
  }

  get name(): string {
    return this.spec.name;
  }

  get unique(): boolean {
    return this.spec.unique === true || this.spec.name === '_id_';
  }

  /** Key tuples a document contributes; empty when sparse/partial exclude it. */
  keysFor(doc: Doc): unknown[][] {
    if (this.partial && !this.partial.test(doc)) return [];
    let anyPresent = false;
    const perField = this.fields.map(([path]) => {
      const raw = collectPathValues(doc, path);
      if (raw.length === 0) return [null];
      anyPresent = true;
      const expanded: unknown[] = [];
      for (const v of raw) {
        if (Array.isArray(v)) {
          if (v.length === 0) expanded.push(undefined);
          else expanded.push(...v);
        } else expanded.push(v);
      }
      return expanded;
    });
    if (this.spec.sparse && !anyPresent) return [];
    let tuples: unknown[][] = [[]];
    for (const values of perField) {
      const next: unknown[][] = [];
      for (const t of tuples) for (const v of values) next.push([...t, v]);
      tuples = next;
    }
    const seen = new Set<string>();
    return tuples.filter((t) => {
      const ks = tupleKey(t);
      if (seen.has(ks)) return false;
      seen.add(ks);
      return true;
    });
  }

  /** Throws DuplicateKey if `doc` would collide with a document other than those `ignore` accepts. */
  checkUnique(doc: Doc, ignore: (docKey: string) => boolean, ns: string): void {
    // The _id index is enforced by the document map itself (one record per _id key).
    if (!this.unique || this.name === '_id_') return;
    for (const tuple of this.keysFor(doc)) {
      const entry = this.entries.get(tupleKey(tuple));
      if (!entry) continue;
      for (const other of entry.docs) if (!ignore(other)) throw this.duplicateError(tuple, ns);
    }
  }

  duplicateError(tuple: unknown[], ns: string): MongoCommandError {
    const keyPattern: Doc = {};
    const keyValue: Doc = {};
    this.fields.forEach(([path, dir], i) => {
      keyPattern[path] = dir;
      keyValue[path] = tuple[i] === undefined ? null : tuple[i];
    });
    const shown = this.fields.map(([path], i) => `${path}: ${formatValue(tuple[i])}`).join(', ');
    return new MongoCommandError(
      ErrorCodes.DuplicateKey,
      `E11000 duplicate key error collection: ${ns} index: ${this.name} dup key: { ${shown} }`,
      { extra: { keyPattern, keyValue } },
    );
  }

  /** Moves a document from its old keys to its new ones, touching only the keys that differ. */
  replace(docKey: string, before: Doc | null, after: Doc | null): void {
    // _id never changes on update, so the _id index only moves on insert and delete.
    if (before && after && this.name === '_id_') return;
    const oldTuples = before ? this.keysFor(before) : [];
    const newTuples = after ? this.keysFor(after) : [];
    if (newTuples.length > 1) this.multikey = true;
    const newKeys = new Set(newTuples.map(tupleKey));
    const oldKeys = new Set(oldTuples.map(tupleKey));
    for (const t of oldTuples) if (!newKeys.has(tupleKey(t))) this.removeTuple(docKey, t);
    for (const t of newTuples) if (!oldKeys.has(tupleKey(t))) this.addTuple(docKey, t);
  }

  add(docKey: string, doc: Doc): void {
    const tuples = this.keysFor(doc);
    if (tuples.length > 1) this.multikey = true;
    for (const tuple of tuples) this.addTuple(docKey, tuple);
  }

  remove(docKey: string, doc: Doc): void {
    for (const tuple of this.keysFor(doc)) this.removeTuple(docKey, tuple);
  }

  private addTuple(docKey: string, tuple: unknown[]): void {
    const ks = tupleKey(tuple);
    let entry = this.entries.get(ks);
    if (!entry) {
      entry = { values: tuple, ks, docs: new Set() };
      this.entries.set(ks, entry);
      this.sorted.splice(this.lowerBound(tuple), 0, entry);
    }
    if (entry.docs.has(docKey)) return;
    entry.docs.add(docKey);
    const first = valueKey(tuple[0]);
    this.firstCounts.set(first, (this.firstCounts.get(first) ?? 0) + 1);
  }

  private removeTuple(docKey: string, tuple: unknown[]): void {
    const ks = tupleKey(tuple);
    const entry = this.entries.get(ks);
    if (!entry || !entry.docs.delete(docKey)) return;
    const first = valueKey(tuple[0]);
    const left = (this.firstCounts.get(first) ?? 1) - 1;
    if (left > 0) this.firstCounts.set(first, left);
    else this.firstCounts.delete(first);
    if (entry.docs.size === 0) {
      this.entries.delete(ks);
      const i = this.sorted.indexOf(entry, this.lowerBound(tuple));
      if (i >= 0) this.sorted.splice(i, 1);
    }
  }

  get keyCount(): number {
    return this.entries.size;
  }

  /** Document keys in index order (each once, at its first key: the smallest ascending, largest descending). */
  *scan(direction: 1 | -1): Generator<string> {
    const seen = new Set<string>();
    const n = this.sorted.length;
    for (let i = 0; i < n; i++) {
      const entry = this.sorted[direction === 1 ? i : n - 1 - i] as KeyEntry;
      for (const d of entry.docs) {
        if (seen.has(d)) continue;
        seen.add(d);
        yield d;
      }
    }
  }

  /**
   * How many documents have `value` as their first indexed field, without a scan: exact while the
   * index is not multikey (each document counted once), an upper bound otherwise. `value` must be
   * of a type whose equal values share one key (see `exactKeyValue`).
   */
  countFirstEqual(value: unknown): number {
    return this.firstCounts.get(valueKey(value)) ?? 0;
  }

  /**
   * Document keys whose leading fields equal `prefix`, in the order of the following fields
   * (ascending for direction 1, descending for -1), each document once: what an equality-plus-sort
   * query walks to stop at its limit. `startAfter` (optional) skips to the entries whose next field
   * lies on the far side of a bound first: for a keyset page, where the previous page ended.
   */
  *walkPrefix(
    prefix: readonly unknown[],
    direction: 1 | -1,
    bound?: { value: unknown; inclusive: boolean },
  ): Generator<string> {
    const n = prefix.length;
    const cmp = (entry: KeyEntry, withBound: boolean): number => {
      for (let i = 0; i < n; i++) {
        const c = compareValues(entry.values[i], prefix[i]);
        if (c !== 0) return c;
      }
      if (withBound && bound) {
        const c = compareValues(entry.values[n], bound.value);
        // Ascending walks start at the lower bound, descending ones at the upper bound.
        if (direction === 1) return c < 0 || (c === 0 && !bound.inclusive) ? -1 : 1;
        return c > 0 || (c === 0 && !bound.inclusive) ? 1 : -1;
      }
      return 0;
    };
    // First entry not below the prefix (and bound), and first entry above it.
    const search = (above: boolean, withBound: boolean): number => {
      let lo = 0;
      let hi = this.sorted.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        const c = cmp(this.sorted[mid] as KeyEntry, withBound);
        if (c < 0 || (above && c === 0)) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    };
    let from: number;
    let to: number;
    if (direction === 1) {
      from = search(false, true);
      to = search(true, false);
    } else {
      from = search(false, false);
      to = bound ? search(true, true) : search(true, false);
    }
    const seen = this.multikey ? new Set<string>() : undefined;
    for (let k = 0; k < to - from; k++) {
      const entry = this.sorted[direction === 1 ? from + k : to - 1 - k] as KeyEntry;
      for (const d of entry.docs) {
        if (seen) {
          if (seen.has(d)) continue;
          seen.add(d);
        }
        yield d;
      }
    }
  }

  /**
   * Document keys whose first indexed field lies within the bounds, found by binary search over the
   * sorted keys. Bounds are inclusive/exclusive as given; values of other BSON types are excluded, as
   * mongod's type bracketing does.
   */
  lookupRange(
    lower: { value: unknown; inclusive: boolean } | undefined,
    upper: { value: unknown; inclusive: boolean } | undefined,
  ): Set<string> {
    const out = new Set<string>();
    let i = lower ? this.lowerBoundFirst(lower.value) : 0;
    for (; i < this.sorted.length; i++) {
      const entry = this.sorted[i] as KeyEntry;
      const v = entry.values[0];
      if (lower) {
        const c = compareValues(v, lower.value);
        if (c < 0 || (c === 0 && !lower.inclusive)) continue;
      }
      if (upper) {
        const c = compareValues(v, upper.value);
        if (c > 0 || (c === 0 && !upper.inclusive)) break;
      }
      for (const d of entry.docs) out.add(d);
    }
    return out;
  }

  private lowerBound(tuple: unknown[]): number {
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareTuples((this.sorted[mid] as KeyEntry).values, tuple) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private lowerBoundFirst(value: unknown): number {
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareValues((this.sorted[mid] as KeyEntry).values[0], value) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

function compareTuples(a: unknown[], b: unknown[]): number {
  for (let i = 0; i < a.length; i++) {
    const c = compareValues(a[i], b[i]);
    if (c !== 0) return c;
    // Tuples equal under compareValues but of distinct keys (e.g. null vs undefined) still need a stable order.
    const ka = valueKey(a[i]);
    const kb = valueKey(b[i]);
    if (ka !== kb) return ka < kb ? -1 : 1;
  }
  return 0;
}

export function tupleKey(values: unknown[]): string {
  // Missing-in-array (undefined) and null are distinct index keys but equal for uniqueness of missing fields.
  return values.map((v) => (v === undefined ? 'u' : valueKey(v))).join('\u0000');
}

function formatValue(v: unknown): string {
  if (v === undefined || v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (v instanceof Date) return `new Date(${v.getTime()})`;
  if (isPlainObject(v) || Array.isArray(v)) return JSON.stringify(v);
  if (typeof v === 'object' && v && 'toHexString' in v)
    return `ObjectId('${(v as { toHexString(): string }).toHexString()}')`;
  return String(v);
}

/** Default index name as drivers and mongod derive it: field_dir joined by underscores. */
export function defaultIndexName(key: Doc): string {
  return Object.entries(key)
    .map(([k, v]) => `${k}_${String(v)}`)
    .join('_');
}
