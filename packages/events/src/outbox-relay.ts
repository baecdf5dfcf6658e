import { randomUUID } from 'node:crypto';
import { type Connection } from 'mongoose';
import { type Registry } from 'prom-client';
import { type EventBus } from './bus';
import { type Logger, silentLogger } from './logger';
import { type EventMetrics, eventMetrics } from './metrics';
import { isDuplicateKeyError } from './mongo-errors';
import { onOutboxWritten, type RelayEntry } from './outbox';
import { documentEventsStore, outboxStore, type RelayStore } from './relay-store';
import { WakeableSleep } from './wakeable-sleep';

export interface OutboxRelayOptions {
  logger?: Logger;
  metrics?: Registry;
  /**
   * How often the lease holder looks for entries nobody published: written by a process that died
   * before publishing them, or by a process without a relay. Entries this process commits are
   * published at once, without it. Default 1000.
   */
  pollIntervalMs?: number;
  /**
   * An entry is left to its writer's relay this long before the lease holder's poll publishes it
   * (once more, if the writer was only slow). Default 2000.
   */
  sweepGraceMs?: number;
  /** How long a relay's claim on the outbox lasts without renewal. Default 10000. */
  leaseMs?: number;
  /** Entries per publish. Default 100. */
  batchSize?: number;
  /**
   * How long published entries gather before one `updateMany` marks them sent. Marking is off the
   * consumers' path, so a short wait turns one command per commit into one per this interval
   * under steady traffic: a relay marks at most twice a second by default, whatever the traffic.
   * The price is the window itself: a process dying in it leaves its published entries unmarked,
   * and the lease holder's poll publishes them again (idempotent consumers absorb the repeat).
   * Must stay well below `sweepGraceMs` (an entry still unmarked after the grace is published
   * again). Default 500, capped at a quarter of `sweepGraceMs`.
   */
  markDelayMs?: number;
  /** The outbox collection; default `outbox`. */
  collection?: string;
  /** Sent entries are removed after this long (TTL index). Default 7 days. */
  retentionSeconds?: number;
  /**
   * Relay the events that the documents of this collection carry (document-events.ts) instead of
   * an outbox: one relay per such collection, besides the subgraph's outbox relay.
   */
  documents?: string;
}

interface LeaseDocument {
  _id: string;
  owner: string;
  until: Date;
}

/**
 * Publishes outbox entries and marks them sent; or, with `documents`, the events a collection's
 * documents carry, pulling them off once published (`RelayStore` is the difference).
 *
 * The hot path costs no read: `inTransaction` (and `idempotentConsumer`) hand the entries they
 * committed to this process's relay, which publishes them from memory in commit order right away
 * and marks them sent with one `updateMany` per batch, off the path to the consumers. No lease is
 * needed for that: each process publishes what it wrote itself.
 *
 * The lease holder among the relays of one database (one per process) also polls for entries
 * nobody published within `sweepGraceMs` (their writer died between commit and publish) and
 * publishes them in `_id` order. A relay dying between publishing and marking sent makes the
 * poll publish the entries again: at-least-once, absorbed by idempotent consumers.
 */
export class OutboxRelay {
  readonly id = randomUUID();
  private readonly logger: Logger;
  private readonly metrics: EventMetrics;
  private readonly pollIntervalMs: number;
  private readonly sweepGraceMs: number;
  private readonly leaseMs: number;
  private readonly batchSize: number;
  private readonly markDelayMs: number;
  /** Ends the current marking wait at once (stop and `flushOnce` do not wait out the delay). */
  private hurryMarking: (() => void) | null = null;
  private readonly store: RelayStore;
  private readonly collectionName: string;
  private loop: Promise<void> | null = null;
  /**
   * When this relay began to be told what its process writes: the first pass takes what was
   * written before (nobody will tell it about those), not what it is told about since, which it
   * publishes from memory (taking those too would publish them twice).
   */
  private listeningSince = new Date(0);
  private running = false;
  private poked = false;
  private readonly pause = new WakeableSleep();
  private unlisten: (() => void) | null = null;
  /** Committed by this process, not published yet, in commit order. */
  private readonly fresh: RelayEntry[] = [];
  /** Published, to be marked sent. */
  private readonly unmarked: RelayEntry[] = [];
  private marking: Promise<void> | null = null;
  /** One pass at a time: the loop and `flushOnce` take turns. */
  private turn: Promise<unknown> = Promise.resolve();
  /** Passes queued or running (`pending()` counts them: a pass may be publishing what it took from `fresh`). */
  private passes = 0;
  private leaseCreated: Promise<void> | null = null;
  /** Until when this relay's lease certainly holds (renewed when half of it is left). */
  private leaseHeldUntil = 0;

  constructor(
    private readonly conn: Connection,
    private readonly bus: Pick<EventBus, 'publish'>,
    options: OutboxRelayOptions = {},
  ) {
    this.logger = (options.logger ?? silentLogger).child({ component: 'outbox-relay' });
    this.metrics = eventMetrics(options.metrics);
    this.pollIntervalMs = options.pollIntervalMs ?? 1_000;
    this.sweepGraceMs = options.sweepGraceMs ?? 2_000;
    this.leaseMs = options.leaseMs ?? 10_000;
    this.batchSize = options.batchSize ?? 100;
    this.markDelayMs = Math.min(options.markDelayMs ?? 500, this.sweepGraceMs / 4);
    this.store = options.documents
      ? documentEventsStore(conn, options.documents)
      : outboxStore(conn, { collection: options.collection, retentionSeconds: options.retentionSeconds });
    this.collectionName = this.store.collection;
  }

