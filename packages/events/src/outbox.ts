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
  const result = await runTransaction(conn, async (session) => {
    // A retry runs fn again from scratch, so each attempt collects its own events.
    const outbox = new Outbox();
    const value = await fn(session, outbox);
    await writeOutbox(conn, session, outbox.events, options);
    return value;
  });
  notifyOutboxWritten(conn);
  return result;
}

/**
 * For a transaction the caller already runs: inserts the events as outbox entries in `session`.
 * The relay finds them on its next poll; call `notifyOutboxWritten(conn)` after the commit to
 * publish them at once.
 */
export async function writeOutbox(
  conn: Connection,
  session: ClientSession,
  events: readonly DomainEvent<any>[],
  options: OutboxOptions = {},
): Promise<void> {
  if (events.length === 0) return;
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

const listeners = new WeakMap<Connection, Set<() => void>>();

/** Wakes the relays of this process that watch `conn` (other processes find entries by polling). */
export function notifyOutboxWritten(conn: Connection): void {
  for (const wake of listeners.get(conn) ?? []) wake();
}

export function onOutboxWritten(conn: Connection, wake: () => void): () => void {
  let set = listeners.get(conn);
  if (!set) {
    set = new Set();
    listeners.set(conn, set);
  }
  set.add(wake);
  return () => set.delete(wake);
}
