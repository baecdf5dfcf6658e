import { createEvent, InProcessBus, OutboxRelay, type DomainEvent } from '@novamart/events';
import { type Connection } from 'mongoose';
import { createLogger, type Logger } from '../logger';
import { connectMongo } from '../mongo';
import { uniqueDbName } from './db-name';
import { leaseEmbeddedMongoForTests } from './embedded-mongo';
import { eventually, settle } from './wait';

export interface ServiceHarnessOptions<S> {
  /** The subgraph's name: its database is `<name>_<unique>` and its consumer group records carry it. */
  name: string;
  /** The module's services, on the harness's database. */
  services(deps: { conn: Connection; logger: Logger }): Promise<S> | S;
  /** Subscribes the module's consumers to the bus (before it starts). */
  consumers?(bus: InProcessBus, conn: Connection, services: S): void;
  /** Event types (patterns such as `order.*`) whose published events the harness records. */
  observe?: string[];
  logger?: Logger;
  /** How long the bus blocks for new events, and the relay's poll interval (50 ms each). */
  blockMs?: number;
  pollIntervalMs?: number;
  /** The module's collections whose documents carry their events (its instance's `documentEvents`). */
  documentEvents?: readonly string[];
}

export interface ServiceHarness<S> {
  conn: Connection;
  bus: InProcessBus;
  relay: OutboxRelay;
  logger: Logger;
  services: S;
  /** Every event of the `observe` types the module published through its outbox, in order. */
  published: DomainEvent<any>[];
  /** Publishes an event as another subgraph would, and waits until the module's groups handled it. */
  publish(
    type: string,
    aggregateId: string,
    payload: Record<string, unknown>,
    occurredAt?: Date,
  ): Promise<DomainEvent>;
  /** Resolves once every consumer group of the module that takes `event`'s type has handled it. */
  handled(event: DomainEvent, timeoutMs?: number): Promise<void>;
  /**
   * Resolves once the module's asynchronous work is done: every event on the bus handled by every
   * group (the observer too) and the outbox relay idle, quiet twice in a row since work starts more
   * work. Before checking that something did NOT happen (a second event, a second change); throws
   * after `timeoutMs`.
   */
  settled(timeoutMs?: number): Promise<void>;
  /** Stops the relay and the bus, drops the database and releases the embedded MongoDB. */
  close(): Promise<void>;
}

/**
 * A module's services as its process runs them, for service-level tests (after Medusa's
 * `moduleIntegrationTestRunner`): a fresh database on the file's embedded MongoDB, an in-process
 * bus with the module's consumers subscribed, and an outbox relay. The harness owns all three and
 * `close()` stops all three; the embedded MongoDB stops with the last harness of the file.
 */
export async function startServiceHarness<S>(options: ServiceHarnessOptions<S>): Promise<ServiceHarness<S>> {
  const mongo = await leaseEmbeddedMongoForTests();
  const conn = await connectMongo({ url: mongo.uri, dbName: uniqueDbName(options.name) });
  const logger = options.logger ?? createLogger(options.name, { level: 'silent' });
  const services = await options.services({ conn, logger });
  const bus = new InProcessBus({ blockMs: options.blockMs ?? 50 });
  const consumed = watchConsumers(bus);
  options.consumers?.(bus, conn, services);
  consumed.stopWatching();
  const published: DomainEvent<any>[] = [];
  if (options.observe) {
    bus.subscribe({
      group: `${options.name}-test-observer`,
      types: options.observe,
      handler: async (event) => void published.push(event),
    });
  }
  const pollIntervalMs = options.pollIntervalMs ?? 50;
  const relay = new OutboxRelay(conn, bus, { pollIntervalMs });
  const relays = [
    relay,
    ...(options.documentEvents ?? []).map(
      (documents) => new OutboxRelay(conn, bus, { pollIntervalMs, documents }),
    ),
  ];
  for (const each of relays) await each.start();
  await bus.start();

  const harness: ServiceHarness<S> = {
    conn,
    bus,
    relay,
    logger,
    services,
    published,
    async publish(type, aggregateId, payload, occurredAt) {
      const event = createEvent(type, aggregateId, payload);
      if (occurredAt) event.occurredAt = occurredAt.toISOString();
      await bus.publish(event);
      await harness.handled(event);
      return event;
    },
    async handled(event, timeoutMs = 5_000) {
      await eventually(() => consumed.byAll(event), {
        what: `${options.name} to handle ${event.type} ${event.id}`,
        timeoutMs,
        intervalMs: 15,
      });
    },
    settled: (timeoutMs) =>
      settle(
        {
          'events unhandled': () => bus.backlog(),
          'outbox relay busy': () => {
            let pending = 0;
            for (const each of relays) {
              each.markNow();
              pending += each.pending();
            }
            return pending;
          },
        },
        { what: `${options.name}'s work`, timeoutMs },
      ),
    async close() {
      for (const each of relays) await each.stop();
      await bus.close();
      await conn.dropDatabase().catch(() => undefined);
      await conn.close();
      await mongo.stop();
    },
  };
  return harness;
}

/**
 * Records which of the module's subscriptions finished which event: every group that takes an
 * event's type, transactional or direct, must have handled it (a handler that failed has not, until
 * a retry succeeds). Only subscriptions made while watching count (the harness's own observer does not).
 */
function watchConsumers(bus: InProcessBus) {
  const subscriptions: { group: string; types: readonly string[] }[] = [];
  const done = new Set<string>();
  const subscribe = bus.subscribe.bind(bus);
  bus.subscribe = (subscription) => {
    subscriptions.push(subscription);
    subscribe({
      ...subscription,
      handler: async (event) => {
        const outcome = await subscription.handler(event);
        done.add(`${subscription.group} ${event.id}`);
        return outcome;
      },
    });
  };
  const takes = (types: readonly string[], type: string) =>
    types.some((t) => t === type || (t.endsWith('.*') && type.startsWith(t.slice(0, -1))));
  return {
    stopWatching() {
      bus.subscribe = subscribe;
    },
    byAll(event: DomainEvent): boolean {
      return subscriptions
        .filter((s) => takes(s.types, event.type))
        .every((s) => done.has(`${s.group} ${event.id}`));
    },
  };
}
