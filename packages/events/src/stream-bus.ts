import { createHmac, timingSafeEqual } from 'node:crypto';
import { type Registry } from 'prom-client';
import { backoffDelay } from './backoff';
import { type DeadLetter, type EventBus, type SubscribeOptions } from './bus';
import { type DomainEvent, eventDomain, parseEvent, serializeEvent } from './event';
import { type Logger, silentLogger } from './logger';
import { type EventMetrics, eventMetrics } from './metrics';
import { inConsumerSpan } from './tracing';
import { isEventRejected } from './rejected-event';
import {
  type GroupStart,
  type StreamEntry,
  type StreamReader,
  type StreamTransport,
} from './stream-transport';
import { WakeableSleep } from './wakeable-sleep';

export interface StreamBusOptions {
  logger?: Logger;
  /** prom-client registry the bus registers its metrics in. */
  metrics?: Registry;
  /** Keys are `<keyPrefix>:events:<domain>` and `<keyPrefix>:dead:<group>`. Default `novamart`. */
  keyPrefix?: string;
  /** Unique per process; default `<hostname>-<pid>-<random>`. */
  consumerName?: string;
  /** Pending entries idle this long are taken over from their (presumably dead) consumer. */
  claimIdleMs?: number;
  /** How often to look for such entries; default claimIdleMs / 2. */
  claimIntervalMs?: number;
  /** Longest wait of one blocking read. */
  blockMs?: number;
  /** Default handler attempts of a subscription. */
  maxAttempts?: number;
  /** Entries read per round trip. */
  batchSize?: number;
  /** See `GroupStart`; default `beginning` so that a group never misses events published before it first ran. */
  groupStart?: GroupStart;
  /**
   * EVENTS_SIGNING_KEY: entries carry an HMAC-SHA256 of the event (field `sig`) and consumers
   * dead-letter entries without a valid one, so that whoever can write to Redis cannot forge events.
   */
  signingKey?: string;
}

/** HMAC-SHA256 (base64url) of a serialized event. */
export function signEvent(serialized: string, key: string): string {
  return createHmac('sha256', key).update(serialized).digest('base64url');
}

