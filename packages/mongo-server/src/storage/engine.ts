// The storage engine: the catalog of databases and collections, the commit clock, and the only code that
// changes documents. Every change goes through here so that indexes, transactions and the journal agree.
import { AsyncLocalStorage } from 'node:async_hooks';
import { type UUID } from 'bson';
import type { Doc } from '../bson/values';
import { ErrorCodes, MongoCommandError, fail } from '../errors';
import { Collection, idKey } from './collection';
import { defaultIndexName, tupleKey, type Index, type IndexSpec } from './index-manager';
import { Transaction } from './transaction';

export type JournalOp =
  | { op: 'put'; ns: string; doc: Doc }
  | { op: 'del'; ns: string; id: unknown }
  | { op: 'create'; ns: string; options: Doc; uuid: UUID }
  | { op: 'drop'; ns: string }
  | { op: 'dropDatabase'; db: string }
  | { op: 'createIndex'; ns: string; spec: IndexSpec }
  | { op: 'dropIndex'; ns: string; name: string }
  | { op: 'rename'; from: string; to: string; dropTarget: boolean }
  | { op: 'options'; ns: string; options: Doc };

/** Receives committed changes, one array per atomic unit (a single write, or a whole transaction). */
export interface JournalSink {
  append(record: JournalOp[]): void;
  flush(): Promise<void>;
}

export function transientError(code: number, message: string): MongoCommandError {
  return new MongoCommandError(code, message, { labels: ['TransientTransactionError'] });
}

export class StorageEngine {
  private clock = 0;
  readonly databases = new Map<string, Map<string, Collection>>();
  readonly activeTxns = new Set<Transaction>();
  sink: JournalSink | undefined;
  /** Journal ops of the command running in the current async context (see `atomically`). */
  private readonly commandOps = new AsyncLocalStorage<JournalOp[]>();
  /**
   * Collections created inside a transaction that is still open, with their catalog ops (create, indexes).
   * Those ops reach the journal with the transaction's commit, so an abort or a crash leaves nothing behind.
   */
  private readonly pendingCatalog = new Map<Collection, { txn: Transaction; ops: JournalOp[] }>();

  /**
   * Runs a command so that all its changes reach the journal as one record: after a crash a write
   * command is either wholly there or not at all, even a many-document insert that mongod could split.
   */
  async atomically<T>(fn: () => Promise<T> | T): Promise<T> {
    const ops: JournalOp[] = [];
    try {
      return await this.commandOps.run(ops, fn);
    } finally {
      if (ops.length > 0) this.sink?.append(ops);
    }
  }

  private journal(record: JournalOp[]): void {
    if (!this.sink) return;
    const ops = this.commandOps.getStore();
    if (ops) ops.push(...record);
    else this.sink.append(record);
  }

  now(): number {
    return this.clock;
  }

  // ---- catalog -------------------------------------------------------------------------------------

  getCollection(db: string, name: string): Collection | undefined {
    return this.databases.get(db)?.get(name);
  }

  listCollections(db: string): Collection[] {
    return [...(this.databases.get(db)?.values() ?? [])];
  }

  createCollection(db: string, name: string, options: Doc = {}, uuid?: UUID, txn?: Transaction): Collection {
    validateCollectionName(db, name);
    if (this.getCollection(db, name))
      fail(ErrorCodes.NamespaceExists, `Collection ${db}.${name} already exists.`);
    let colls = this.databases.get(db);
    if (!colls) {
      colls = new Map();
      this.databases.set(db, colls);
    }
    const coll = new Collection(db, name, options, uuid);
    colls.set(name, coll);
    const op: JournalOp = { op: 'create', ns: coll.ns, options, uuid: coll.uuid };
    if (txn) {
      txn.createdCollections.add(coll);
      this.pendingCatalog.set(coll, { txn, ops: [op] });
    } else this.journal([op]);
    return coll;
  }

  /** True while `coll` exists only for the open transaction that created it. */
  createdByOpenTransaction(coll: Collection): boolean {
    return this.pendingCatalog.has(coll);
  }

