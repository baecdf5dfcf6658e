import { randomUUID } from 'node:crypto';
import { type Connection } from 'mongoose';
import { type Registry } from 'prom-client';
import { type EventBus } from './bus';
import { type Logger, silentLogger } from './logger';
import { type EventMetrics, eventMetrics } from './metrics';
import { isDuplicateKeyError } from './mongo-errors';
import {
  DEFAULT_OUTBOX_RETENTION_SECONDS,
  OUTBOX_COLLECTION,
  ensureOutboxIndexes,
  onOutboxWritten,
  outboxCollection,
} from './outbox';

export interface OutboxRelayOptions {
  logger?: Logger;
  metrics?: Registry;
  /** Poll for entries written by other processes (own writes wake the relay at once). Default 1000. */
  pollIntervalMs?: number;
  /** How long a relay's claim on the outbox lasts without renewal. Default 10000. */
  leaseMs?: number;
  /** Entries per publish. Default 100. */
  batchSize?: number;
  collection?: string;
  /** Sent entries are removed after this long (TTL index). Default 7 days. */
  retentionSeconds?: number;
}

interface LeaseDocument {
  _id: string;
  owner: string;
  until: Date;
}

/**
 * Publishes pending outbox entries in order and marks them sent. Of several relays on one
 * database (one per process of the subgraph), the one holding the lease publishes; the others
 * take over when its lease runs out. A relay that dies between publishing and marking sent makes
 * its successor publish the batch again: at-least-once, absorbed by idempotent consumers.
 */
export class OutboxRelay {
  readonly id = randomUUID();
  private readonly logger: Logger;
  private readonly metrics: EventMetrics;
  private readonly pollIntervalMs: number;
  private readonly leaseMs: number;
  private readonly batchSize: number;
  private readonly collectionName: string;
  private readonly retentionSeconds: number;
  private loop: Promise<void> | null = null;
  private running = false;
  private poked = false;
  private wake: (() => void) | null = null;
  private unlisten: (() => void) | null = null;
  private flushing: Promise<number> | null = null;
  private leaseCreated: Promise<void> | null = null;

  constructor(
    private readonly conn: Connection,
    private readonly bus: Pick<EventBus, 'publish'>,
    options: OutboxRelayOptions = {},
  ) {
    this.logger = (options.logger ?? silentLogger).child({ component: 'outbox-relay' });
    this.metrics = eventMetrics(options.metrics);
    this.pollIntervalMs = options.pollIntervalMs ?? 1_000;
    this.leaseMs = options.leaseMs ?? 10_000;
    this.batchSize = options.batchSize ?? 100;
    this.collectionName = options.collection ?? OUTBOX_COLLECTION;
    this.retentionSeconds = options.retentionSeconds ?? DEFAULT_OUTBOX_RETENTION_SECONDS;
  }

  async start(): Promise<void> {
    if (this.running) return;
    await ensureOutboxIndexes(this.conn, {
      collection: this.collectionName,
      retentionSeconds: this.retentionSeconds,
    });
    this.running = true;
    this.unlisten = onOutboxWritten(this.conn, () => this.poke());
    this.loop = this.run();
  }

  /** Publishes what is still pending (as leader), then releases the lease so that another relay takes over at once. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.unlisten?.();
    this.wake?.();
    await this.loop;
    try {
      await this.flushOnce();
      await this.leases().updateOne(
        { _id: this.collectionName, owner: this.id },
        { $set: { until: new Date(0) } },
      );
    } catch (err) {
      this.logger.warn({ err }, 'outbox relay could not drain on stop');
    }
  }

  poke(): void {
    this.poked = true;
    this.wake?.();
  }

  /**
   * One pass: if this relay holds (or can take) the lease, publishes every pending entry in order
   * and marks it sent. Returns how many entries it published. Concurrent calls share one pass.
   */
  flushOnce(): Promise<number> {
    this.flushing ??= this.flush().finally(() => (this.flushing = null));
    return this.flushing;
  }

  private async run(): Promise<void> {
    while (this.running) {
      this.poked = false;
      try {
        await this.flushOnce();
      } catch (err) {
        this.logger.error({ err }, 'outbox relay pass failed; retrying');
      }
      if (!this.running || this.poked) continue;
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.wake = null;
          resolve();
        };
        const timer = setTimeout(done, this.pollIntervalMs);
        this.wake = done;
      });
    }
  }

  private async flush(): Promise<number> {
    let published = 0;
    const outbox = outboxCollection(this.conn, { collection: this.collectionName });
    const labels = { collection: this.collectionName };
    while (await this.acquireLease()) {
      const batch = await outbox.find({ sentAt: null }).sort({ _id: 1 }).limit(this.batchSize).toArray();
      if (batch.length === 0) {
        this.metrics.outboxPending.set(labels, 0);
        break;
      }
      try {
        await this.bus.publish(batch.map((doc) => doc.event));
      } catch (err) {
        this.metrics.outboxPending.set(labels, await outbox.countDocuments({ sentAt: null }));
        throw err;
      }
      await outbox.updateMany(
        { _id: { $in: batch.map((doc) => doc._id) } },
        { $set: { sentAt: new Date() } },
      );
      published += batch.length;
      this.metrics.outboxRelayed.inc(labels, batch.length);
      if (batch.length < this.batchSize) {
        this.metrics.outboxPending.set(labels, 0);
        break;
      }
    }
    return published;
  }

  /** Takes or renews the lease; false while another live relay holds it. */
  private async acquireLease(): Promise<boolean> {
    const leases = this.leases();
    // The lease document is created once, expired, so that taking it is a plain conditional update.
    this.leaseCreated ??= leases
      .updateOne(
        { _id: this.collectionName },
        { $setOnInsert: { owner: '', until: new Date(0) } },
        { upsert: true },
      )
      .then(
        () => undefined,
        (err: unknown) => {
          this.leaseCreated = null;
          if (!isDuplicateKeyError(err)) throw err; // two relays created it at once
        },
      );
    await this.leaseCreated;
    const now = new Date();
    const lease = await leases.findOneAndUpdate(
      { _id: this.collectionName, $or: [{ owner: this.id }, { until: { $lt: now } }] },
      { $set: { owner: this.id, until: new Date(now.getTime() + this.leaseMs) } },
      { returnDocument: 'after' },
    );
    return lease?.owner === this.id;
  }

  private leases() {
    return this.conn.collection<LeaseDocument>(`${this.collectionName}_relay_lease`);
  }
}