function hasValidSignature(fields: Record<string, string>, key: string): boolean {
  const expected = Buffer.from(signEvent(fields.event ?? '', key));
  const actual = Buffer.from(fields.sig ?? '');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

interface Route {
  subscription: SubscribeOptions;
  maxAttempts: number;
}

interface GroupState {
  name: string;
  exact: Map<string, Route>;
  byDomain: Map<string, Route>;
  streams: Set<string>;
  worker?: GroupWorker;
}

export const DEFAULT_KEY_PREFIX = 'novamart';

/**
 * Consumer-group delivery over a `StreamTransport`: per group, entries are handled one at a time in
 * stream order, acknowledged only after the handler succeeds, retried with backoff, and moved to
 * the group's dead letters after maxAttempts so that the stream keeps flowing. Entries a crashed
 * consumer left pending are claimed after claimIdleMs; an entry delivered more than maxAttempts
 * times (a handler that kills its process) is dead-lettered without another attempt.
 */
export class StreamBus implements EventBus {
  protected readonly logger: Logger;
  protected readonly metrics: EventMetrics;
  readonly keyPrefix: string;
  readonly consumerName: string;
  readonly claimIdleMs: number;
  readonly claimIntervalMs: number;
  readonly blockMs: number;
  readonly maxAttempts: number;
  readonly batchSize: number;
  readonly groupStart: GroupStart;
  readonly signingKey: string | undefined;
  private readonly groups = new Map<string, GroupState>();
  private state: 'new' | 'started' | 'closing' | 'closed' = 'new';

  constructor(
    protected readonly transport: StreamTransport,
    options: StreamBusOptions = {},
  ) {
    this.logger = options.logger ?? silentLogger;
    this.metrics = eventMetrics(options.metrics);
    this.keyPrefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
    this.consumerName = options.consumerName ?? defaultConsumerName();
    this.claimIdleMs = options.claimIdleMs ?? 30_000;
    this.claimIntervalMs = options.claimIntervalMs ?? Math.max(10, Math.floor(this.claimIdleMs / 2));
    this.blockMs = options.blockMs ?? 5_000;
    this.maxAttempts = options.maxAttempts ?? 5;
    this.batchSize = options.batchSize ?? 10;
    this.groupStart = options.groupStart ?? 'beginning';
    this.signingKey = options.signingKey;
  }

  streamKey(domain: string): string {
    return `${this.keyPrefix}:events:${domain}`;
  }

  deadLetterKey(group: string): string {
    return `${this.keyPrefix}:dead:${group}`;
  }

  async publish(events: DomainEvent<any> | readonly DomainEvent<any>[]): Promise<void> {
    const list: readonly DomainEvent<any>[] = Array.isArray(events) ? events : [events as DomainEvent<any>];
    if (list.length === 0) return;
    if (this.state === 'closed') throw new Error('Event bus is closed');
    await this.transport.append(
      list.map((event) => {
        const serialized = serializeEvent(event);
        const fields: Record<string, string> = { id: event.id, type: event.type, event: serialized };
        if (this.signingKey) fields.sig = signEvent(serialized, this.signingKey);
        return { stream: this.streamKey(eventDomain(event.type)), fields };
      }),
    );
    for (const event of list) this.metrics.published.inc({ type: event.type });
  }

  subscribe(subscription: SubscribeOptions): void {
    if (this.state === 'closing' || this.state === 'closed') throw new Error('Event bus is closed');
    if (subscription.types.length === 0)
      throw new Error(`Subscription of group "${subscription.group}" has no types`);
    let group = this.groups.get(subscription.group);
    if (!group) {
      group = { name: subscription.group, exact: new Map(), byDomain: new Map(), streams: new Set() };
      this.groups.set(subscription.group, group);
    }
    const route: Route = { subscription, maxAttempts: subscription.maxAttempts ?? this.maxAttempts };
    for (const type of subscription.types) {
      const wildcard = type.endsWith('.*');
      const domain = wildcard ? type.slice(0, -2) : eventDomain(type);
      const table = wildcard ? group.byDomain : group.exact;
      const key = wildcard ? domain : type;
      if (table.has(key)) throw new Error(`Group "${group.name}" already handles "${type}"`);
      table.set(key, route);
      group.streams.add(this.streamKey(domain));
    }
    if (this.state === 'started') this.startGroup(group);
  }

  async start(): Promise<void> {
    if (this.state !== 'new') return;
    this.state = 'started';
    for (const group of this.groups.values()) this.startGroup(group);
  }

  async close(): Promise<void> {
    if (this.state === 'closing' || this.state === 'closed') return;
    this.state = 'closing';
    await Promise.all([...this.groups.values()].map((g) => g.worker?.stop()));
    await this.transport.close();
    this.state = 'closed';
  }

  /**
   * Stops at once as if the process had died: no handler is awaited, nothing in flight is
   * acknowledged, connections are dropped. Other consumers of the groups claim what was pending.
   */
  abort(): void {
    this.state = 'closed';
    for (const group of this.groups.values()) group.worker?.kill();
    this.transport.kill();
  }

  async deadLetters(group: string, limit = 100): Promise<DeadLetter[]> {
    const entries = await this.transport.readLatest(this.deadLetterKey(group), limit);
    return entries.map(({ id, fields }) => ({
      id,
      group: fields.group ?? group,
      event: JSON.parse(fields.event ?? 'null') as DomainEvent,
      error: fields.error ?? '',
      attempts: Number(fields.attempts ?? 0),
      deadAt: fields.deadAt ?? '',
    }));
  }

  /**
   * The latest `limit` events published on a domain's stream (`order`, `payment`...), oldest
   * first: what the bus holds, whichever store (outbox or document) they were published from.
   */
  async recentEvents(domain: string, limit = 100): Promise<DomainEvent[]> {
    const entries = await this.transport.readLatest(this.streamKey(domain), limit);
    return entries.map(({ fields }) => parseEvent(fields.event ?? ''));
  }

  /** Entries delivered to the group and not yet acknowledged, over its streams. */
  async pendingCount(group: string): Promise<number> {
    const state = this.groups.get(group);
    if (!state) return 0;
    let total = 0;
    for (const stream of state.streams) total += await this.transport.pendingCount(stream, group);
    return total;
  }

  /**
   * Entries the groups this bus runs have not finished (not delivered yet, or not acknowledged),
   * over all their streams: 0 means every event published so far was handled. Tests wait for 0
   * before checking that something did not happen a second time.
   */
  async backlog(): Promise<number> {
    let total = 0;
    for (const group of this.groups.values()) {
      for (const stream of group.streams) total += await this.transport.backlog(stream, group.name);
    }
    return total;
  }

  route(group: GroupState, type: string): Route | undefined {
    const exact = group.exact.get(type);
    if (exact) return exact;
    const dot = type.indexOf('.');
    return dot > 0 ? group.byDomain.get(type.slice(0, dot)) : undefined;
  }

  private startGroup(group: GroupState): void {
    if (group.worker) {
      group.worker.streamsChanged();
      return;
    }
    group.worker = new GroupWorker(
      this,
      this.transport,
      group,
      this.logger.child({ group: group.name }),
      this.metrics,
    );
    group.worker.start();
  }
}

class GroupWorker {
  private readonly reader: StreamReader;
  private readonly ready = new Set<string>();
  private loop: Promise<void> | null = null;
  private stopping = false;
  private killed = false;
  private readonly pause = new WakeableSleep();
  private nextClaimAt = 0;
  /** True while a blocking read is outstanding: the only time an interrupt has anything to end. */
  private reading = false;
  private readonly heartbeats = new Set<NodeJS.Timeout>();

  constructor(
    private readonly bus: StreamBus,
    private readonly transport: StreamTransport,
    private readonly group: GroupState,
    private readonly logger: Logger,
    private readonly metrics: EventMetrics,
  ) {
    this.reader = transport.openReader(`${bus.consumerName}:${group.name}`);
  }

  start(): void {
    this.loop = this.run().catch((err: unknown) => {
      if (!this.killed) this.logger.error({ err }, 'event consumer stopped on an unexpected error');
    });
  }

  streamsChanged(): void {
    void this.reader.interrupt().catch(() => {});
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.pause.wake();
    // A read can be entering its blocking wait just as we interrupt; keep interrupting until the loop exits.
    const interrupt = () => {
      if (this.reading) void this.reader.interrupt().catch(() => {});
    };
    const interrupter = setInterval(interrupt, 50);
    interrupt();
    try {
      await this.loop;
    } finally {
      clearInterval(interrupter);
    }
    await this.reader.close();
  }

  kill(): void {
    this.killed = true;
    this.stopping = true;
    this.pause.wake();
    for (const heartbeat of this.heartbeats) clearInterval(heartbeat);
    this.reader.kill();
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        await this.ensureGroups();
        if (Date.now() >= this.nextClaimAt) {
          await this.claimStale();
          this.nextClaimAt = Date.now() + this.bus.claimIntervalMs;
          continue;
        }
        const wait = Math.max(1, Math.min(this.bus.blockMs, this.nextClaimAt - Date.now()));
        this.reading = true;
        let entries: StreamEntry[];
        try {
          entries = await this.reader.readNew(
            this.group.name,
            this.bus.consumerName,
            [...this.ready],
            this.bus.batchSize,
            wait,
          );
        } finally {
          this.reading = false;
        }
        await this.handleBatch(entries);
      } catch (err) {
        if (this.killed || this.stopping) return;
        // The stream or group vanished (deleted key, flushed Redis): create them again.
        if (err instanceof Error && err.message.includes('NOGROUP')) this.ready.clear();
        this.logger.error({ err }, 'event consumer round failed; retrying');
        await this.pause.sleep(1_000);
      }
    }
  }

  /**
   * The entries of one aggregate one after another in stream order; different aggregates at the
   * same time, so that one slow transaction does not hold up the events of every other order or
   * product behind it. Returns once every entry of the batch is handled.
   */
  private async handleBatch(entries: readonly StreamEntry[]): Promise<void> {
    const chains = new Map<string, StreamEntry[]>();
    for (const entry of entries) {
      const key = aggregateKey(entry);
      const chain = chains.get(key);
      if (chain) chain.push(entry);
      else chains.set(key, [entry]);
    }
    await Promise.all(
      [...chains.values()].map(async (chain) => {
        for (const entry of chain) {
          if (this.killed) return;
          await this.handle(entry, false);
        }
      }),
    );
  }

  private async ensureGroups(): Promise<void> {
    for (const stream of this.group.streams) {
      if (this.ready.has(stream)) continue;
      await this.transport.ensureGroup(stream, this.group.name, this.bus.groupStart);
      this.ready.add(stream);
    }
  }

  private async claimStale(): Promise<void> {
    for (const stream of this.ready) {
      let cursor: string | null = '0-0';
      while (cursor !== null && !this.stopping) {
        const result = await this.transport.autoClaim({
          stream,
          group: this.group.name,
          consumer: this.bus.consumerName,
          minIdleMs: this.bus.claimIdleMs,
          count: this.bus.batchSize,
          cursor,
        });
        for (const id of result.deleted) {
          this.logger.error(
            { stream, id },
            'pending event was trimmed from its stream before it was handled',
          );
        }
        for (const entry of result.entries) {
          if (this.killed) return;
          this.logger.warn({ stream, id: entry.id }, 'claimed an event left pending by another consumer');
          await this.handle(entry, true);
        }
        cursor = result.next;
      }
      this.metrics.pending.set(
        { group: this.group.name, stream },
        await this.transport.pendingCount(stream, this.group.name),
      );
    }
  }

  /**
   * The event of an entry, or null once an entry that cannot be read (gone, unsigned, not an
   * envelope) has been dead-lettered: no handler ever sees it.
   */
  private async readEntry(entry: StreamEntry): Promise<DomainEvent | null> {
    const { stream, id } = entry;
    const groupName = this.group.name;
    try {
      if (!entry.fields) throw new Error('entry no longer exists');
      if (this.bus.signingKey && !hasValidSignature(entry.fields, this.bus.signingKey)) {
        throw new Error('missing or invalid signature (EVENTS_SIGNING_KEY)');
      }
      return parseEvent(entry.fields.event ?? '');
    } catch (err) {
      await this.transport.deadLetter(stream, groupName, id, this.bus.deadLetterKey(groupName), {
        group: groupName,
        stream,
        entryId: id,
        event: entry.fields?.event ?? 'null',
        error: `Unreadable entry: ${errorMessage(err)}`,
        attempts: '0',
        deadAt: new Date().toISOString(),
      });
      this.metrics.deadLettered.inc({ group: groupName, type: entry.fields?.type ?? 'unknown' });
      return null;
    }
  }

  private async handle(entry: StreamEntry, claimed: boolean): Promise<void> {
    const { stream, id } = entry;
    const groupName = this.group.name;
    const event = await this.readEntry(entry);
    if (!event) return;

    const labels = { group: groupName, type: event.type };
    const route = this.bus.route(this.group, event.type);
    if (!route) {
      await this.transport.ack(stream, groupName, id);
      this.metrics.handled.inc({ ...labels, outcome: 'ignored' });
      return;
    }
    const log = this.logger.child({ eventId: event.id, type: event.type, stream, entryId: id });

    if (claimed) {
      const deliveries = await this.transport.deliveryCount(stream, groupName, id);
      if (deliveries > route.maxAttempts) {
        await this.deadLetter(
          entry,
          event,
          `delivered ${deliveries - 1} times without being acknowledged (consumer crashed or stalled)`,
          0,
        );
        log.error({ deliveries }, 'event dead-lettered after repeated unacknowledged deliveries');
        return;
      }
    }

    const occurred = Date.parse(event.occurredAt);
    if (Number.isFinite(occurred))
      this.metrics.lag.observe(labels, Math.max(0, (Date.now() - occurred) / 1000));

    // Keep the entry's idle time low while we work on it, so that a long handler or a long backoff
    // is not mistaken for a crash and claimed by another consumer.
    const heartbeat = setInterval(
      () => void this.transport.touch(stream, groupName, this.bus.consumerName, id).catch(() => {}),
      Math.max(5, Math.floor(this.bus.claimIdleMs / 3)),
    );
    this.heartbeats.add(heartbeat);
    try {
      let lastError: unknown;
      for (let attempt = 1; attempt <= route.maxAttempts; attempt++) {
        try {
          await inConsumerSpan(event, groupName, () => route.subscription.handler(event));
          if (this.killed) return;
          await this.transport.ack(stream, groupName, id);
          this.metrics.handled.inc({ ...labels, outcome: 'success' });
          return;
        } catch (err) {
          if (this.killed) return;
          if (isEventRejected(err)) {
            // Permanently invalid: no retry can change the verdict.
            await this.deadLetter(entry, event, `rejected: ${err.reason}`, attempt);
            log.error({ reason: err.reason, attempt }, 'event rejected by its handler and dead-lettered');
            return;
          }
          lastError = err;
          this.metrics.handled.inc({ ...labels, outcome: 'failure' });
          log.warn({ err, attempt, maxAttempts: route.maxAttempts }, 'event handler failed');
          if (attempt === route.maxAttempts) break;
          // While closing, leave the entry pending for redelivery instead of holding up shutdown.
          if (this.stopping) return;
          this.metrics.retries.inc(labels);
          await this.pause.sleep(backoffDelay(route.subscription.backoff, attempt));
          if (this.stopping) return;
        }
      }
      await this.deadLetter(entry, event, errorMessage(lastError), route.maxAttempts);
      log.error(
        { err: lastError, attempts: route.maxAttempts },
        'event dead-lettered after its last attempt failed',
      );
    } finally {
      clearInterval(heartbeat);
      this.heartbeats.delete(heartbeat);
    }
  }

  private async deadLetter(
    entry: StreamEntry,
    event: DomainEvent,
    error: string,
    attempts: number,
  ): Promise<void> {
    const groupName = this.group.name;
    await this.transport.deadLetter(entry.stream, groupName, entry.id, this.bus.deadLetterKey(groupName), {
      group: groupName,
      stream: entry.stream,
      entryId: entry.id,
      type: event.type,
      eventId: event.id,
      event: serializeEvent(event),
      error,
      attempts: String(attempts),
      deadAt: new Date().toISOString(),
    });
    this.metrics.deadLettered.inc({ group: groupName, type: event.type });
    this.metrics.handled.inc({ group: groupName, type: event.type, outcome: 'dead_lettered' });
  }
}

/** The aggregate an entry belongs to; an entry that cannot be read is a chain of its own. */
function aggregateKey(entry: StreamEntry): string {
  try {
    const aggregateId = (JSON.parse(entry.fields?.event ?? 'null') as { aggregateId?: unknown } | null)
      ?.aggregateId;
    if (typeof aggregateId === 'string') return `${entry.stream}\u0000${aggregateId}`;
  } catch {
    // Unreadable: handle() dead-letters it.
  }
  return `${entry.stream}\u0001${entry.id}`;
}

function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.stack ?? err.message;
  return String(err);
}

function defaultConsumerName(): string {
  return `${process.env.HOSTNAME ?? 'node'}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}