  /** Catalog changes to a collection an open transaction created wait for that transaction's commit. */
  private journalCatalog(coll: Collection, op: JournalOp): void {
    const pending = this.pendingCatalog.get(coll);
    if (pending) pending.ops.push(op);
    else this.journal([op]);
  }

  /**
   * Something outside the creating transaction uses the collection: from now on it exists for everyone,
   * so its creation is journaled now and an abort no longer takes it away if it holds data.
   */
  private publish(coll: Collection): void {
    const pending = this.pendingCatalog.get(coll);
    if (!pending) return;
    this.pendingCatalog.delete(coll);
    this.journal(pending.ops);
  }

  /**
   * Collections spring into existence on first write, as in mongod. One created by a transaction's
   * write goes away again if that transaction aborts (and nothing else has used it meanwhile).
   */
  ensureCollection(db: string, name: string, txn?: Transaction): Collection {
    const existing = this.getCollection(db, name);
    if (existing) return existing;
    return this.createCollection(db, name, {}, undefined, txn);
  }

  dropCollection(db: string, name: string): boolean {
    const colls = this.databases.get(db);
    const coll = colls?.get(name);
    if (!colls || !coll) return false;
    this.publish(coll);
    this.abortTransactionsTouching(coll);
    colls.delete(name);
    if (colls.size === 0) this.databases.delete(db);
    this.journal([{ op: 'drop', ns: coll.ns }]);
    return true;
  }

  dropDatabase(db: string): void {
    const colls = this.databases.get(db);
    if (!colls) return;
    for (const coll of colls.values()) {
      this.publish(coll);
      this.abortTransactionsTouching(coll);
    }
    this.databases.delete(db);
    this.journal([{ op: 'dropDatabase', db }]);
  }

  renameCollection(
    fromDb: string,
    fromName: string,
    toDb: string,
    toName: string,
    dropTarget: boolean,
  ): void {
    const source = this.getCollection(fromDb, fromName);
    if (!source) fail(ErrorCodes.NamespaceNotFound, 'source namespace does not exist');
    validateCollectionName(toDb, toName);
    if (this.getCollection(toDb, toName)) {
      if (!dropTarget) fail(ErrorCodes.NamespaceExists, 'target namespace exists');
      const target = this.getCollection(toDb, toName) as Collection;
      this.publish(target);
      this.abortTransactionsTouching(target);
      this.databases.get(toDb)?.delete(toName);
    }
    this.publish(source);
    this.abortTransactionsTouching(source);
    const fromNs = source.ns;
    const fromColls = this.databases.get(fromDb) as Map<string, Collection>;
    fromColls.delete(fromName);
    if (fromColls.size === 0) this.databases.delete(fromDb);
    source.db = toDb;
    source.name = toName;
    let toColls = this.databases.get(toDb);
    if (!toColls) {
      toColls = new Map();
      this.databases.set(toDb, toColls);
    }
    toColls.set(toName, source);
    this.journal([{ op: 'rename', from: fromNs, to: source.ns, dropTarget }]);
  }

  createIndex(coll: Collection, spec: IndexSpec): void {
    const full: IndexSpec = { v: 2, ...spec, name: spec.name ?? defaultIndexName(spec.key) };
    coll.addIndex(full);
    this.journalCatalog(coll, { op: 'createIndex', ns: coll.ns, spec: full });
  }

  setCollectionOptions(coll: Collection, options: Doc): void {
    coll.options = options;
    this.journalCatalog(coll, { op: 'options', ns: coll.ns, options });
  }

  dropIndex(coll: Collection, name: string): void {
    coll.indexes.delete(name);
    this.journalCatalog(coll, { op: 'dropIndex', ns: coll.ns, name });
  }

  private abortTransactionsTouching(coll: Collection): void {
    for (const txn of [...this.activeTxns]) {
      if (txn.writes.has(coll)) this.abort(txn, 'collection dropped or renamed during transaction');
    }
  }

  // ---- reads ---------------------------------------------------------------------------------------

