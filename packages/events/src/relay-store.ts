import { type Connection } from 'mongoose';
import { type PendingEvent, PENDING_EVENTS_FIELD, pendingEventsFilter } from './document-events';
import {
  DEFAULT_OUTBOX_RETENTION_SECONDS,
  OUTBOX_COLLECTION,
  ensureOutboxIndexes,
  outboxCollection,
  type RelayEntry,
} from './outbox';

/**
 * Where an outbox relay finds the events nobody has published and records those it published:
 * the outbox collection, or a collection whose documents carry their own events. The relay's
 * publishing, lease and marking are the same for both.
 */
export interface RelayStore {
  /** The collection: what writers notify (`notifyOutboxWritten`), the lease's and the metrics' name. */
  readonly collection: string;
  /** Its indexes, outside any transaction, before the relay starts. */
  prepare(): Promise<void>;
  /** Up to about `limit` unpublished entries written before `before` (any time when null), in publishing order. */
  unpublished(before: Date | null, limit: number): Promise<RelayEntry[]>;
  /** One command: the entries are published. */
  markPublished(entries: readonly RelayEntry[]): Promise<void>;
  /** For the pending gauge. */
  countUnpublished(): Promise<number>;
}

/** The outbox: entries are documents of their own, marked `sentAt` and kept for the retention. */
export function outboxStore(
  conn: Connection,
  options: { collection?: string; retentionSeconds?: number } = {},
): RelayStore {
  const collection = options.collection ?? OUTBOX_COLLECTION;
  const outbox = outboxCollection(conn, { collection });
  return {
    collection,
    prepare: () =>
      ensureOutboxIndexes(conn, {
        collection,
        retentionSeconds: options.retentionSeconds ?? DEFAULT_OUTBOX_RETENTION_SECONDS,
      }),
    unpublished: (before, limit) =>
      outbox
        .find(before ? { sentAt: null, createdAt: { $lt: before } } : { sentAt: null })
        .sort({ _id: 1 })
        .limit(limit)
        .toArray(),
    async markPublished(entries) {
      await outbox.updateMany({ _id: { $in: entries.map((e) => e._id) } }, { $set: { sentAt: new Date() } });
    },
    countUnpublished: () => outbox.countDocuments({ sentAt: null }),
  };
}

interface CarrierDocument {
  _id: unknown;
  pendingEvents?: PendingEvent[];
}

/**
 * A collection whose documents carry their unpublished events (document-events.ts). Found by an
 * index on the events' `createdAt` (`pendingEventsFilter`), published per document in the order
 * they were pushed, and pulled off when published.
 */
export function documentEventsStore(conn: Connection, collection: string): RelayStore {
  const documents = conn.collection<CarrierDocument>(collection);
  return {
    collection,
    prepare: async () => {
      await documents.createIndex(
        { [`${PENDING_EVENTS_FIELD}.createdAt`]: 1 },
        { name: 'relay_pending_events' },
      );
    },
    async unpublished(before, limit) {
      const found = await documents
        .find(pendingEventsFilter(before), { projection: { [PENDING_EVENTS_FIELD]: 1 } })
        .limit(limit)
        .toArray();
      const entries: RelayEntry[] = [];
      for (const doc of found)
        for (const entry of doc.pendingEvents ?? [])
          if (!before || entry.createdAt < before) entries.push({ ...entry, documentId: doc._id });
      return entries;
    },
    async markPublished(entries) {
      const documentIds = [...new Map(entries.map((e) => [String(e.documentId), e.documentId])).values()];
      await documents.updateMany({ _id: { $in: documentIds as never[] } }, {
        $pull: { [PENDING_EVENTS_FIELD]: { _id: { $in: entries.map((e) => e._id) } } },
      } as never);
    },
    countUnpublished: () => documents.countDocuments(pendingEventsFilter()),
  };
}
