import { createEvent, InProcessBus, OutboxRelay, type DomainEvent } from '@novamart/events';
import { type Connection } from 'mongoose';
import { createLogger, type Logger } from '../logger';
import { connectMongo } from '../mongo';
import { uniqueDbName } from './db-name';
import { leaseEmbeddedMongoForTests } from './embedded-mongo';
import { eventually } from './wait';

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
}

export interface ServiceHarness<S> {
  conn: Connection;
  bus: InProcessBus;
  relay: OutboxRelay;
  logger: Logger;
  services: S;
  /** Every event of the `observe` types the module published through its outbox, in order. */
  published: DomainEvent<any>[];
  /** Publishes an event as another subgraph would, and waits until the module's group handled it. */
  publish(
    type: string,
    aggregateId: string,
    payload: Record<string, unknown>,
    occurredAt?: Date,
  ): Promise<DomainEvent>;
  /** Resolves once the module's consumer group recorded `event` as processed. */
  handled(event: DomainEvent, timeoutMs?: number): Promise<void>;
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
  options.consumers?.(bus, conn, services);
  const published: DomainEvent<any>[] = [];
  if (options.observe) {
    bus.subscribe({
      group: `${options.name}-test-observer`,
      types: options.observe,
      handler: async (event) => void published.push(event),
    });
  }
  const relay = new OutboxRelay(conn, bus, { pollIntervalMs: options.pollIntervalMs ?? 50 });
  await relay.start();
  await bus.start();
  // Which events the module's group finished: a second observer of the same domains would race
  // it, so the harness watches the processed-events records instead.
  const processed = conn.collection<{ _id: string }>('processed_events');

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
      await eventually(() => processed.findOne({ _id: `${options.name}:${event.id}` }), {
        what: `${options.name} to handle ${event.type} ${event.id}`,
        timeoutMs,
        intervalMs: 15,
      });
    },
    async close() {
      await relay.stop();
      await bus.close();
      await conn.dropDatabase().catch(() => undefined);
      await conn.close();
      await mongo.stop();
    },
  };
  return harness;
}