  /** The document under `key` as `txn` (or, without one, the latest committed state) sees it. */
  read(coll: Collection, key: string, txn?: Transaction): Doc | null {
    if (!txn) return coll.latest(key);
    const own = txn.writes.get(coll);
    if (own?.has(key)) return own.get(key) ?? null;
    return coll.at(key, txn.snapshotTs);
  }

  /** Every key that may hold a document visible to `txn` (a superset; callers read each via `read`). */
  allKeys(coll: Collection, txn?: Transaction): Iterable<string> {
    const own = txn?.writes.get(coll);
    if (!own || own.size === 0) return coll.records.keys();
    return (function* () {
      yield* coll.records.keys();
      for (const key of own.keys()) if (!coll.records.has(key)) yield key;
    })();
  }

  /**
   * Keys a transaction may see differently from the latest committed state; index lookups (which see the
   * latest state) must add these to stay correct under snapshot reads.
   */
  snapshotExtraKeys(coll: Collection, txn?: Transaction): string[] {
    if (!txn) return [];
    return [...coll.historyKeys, ...(txn.writes.get(coll)?.keys() ?? [])];
  }

  /** The transaction (other than `self`) holding an uncommitted write on the document, if any. */
  lockHolder(coll: Collection, key: string, self?: Transaction): Transaction | undefined {
    const holder = coll.locks.get(key);
    return holder && holder !== self ? holder : undefined;
  }

  /**
   * An open transaction (other than `self`) whose uncommitted writes to `coll` hold one of the unique
   * index keys `doc` would take. mongod makes such a write wait (or, inside a transaction, conflict)
   * rather than let both sides believe the key is free.
   */
  uniqueKeyHolder(coll: Collection, doc: Doc, self?: Transaction): Transaction | undefined {
    if (this.activeTxns.size === 0) return undefined;
    let mine: Map<Index, Set<string>> | undefined;
    for (const txn of this.activeTxns) {
      if (txn === self) continue;
      const writes = txn.writes.get(coll);
      if (!writes || writes.size === 0) continue;
      mine ??= new Map(
        [...coll.indexes.values()]
          .filter((i) => i.unique && i.name !== '_id_')
          .map((i) => [i, new Set(i.keysFor(doc).map(tupleKey))]),
      );
      if (mine.size === 0) return undefined;
      for (const other of writes.values()) {
        if (!other) continue;
        for (const [index, keys] of mine)
          for (const t of index.keysFor(other)) if (keys.has(tupleKey(t))) return txn;
      }
    }
    return undefined;
  }

  // ---- writes --------------------------------------------------------------------------------------

  /**
   * Sets (doc) or deletes (null) the document under `key`. Outside a transaction it commits at once;
   * inside one it is buffered after write-conflict and uniqueness checks. Callers outside a transaction
   * must first wait for `lockHolder` to clear, as mongod makes such writes wait for the transaction.
   */
  write(coll: Collection, key: string, doc: Doc | null, txn?: Transaction): void {
    if (txn) return this.writeInTransaction(coll, key, doc, txn);
    const before = coll.latest(key);
    if (doc) coll.checkUnique(doc, (k) => k === key);
    this.publish(coll);
    const ts = ++this.clock;
    coll.indexReplace(key, before, doc);
    coll.install(key, doc, ts, this.activeTxns.size > 0);
    if (doc && coll.options.capped === true) this.trimCapped(coll);
    this.journal([doc ? { op: 'put', ns: coll.ns, doc } : { op: 'del', ns: coll.ns, id: before?._id }]);
  }

  /** Capped collections keep their newest documents within `max` documents and `size` bytes. */
  private trimCapped(coll: Collection): void {
    const max = Number(coll.options.max) > 0 ? Number(coll.options.max) : Infinity;
    // mongod rounds the size up to a multiple of 256, and to at least 4096 bytes.
    const size =
      Number(coll.options.size) > 0
        ? Math.max(4096, Math.ceil(Number(coll.options.size) / 256) * 256)
        : Infinity;
    for (const [key, v] of coll.records) {
      if (coll.liveCount <= max && coll.cappedBytes <= size) return;
      if (v.doc && !coll.locks.has(key)) this.write(coll, key, null);
    }
  }