  async start(): Promise<void> {
    if (this.running) return;
    await this.store.prepare();
    this.running = true;
    this.listeningSince = new Date();
    this.unlisten = onOutboxWritten(
      this.conn,
      (entries) => {
        this.fresh.push(...entries);
        this.poke();
      },
      { collection: this.collectionName },
    );
    this.loop = this.run();
  }

  /** Publishes what is still pending (as leader), then releases the lease so that another relay takes over at once. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.unlisten?.();
    this.pause.wake();
    await this.loop;
    try {
      await this.flushOnce();
      this.hurryMarking?.();
      await this.marking;
      this.leaseHeldUntil = 0;
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
    this.pause.wake();
  }

  /**
   * What this relay has not finished: entries this process committed that wait to be published or
   * marked sent, plus one per pass queued or running (a sweep finds entries nobody told it about).
   * 0 once everything handed to it is on the bus and marked; tests wait for 0 before checking that
   * nothing more happens (the kit's `settled()`), after `markNow()` so as not to wait out the delay.
   */
  pending(): number {
    return this.fresh.length + this.unmarked.length + this.passes + (this.marking ? 1 : 0);
  }

  /** Ends the current marking's wait for company: what was published so far is marked sent at once. */
  markNow(): void {
    this.hurryMarking?.();
  }

  /**
   * One full pass: publishes what this process committed, then, if this relay holds (or can take)
   * the lease, every pending entry in order, however fresh. Returns how many entries it published.
   */
  flushOnce(): Promise<number> {
    return this.exclusive(async () => {
      const own = await this.publishFresh();
      const swept = await this.sweep(() => null);
      this.hurryMarking?.();
      await this.marking;
      return own + swept;
    });
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    this.passes++;
    const run = this.turn.then(work, work).finally(() => this.passes--);
    this.turn = run.catch(() => undefined);
    return run;
  }

  private async run(): Promise<void> {
    // The first pass takes everything written before this relay listened, however fresh.
    let nextSweepAt = 0;
    let failures = 0;
    while (this.running) {
      this.poked = false;
      try {
        if (this.fresh.length > 0) {
          await this.exclusive(() => this.publishFresh());
        } else if (Date.now() >= nextSweepAt) {
          const first = nextSweepAt === 0;
          await this.exclusive(() =>
            this.sweep(() => (first ? this.listeningSince : new Date(Date.now() - this.sweepGraceMs))),
          );
          nextSweepAt = Date.now() + this.pollIntervalMs;
        }
        failures = 0;
      } catch (err) {
        failures++;
        this.logger.error({ err }, 'outbox relay pass failed; retrying');
        // Keep what failed for the next attempt, without spinning while the bus is down.
        await this.pause.sleep(Math.min(this.pollIntervalMs, 25 * 2 ** Math.min(failures, 6)));
        continue;
      }
      if (!this.running || this.poked || this.fresh.length > 0) continue;
      await this.pause.sleep(Math.max(0, nextSweepAt - Date.now()));
    }
  }

  /** Publishes the entries this process committed, in batches, in commit order. */
  private async publishFresh(): Promise<number> {
    let published = 0;
    while (this.fresh.length > 0) {
      const batch = this.fresh.splice(0, this.batchSize);
      try {
        await this.bus.publish(batch.map((doc) => doc.event));
      } catch (err) {
        this.fresh.unshift(...batch);
        throw err;
      }
      published += batch.length;
      this.metrics.outboxRelayed.inc({ collection: this.collectionName }, batch.length);
      this.markSent(batch);
    }
    return published;
  }

  /**
   * Marks entries sent in the background, one `updateMany` for whatever has gathered during
   * `markDelayMs`: the consumers already have the events. If marking fails, the lease holder's poll
   * publishes them again.
   */
  private markSent(entries: readonly RelayEntry[]): void {
    this.unmarked.push(...entries);
    this.marking ??= (async () => {
      try {
        if (this.markDelayMs > 0 && this.running) await this.gatherUnmarked();
        while (this.unmarked.length > 0) {
          await this.store.markPublished(this.unmarked.splice(0, this.unmarked.length));
        }
      } catch (err) {
        this.unmarked.length = 0;
        this.logger.warn(
          { err },
          'outbox entries published but not marked sent; the poll publishes them again',
        );
      } finally {
        this.marking = null;
      }
    })();
  }

  private gatherUnmarked(): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.hurryMarking = null;
        resolve();
      };
      const timer = setTimeout(done, this.markDelayMs);
      this.hurryMarking = done;
    });
  }

  /**
   * As lease holder: publishes every pending entry written before `before()` (any, when null), in
   * publishing order, and marks it sent.
   */
  private async sweep(before: () => Date | null): Promise<number> {
    let published = 0;
    const labels = { collection: this.collectionName };
    while (await this.acquireLease()) {
      const batch = await this.store.unpublished(before(), this.batchSize);
      if (batch.length === 0) {
        this.metrics.outboxPending.set(labels, 0);
        break;
      }
      try {
        await this.bus.publish(batch.map((doc) => doc.event));
      } catch (err) {
        this.metrics.outboxPending.set(labels, await this.store.countUnpublished());
        throw err;
      }
      await this.store.markPublished(batch);
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
    // Renewed once half of it is used up, not on every pass.
    if (Date.now() < this.leaseHeldUntil - this.leaseMs / 2) return true;
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
    const held = lease?.owner === this.id;
    this.leaseHeldUntil = held ? now.getTime() + this.leaseMs : 0;
    return held;
  }

  private leases() {
    return this.conn.collection<LeaseDocument>(`${this.collectionName}_relay_lease`);
  }
}
