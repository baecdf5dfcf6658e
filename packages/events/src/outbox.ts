import { type ClientSession, type Connection, Types } from 'mongoose';
import { type DomainEvent } from './event';
import { runTransaction } from './transaction';

export const OUTBOX_COLLECTION = 'outbox';
/** Sent entries are kept this long for inspection, then removed by a TTL index. */
export const DEFAULT_OUTBOX_RETENTION_SECONDS = 7 * 24 * 3600;

export interface OutboxDocument {
  _id: Types.ObjectId;
  event: DomainEvent;
  createdAt: Date;
  /** null until the relay has handed the event to the bus. */
  sentAt: Date | null;
}

export interface OutboxOptions {
  /** Collection in the owning subgraph's database; default `outbox`. */
  collection?: string;
  /**
   * Runs after a commit that wrote entries, before this process's relays are handed them: the moment
   * when a crash leaves committed events unsent (fault-injection tests stop the process here).
   */
  afterCommit?: () => void;
}

/** Collects the events of one transaction; written with the caller's state change. */
export class Outbox {
  private readonly collected: DomainEvent<any>[] = [];

  add(...events: DomainEvent<any>[]): void {
    this.collected.push(...events);
  }

  get events(): readonly DomainEvent<any>[] {
    return this.collected;
  }
}

/**
 * Runs `fn` in a MongoDB transaction (retried as a whole on transient errors and unknown commit
 * results, like `connection.transaction`), writes the events it added to the outbox in the same
 * transaction, and wakes this process's relays after the commit. It creates no indexes, so that a
 * request's command count stays what its own writes cost; `OutboxRelay.start()` does.
 */
export async function inTransaction<T>(
  conn: Connection,
  fn: (session: ClientSession, outbox: Outbox) => Promise<T>,
  options: OutboxOptions = {},
): Promise<T> {
  let written: OutboxDocument[] = [];
  const result = await runTransaction(conn, async (session) => {
    // A retry runs fn again from scratch, so each attempt collects its own events.
    const outbox = new Outbox();
    const value = await fn(session, outbox);
    written = await writeOutbox(conn, session, outbox.events, options);
    return value;
  });
  if (written.length > 0) {
    options.afterCommit?.();
    notifyOutboxWritten(conn, written, options);
  }
  return result;
}

/**
 * For a transaction the caller already runs: inserts the events as outbox entries in `session`
 * and returns them. The relay finds them on its next poll; call `notifyOutboxWritten(conn, entries)`
 * after the commit to publish them at once.
 */
export async function writeOutbox(
  conn: Connection,
  session: ClientSession,
  events: readonly DomainEvent<any>[],
  options: OutboxOptions = {},
): Promise<OutboxDocument[]> {
  if (events.length === 0) return [];
  if (!session.inTransaction()) throw new Error('writeOutbox needs a session with an active transaction');
  const createdAt = new Date();
  // ObjectIds from one process increase, so the relay's _id order is the order of add().
  const docs: OutboxDocument[] = events.map((event) => ({
    _id: new Types.ObjectId(),
    event,
    createdAt,
    sentAt: null,
  }));
  await outboxCollection(conn, options).insertMany(docs, { session, ordered: true });
  return docs;
}

export function outboxCollection(conn: Connection, options: OutboxOptions = {}) {
  return conn.collection<OutboxDocument>(options.collection ?? OUTBOX_COLLECTION);
}

const indexed = new WeakMap<Connection, Map<string, Promise<void>>>();

/**
 * The relay's query (`sentAt: null` in `_id` order) and the retention TTL. Once per connection and
 * collection, outside any transaction (index builds cannot run in one).
 */
export function ensureOutboxIndexes(
  conn: Connection,
  options: OutboxOptions & { retentionSeconds?: number } = {},
): Promise<void> {
  const name = options.collection ?? OUTBOX_COLLECTION;
  let byName = indexed.get(conn);
  if (!byName) {
    byName = new Map();
    indexed.set(conn, byName);
  }
  let done = byName.get(name);
  if (!done) {
    const collection = outboxCollection(conn, options);
    done = (async () => {
      await collection.createIndex({ sentAt: 1, _id: 1 }, { name: 'relay_pending' });
      await collection.createIndex(
        { sentAt: 1 },
        {
          name: 'sent_retention',
          expireAfterSeconds: options.retentionSeconds ?? DEFAULT_OUTBOX_RETENTION_SECONDS,
        },
      );
    })();
    byName.set(name, done);
    done.catch(() => byName.delete(name));
  }
  return done;
}

/**
 * What a relay publishes: an outbox entry, or an event a document carries (`documentId` names the
 * document, document-events.ts).
 */
export interface RelayEntry {
  _id: Types.ObjectId;
  event: DomainEvent;
  createdAt: Date;
  documentId?: unknown;
}

/** Told about entries this process committed: the relays that watch their connection and collection. */
export type OutboxListener = (entries: readonly RelayEntry[]) => void;

const listeners = new WeakMap<Connection, Map<string, Set<OutboxListener>>>();

/**
 * After a commit: hands the entries just written to this process's relays on `conn`, which
 * publish them from memory at once (entries written by other processes are theirs to publish, or
 * found by the lease holder's poll). Without `entries` (a caller that only knows it wrote
 * something) the relays run a pass over the pending entries instead.
 */
export function notifyOutboxWritten(
  conn: Connection,
  entries: readonly RelayEntry[] = [],
  options: OutboxOptions = {},
): void {
  for (const listen of listeners.get(conn)?.get(options.collection ?? OUTBOX_COLLECTION) ?? [])
    listen(entries);
}

export function onOutboxWritten(
  conn: Connection,
  listen: OutboxListener,
  options: OutboxOptions = {},
): () => void {
  let byCollection = listeners.get(conn);
  if (!byCollection) {
    byCollection = new Map();
    listeners.set(conn, byCollection);
  }
  const name = options.collection ?? OUTBOX_COLLECTION;
  let set = byCollection.get(name);
  if (!set) {
    set = new Set();
    byCollection.set(name, set);
  }
  set.add(listen);
  return () => set.delete(listen);
}