  private writeInTransaction(coll: Collection, key: string, doc: Doc | null, txn: Transaction): void {
    this.assertActive(txn);
    if (coll.options.capped === true) {
      fail(
        ErrorCodes.OperationNotSupportedInTransaction,
        `Collection '${coll.ns}' is a capped collection. Writes in transactions are not allowed on capped collections.`,
      );
    }
    const holder =
      this.lockHolder(coll, key, txn) ?? (doc ? this.uniqueKeyHolder(coll, doc, txn) : undefined);
    if (holder || coll.headTs(key) > txn.snapshotTs) {
      this.abort(txn, 'write conflict');
      throw transientError(
        ErrorCodes.WriteConflict,
        'Write conflict during plan execution and yielding is disabled. :: Please retry your operation or multi-document transaction.',
      );
    }
    const own = txn.writesFor(coll);
    if (doc) {
      coll.checkUnique(doc, (k) => k === key || own.has(k));
      for (const index of coll.indexes.values()) {
        if (!index.unique) continue;
        const mine = new Set(index.keysFor(doc).map(tupleKey));
        for (const [otherKey, other] of own) {
          if (otherKey === key || !other) continue;
          for (const t of index.keysFor(other))
            if (mine.has(tupleKey(t))) throw index.duplicateError(t, coll.ns);
        }
      }
    }
    own.set(key, doc);
    coll.locks.set(key, txn);
  }

  beginTransaction(): Transaction {
    const txn = new Transaction(this.clock);
    this.activeTxns.add(txn);
    return txn;
  }

  assertActive(txn: Transaction): void {
    if (txn.state !== 'active') {
      throw transientError(
        ErrorCodes.NoSuchTransaction,
        `Transaction has been aborted${txn.abortReason ? `: ${txn.abortReason}` : ''}.`,
      );
    }
  }

  commit(txn: Transaction): void {
    this.assertActive(txn);
    // Non-transactional inserts are not blocked by our locks, so re-check uniqueness before installing.
    for (const [coll, writes] of txn.writes) {
      for (const [key, doc] of writes) {
        if (!doc) continue;
        try {
          coll.checkUnique(doc, (k) => k === key || writes.has(k));
        } catch (err) {
          this.abort(txn, 'duplicate key at commit');
          throw err;
        }
      }
    }
    const ts = ++this.clock;
    this.activeTxns.delete(txn);
    const keepHistory = this.activeTxns.size > 0;
    // Another open transaction's new collection that this one wrote into exists for everyone from now on.
    for (const coll of txn.writes.keys()) if (this.pendingCatalog.get(coll)?.txn !== txn) this.publish(coll);
    // The transaction's own collections are created in the same journal record as its writes.
    const record: JournalOp[] = [];
    for (const coll of txn.createdCollections) {
      const pending = this.pendingCatalog.get(coll);
      if (pending?.txn !== txn) continue;
      this.pendingCatalog.delete(coll);
      record.push(...pending.ops);
    }
    for (const [coll, writes] of txn.writes) {
      for (const [key] of writes) {
        const before = coll.latest(key);
        if (before) coll.indexRemove(key, before);
      }
      for (const [key, doc] of writes) {
        const before = coll.latest(key);
        if (doc) coll.indexAdd(key, doc);
        coll.install(key, doc, ts, keepHistory);
        coll.locks.delete(key);
        if (doc) record.push({ op: 'put', ns: coll.ns, doc });
        else if (before) record.push({ op: 'del', ns: coll.ns, id: before._id });
      }
    }
    if (record.length > 0) this.journal(record);
    txn.finish('committed');
    this.pruneHistory();
  }

