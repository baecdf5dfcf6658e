// A collection's documents as version chains (newest first) so that transactions can read the snapshot
// they started from while other sessions keep writing. Indexes always describe the latest committed state.
import { calculateObjectSize, UUID } from 'bson';
import { valueKey, type Doc } from '../bson/values';
import { Index, type IndexSpec } from './index-manager';
import type { Transaction } from './transaction';

export interface Version {
  ts: number;
  doc: Doc | null;
  prev: Version | null;
}

export class Collection {
  readonly uuid: UUID;
  readonly records = new Map<string, Version>();
  readonly indexes = new Map<string, Index>();
  /** Keys whose chain holds history or a tombstone, needed by some open transaction's snapshot. */
  readonly historyKeys = new Set<string>();
  /** Documents with uncommitted writes, and the transaction holding each. */
  readonly locks = new Map<string, Transaction>();
  /** Documents examined by queries; lets tests prove that indexed lookups do not scan. */
  docsExamined = 0;
  liveCount = 0;
  /** Total BSON size of the live documents; kept for capped collections, which are bounded by it. */
  cappedBytes = 0;

  constructor(
    public db: string,
    public name: string,
    public options: Doc = {},
    uuid?: UUID,
  ) {
    this.uuid = uuid ?? new UUID();
    this.indexes.set('_id_', new Index({ v: 2, key: { _id: 1 }, name: '_id_' }));
  }

  get ns(): string {
    return `${this.db}.${this.name}`;
  }

  latest(key: string): Doc | null {
    return this.records.get(key)?.doc ?? null;
  }

  /** The document as of a snapshot timestamp. */
  at(key: string, ts: number): Doc | null {
    let v = this.records.get(key) ?? null;
    while (v && v.ts > ts) v = v.prev;
    return v?.doc ?? null;
  }

  /** The newest commit timestamp for a key (0 when never written). */
  headTs(key: string): number {
    return this.records.get(key)?.ts ?? 0;
  }

  /**
   * Installs a committed version. Keeps the previous one when an open transaction may still need it.
   * Index maintenance is the caller's job (it must check uniqueness first).
   */
  install(key: string, doc: Doc | null, ts: number, keepHistory: boolean): void {
    const head = this.records.get(key) ?? null;
    const before = head?.doc ?? null;
    if (before && !doc) this.liveCount--;
    if (!before && doc) this.liveCount++;
    if (this.options.capped === true)
      this.cappedBytes += (doc ? calculateObjectSize(doc) : 0) - (before ? calculateObjectSize(before) : 0);
    if (keepHistory) {
      this.records.set(key, { ts, doc, prev: head });
      this.historyKeys.add(key);
    } else if (doc) {
      this.records.set(key, { ts, doc, prev: null });
    } else {
      this.records.delete(key);
    }
  }

  /** Drops versions no open snapshot can see any more (all older than `minSnapshot`). */
  prune(minSnapshot: number | undefined): void {
    for (const key of this.historyKeys) {
      const head = this.records.get(key);
      if (!head) {
        this.historyKeys.delete(key);
        continue;
      }
      if (minSnapshot === undefined) {
        head.prev = null;
      } else {
        let v: Version | null = head;
        while (v && v.ts > minSnapshot) v = v.prev;
        if (v) v.prev = null;
      }
      if (!head.prev) {
        this.historyKeys.delete(key);
        if (!head.doc) this.records.delete(key);
      }
    }
  }

  indexReplace(key: string, before: Doc | null, after: Doc | null): void {
    for (const index of this.indexes.values()) index.replace(key, before, after);
  }

  indexAdd(key: string, doc: Doc): void {
    for (const index of this.indexes.values()) index.add(key, doc);
  }

  indexRemove(key: string, doc: Doc): void {
    for (const index of this.indexes.values()) index.remove(key, doc);
  }

  checkUnique(doc: Doc, ignore: (docKey: string) => boolean): void {
    for (const index of this.indexes.values()) index.checkUnique(doc, ignore, this.ns);
  }

  addIndex(spec: IndexSpec): Index {
    const index = new Index(spec);
    if (index.unique) {
      // Building must fail as mongod's does if existing documents already collide.
      const probe = new Index(spec);
      for (const [key, v] of this.records) {
        if (!v.doc) continue;
        probe.checkUnique(v.doc, (k) => k === key, this.ns);
        probe.add(key, v.doc);
      }
    }
    for (const [key, v] of this.records) if (v.doc) index.add(key, v.doc);
    this.indexes.set(spec.name, index);
    return index;
  }

  listIndexSpecs(): IndexSpec[] {
    return [...this.indexes.values()].map((i) => i.spec);
  }
}

export function idKey(id: unknown): string {
  return valueKey(id);
}
