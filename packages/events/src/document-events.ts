import { type Connection, Schema, Types } from 'mongoose';
import { type DomainEvent } from './event';
import { notifyOutboxWritten, type RelayEntry } from './outbox';

/**
 * Events on the document: a change to one document publishes by carrying its events in that
 * document, pushed in the same write. MongoDB applies a write to one document atomically, so the
 * change and its events exist together without a transaction: one command where a transaction
 * costs three (the write, the outbox insert, `commitTransaction`). The outbox (`inTransaction`)
 * stays for changes to several documents, and for a document the change deletes.
 *
 * The document's relay (`OutboxRelay` with `documents: <collection>`) publishes them from memory
 * right after the write, as it does outbox entries, and pulls them off the document; the lease
 * holder's poll publishes those a dead process left behind. Published events are gone from the
 * document (the outbox keeps its sent entries a week for inspection; the bus's streams keep these).
 */
export const PENDING_EVENTS_FIELD = 'pendingEvents';

/** Later than any event's `createdAt`: the upper bound when no grace applies. */
const END_OF_TIME = new Date(8.64e15);

/**
 * The documents holding events written before `before` (any, when null): a bounded date range on
 * the events' `createdAt`, which every server answers from the relay's index on it.
 */
export function pendingEventsFilter(before: Date | null = null): Record<string, unknown> {
  return { [`${PENDING_EVENTS_FIELD}.createdAt`]: { $gte: new Date(0), $lt: before ?? END_OF_TIME } };
}

/** One event waiting on its document, shaped as an outbox entry (the relay treats both alike). */
export interface PendingEvent {
  _id: Types.ObjectId;
  event: DomainEvent;
  createdAt: Date;
}

/**
 * The schema path a document that carries its events declares under `pendingEvents`: absent
 * until an event is added, and never selected by the model's reads (`select: false`), so a read
 * costs nothing for it and no resolver can return it.
 */
export const pendingEventsPath = {
  type: [Schema.Types.Mixed],
  default: undefined,
  select: false,
} as const;

/** The events of one single-document write, and how that write carries them. */
export class DocumentEvents {
  readonly entries: PendingEvent[];

  constructor(events: readonly DomainEvent<any>[]) {
    const createdAt = new Date();
    // ObjectIds from one process increase, so the pushed order is the publishing order.
    this.entries = events.map((event) => ({ _id: new Types.ObjectId(), event, createdAt }));
  }

  /** The field to insert a new document with. */
  inserted(): { pendingEvents?: PendingEvent[] } {
    return this.entries.length > 0 ? { pendingEvents: this.entries } : {};
  }

  /** `update` (operators, not a pipeline) pushing the events onto the document in the same write. */
  update<U extends Record<string, any>>(update: U): U {
    if (this.entries.length === 0) return update;
    const push = (update.$push as Record<string, unknown> | undefined) ?? {};
    return { ...update, $push: { ...push, [PENDING_EVENTS_FIELD]: { $each: this.entries } } };
  }

  /**
   * After the write succeeded: hands the events to this process's relay for `collection`, which
   * publishes them at once. Not called (a crash, a lost race), the lease holder's poll finds them.
   */
  written(conn: Connection, collection: string, documentId: unknown): void {
    if (this.entries.length === 0) return;
    const entries: RelayEntry[] = this.entries.map((entry) => ({ ...entry, documentId }));
    notifyOutboxWritten(conn, entries, { collection });
  }
}