  abort(txn: Transaction, reason?: string): void {
    if (txn.state !== 'active') return;
    for (const [coll, writes] of txn.writes)
      for (const key of writes.keys()) if (coll.locks.get(key) === txn) coll.locks.delete(key);
    txn.abortReason = reason;
    this.activeTxns.delete(txn);
    txn.finish('aborted');
    // Collections the transaction created (explicitly or by writing) go away with it, unless others have
    // since stored data in them.
    for (const coll of txn.createdCollections) {
      const pending = this.pendingCatalog.get(coll);
      if (pending?.txn === txn) this.pendingCatalog.delete(coll);
      const untouched =
        coll.liveCount === 0 && coll.locks.size === 0 && this.getCollection(coll.db, coll.name) === coll;
      if (!untouched) {
        if (pending?.txn === txn) this.journal(pending.ops);
      } else if (pending?.txn === txn) {
        // Never journaled: removing it from the catalog is the whole rollback.
        const colls = this.databases.get(coll.db) as Map<string, Collection>;
        colls.delete(coll.name);
        if (colls.size === 0) this.databases.delete(coll.db);
      } else this.dropCollection(coll.db, coll.name);
    }
    this.pruneHistory();
  }

  private pruneHistory(): void {
    let min: number | undefined;
    for (const t of this.activeTxns) min = min === undefined ? t.snapshotTs : Math.min(min, t.snapshotTs);
    for (const colls of this.databases.values())
      for (const coll of colls.values()) if (coll.historyKeys.size > 0) coll.prune(min);
  }

  // ---- recovery ------------------------------------------------------------------------------------

  /**
   * Installs a journaled version without uniqueness checks: the journal holds only states that were
   * valid when committed, and a transaction's ops replayed one by one may pass through states that are
   * not (two documents swapping a unique key).
   */
  private installRecovered(coll: Collection, key: string, doc: Doc | null): void {
    coll.indexReplace(key, coll.latest(key), doc);
    coll.install(key, doc, ++this.clock, false);
    if (doc && coll.options.capped === true) this.trimCapped(coll);
  }

  /** Applies a journal record during startup (no journaling, no transactions). */
  replay(op: JournalOp): void {
    const sink = this.sink;
    this.sink = undefined;
    try {
      switch (op.op) {
        case 'put': {
          const [db, name] = splitNs(op.ns);
          this.installRecovered(this.ensureCollection(db, name), idKey(op.doc._id), op.doc);
          break;
        }
        case 'del': {
          const [db, name] = splitNs(op.ns);
          const coll = this.getCollection(db, name);
          if (coll) this.installRecovered(coll, idKey(op.id), null);
          break;
        }
        case 'create': {
          const [db, name] = splitNs(op.ns);
          if (!this.getCollection(db, name)) this.createCollection(db, name, op.options, op.uuid);
          break;
        }
        case 'drop': {
          const [db, name] = splitNs(op.ns);
          this.dropCollection(db, name);
          break;
        }
        case 'dropDatabase':
          this.dropDatabase(op.db);
          break;
        case 'createIndex': {
          const [db, name] = splitNs(op.ns);
          const coll = this.ensureCollection(db, name);
          if (!coll.indexes.has(op.spec.name)) coll.addIndex(op.spec);
          break;
        }
        case 'dropIndex': {
          const [db, name] = splitNs(op.ns);
          this.getCollection(db, name)?.indexes.delete(op.name);
          break;
        }
        case 'options': {
          const [db, name] = splitNs(op.ns);
          const coll = this.getCollection(db, name);
          if (coll) coll.options = op.options;
          break;
        }
        case 'rename': {
          const [fromDb, fromName] = splitNs(op.from);
          const [toDb, toName] = splitNs(op.to);
          if (this.getCollection(fromDb, fromName))
            this.renameCollection(fromDb, fromName, toDb, toName, true);
          break;
        }
      }
    } finally {
      this.sink = sink;
    }
  }
}

export function splitNs(ns: string): [string, string] {
  const dot = ns.indexOf('.');
  return [ns.slice(0, dot), ns.slice(dot + 1)];
}

function validateCollectionName(db: string, name: string): void {
  if (!db || /[/\\. "$]/.test(db)) fail(ErrorCodes.InvalidNamespace, `Invalid database name: '${db}'`);
  if (!name || name.includes('$') || name.includes('\0') || name.startsWith('.') || name.endsWith('.')) {
    fail(ErrorCodes.InvalidNamespace, `Invalid collection name: ${name}`);
  }
}
