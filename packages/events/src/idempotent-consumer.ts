import { type ClientSession, type Connection } from 'mongoose';
import { type DomainEvent } from './event';
import { runTransaction } from './transaction';
import { isDuplicateKeyError } from './mongo-errors';
import {
  Outbox,
  type OutboxDocument,
  type OutboxOptions,
  ensureOutboxIndexes,
  notifyOutboxWritten,
  writeOutbox,
} from './outbox';

export const PROCESSED_EVENTS_COLLECTION = 'processed_events';

/**
 * How long a processed record is kept by default: longer than a duplicate can arrive. A handler
 * idempotent by a marker in its own state keeps the marker as long (the cart's `ordersTaken`).
 */
export const PROCESSED_RETENTION_SECONDS = 30 * 24 * 3600;

export interface ProcessedEventDocument {
  /** `<consumer>:<event id>`; the _id index is the unique index that makes processing happen once. */
  _id: string;
  consumer: string;
  eventId: string;
  type: string;
  processedAt: Date;
}

export interface IdempotentConsumerOptions extends OutboxOptions {
  /** Default `processed_events`. */
  processedCollection?: string;
  /**
   * Records are removed after this long (TTL). It must exceed the longest time a duplicate can
   * arrive (stream retention and relay retries). Default PROCESSED_RETENTION_SECONDS (30 days).
   */
  retentionSeconds?: number;
}

export type IdempotentOutcome = 'processed' | 'duplicate';

/**
 * Makes an at-least-once handler effectively-once: in one transaction, records the event id under
 * a unique key and runs `fn` with the session, so its writes exist if and only if the record does.
 * A record already there means an earlier delivery committed: the event is skipped and reported
 * handled. Events `fn` adds to the outbox are written in the same transaction.
 */
export function idempotentConsumer<P = Record<string, unknown>>(
  conn: Connection,
  consumerName: string,
  fn: (event: DomainEvent<P>, session: ClientSession, outbox: Outbox) => Promise<void>,
  options: IdempotentConsumerOptions = {},
): (event: DomainEvent<P>) => Promise<IdempotentOutcome> {
  const processed = conn.collection<ProcessedEventDocument>(
    options.processedCollection ?? PROCESSED_EVENTS_COLLECTION,
  );
  let ready: Promise<void> | null = null;
  const prepare = () => {
    ready ??= Promise.all([
      processed.createIndex(
        { processedAt: 1 },
        {
          name: 'processed_retention',
          expireAfterSeconds: options.retentionSeconds ?? PROCESSED_RETENTION_SECONDS,
        },
      ),
      ensureOutboxIndexes(conn, options),
    ]).then(
      () => undefined,
      (err: unknown) => {
        ready = null;
        throw err;
      },
    );
    return ready;
  };

  return async (event) => {
    await prepare();
    let seenBefore = false;
    let written: OutboxDocument[] = [];
    try {
      await runTransaction(conn, async (session) => {
        seenBefore = false;
        try {
          await processed.insertOne(
            {
              _id: `${consumerName}:${event.id}`,
              consumer: consumerName,
              eventId: event.id,
              type: event.type,
              processedAt: new Date(),
            },
            { session },
          );
        } catch (err) {
          if (isDuplicateKeyError(err)) seenBefore = true;
          throw err;
        }
        const outbox = new Outbox();
        await fn(event, session, outbox);
        written = await writeOutbox(conn, session, outbox.events, options);
      });
    } catch (err) {
      if (seenBefore) return 'duplicate';
      throw err;
    }
    if (written.length > 0) notifyOutboxWritten(conn, written, options);
    return 'processed';
  };
}
