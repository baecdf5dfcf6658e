/**
 * Event propagation (issue 9): from the moment a subgraph starts the transaction that writes an
 * outbox entry to the moment the handler of another subgraph's consumer group starts, at idle (one
 * event at a time) and at 200 events/s, on the in-process bus and on Redis Streams; and the
 * MongoDB commands one event costs end to end (writer's transaction, relay, consumer's idempotency
 * record and transaction, one small projection write as the handler's own work).
 *
 * Before vs after in one run: point EVENTS_BASELINE at another checkout's events package and the
 * same scenarios run on both, side by side, with ratios:
 *   git archive <rev> packages/events | tar -x -C /tmp/base && ln -s "$PWD/node_modules" /tmp/base/node_modules
 *   EVENTS_BASELINE=/tmp/base npm run bench events
 */
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import mongoose from 'mongoose';
import * as currentRoot from '@novamart/events';
import * as currentRedis from '@novamart/events/redis';
import { createRedis } from '@novamart/kit';
import { testRedisUrl, uniqueKeyPrefix } from '@novamart/kit/testing';
import { startEmbeddedMongo } from '@novamart/mongo-server';
import { percentile } from '../../tests/support/storefront';

/** The package root and its `./redis` subpath (a baseline from before the split has both in its root). */
const current = { ...currentRoot, ...currentRedis };
type EventsPackage = typeof current;

export interface EventsBenchOptions {
  log?: (line: string) => void;
  idleEvents?: number;
  loadSeconds?: number;
  rate?: number;
}

interface Figures {
  idleP50Ms: number;
  idleP99Ms: number;
  loadP50Ms: number;
  loadP99Ms: number;
  loadEvents: number;
  commandsPerEvent: number;
  commandsByName: Record<string, number>;
}

async function scenario(
  pkg: EventsPackage,
  transport: 'in-process' | 'redis',
  mongoUri: string,
  options: Required<Omit<EventsBenchOptions, 'log'>>,
): Promise<Figures> {
  const tag = randomUUID().slice(0, 8);
  const open = (db: string) =>
    mongoose.createConnection(mongoUri, { dbName: `bench_${db}_${tag}`, monitorCommands: true }).asPromise();
  const producer = await open('producer');
  const consumer = await open('consumer');
  const counts = new Map<string, number>();
  let counting = false;
  for (const conn of [producer, consumer]) {
    conn.getClient().on('commandStarted', (event: { commandName: string }) => {
      if (counting) counts.set(event.commandName, (counts.get(event.commandName) ?? 0) + 1);
    });
  }
  const keyPrefix = uniqueKeyPrefix('bench-events');
  const redisUrl = testRedisUrl();
  const bus =
    transport === 'redis'
      ? new pkg.RedisStreamsBus(
          () => createRedis(redisUrl, 'bench-events', { redis: { maxRetriesPerRequest: null } }),
          {
            keyPrefix,
          },
        )
      : new pkg.InProcessBus();
  const relay = new pkg.OutboxRelay(producer, bus);
  const projection = consumer.collection<{ _id: string; n: number }>('projection');

  const writtenAt = new Map<string, number>();
  const started = new Map<string, number>();
  const waiters = new Map<string, () => void>();
  const effect = pkg.idempotentConsumer(consumer, 'bench', async (event, session) => {
    await projection.updateOne({ _id: event.aggregateId }, { $inc: { n: 1 } }, { upsert: true, session });
  });
  bus.subscribe({
    group: 'bench',
    types: ['bench.happened'],
    handler: async (event) => {
      if (!started.has(event.id)) started.set(event.id, performance.now());
      await effect(event);
      waiters.get(event.id)?.();
    },
  });
  await relay.start();
  await bus.start();

  const write = async (n: number) => {
    const event = pkg.createEvent('bench.happened', `a${n % 50}`, { n });
    const handled = new Promise<void>((done) => waiters.set(event.id, done));
    writtenAt.set(event.id, performance.now());
    await pkg.inTransaction(producer, async (_session, outbox) => outbox.add(event));
    return { id: event.id, handled };
  };
  const latencies = (ids: string[]) =>
    ids.map((id) => started.get(id)! - writtenAt.get(id)!).sort((a, b) => a - b);

  try {
    // Warm-up: connections, indexes, consumer groups.
    for (let i = 0; i < 20; i++) await (await write(i)).handled;

    // Idle: one event at a time. Commands are counted here, where nothing else runs.
    const idleIds: string[] = [];
    counting = true;
    for (let i = 0; i < options.idleEvents; i++) {
      const { id, handled } = await write(i);
      await handled;
      idleIds.push(id);
    }
    // The relay marks sent off the consumers' path: let it finish before counting stops.
    await new Promise((r) => setTimeout(r, 200));
    counting = false;
    const commandsTotal = [...counts.values()].reduce((a, b) => a + b, 0);

    // Load: an open loop at `rate` events/s.
    const loadIds: string[] = [];
    const pending: Promise<void>[] = [];
    const total = Math.round(options.rate * options.loadSeconds);
    const t0 = performance.now();
    for (let i = 0; i < total; i++) {
      const due = t0 + (i * 1000) / options.rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      pending.push(
        write(i).then(({ id, handled }) => {
          loadIds.push(id);
          return handled;
        }),
      );
    }
    await Promise.all(pending);

    const idle = latencies(idleIds);
    const load = latencies(loadIds);
    const round = (v: number) => Math.round(v * 100) / 100;
    return {
      idleP50Ms: percentile(idle, 50),
      idleP99Ms: percentile(idle, 99),
      loadP50Ms: percentile(load, 50),
      loadP99Ms: percentile(load, 99),
      loadEvents: load.length,
      commandsPerEvent: round(commandsTotal / options.idleEvents),
      commandsByName: Object.fromEntries(
        [...counts.entries()].sort().map(([name, n]) => [name, round(n / options.idleEvents)]),
      ),
    };
  } finally {
    await relay.stop();
    await bus.close();
    await producer.dropDatabase().catch(() => {});
    await consumer.dropDatabase().catch(() => {});
    await producer.close();
    await consumer.close();
  }
}

export async function benchEvents(options: EventsBenchOptions = {}) {
  const log = options.log ?? (() => {});
  const settings = {
    idleEvents: options.idleEvents ?? Number(process.env.BENCH_IDLE_EVENTS ?? 200),
    loadSeconds: options.loadSeconds ?? Number(process.env.BENCH_LOAD_SECONDS ?? 5),
    rate: options.rate ?? 200,
  };
  const variants: { name: string; pkg: EventsPackage }[] = [];
  const baselineDir = process.env.EVENTS_BASELINE;
  if (baselineDir) {
    const entry = (file: string) => pathToFileURL(resolve(baselineDir, 'packages/events/src', file)).href;
    const root = (await import(entry('index.ts'))) as Partial<EventsPackage>;
    const redis = root.RedisStreamsBus ? {} : ((await import(entry('redis.ts'))) as Partial<EventsPackage>);
    variants.push({ name: 'before', pkg: { ...root, ...redis } as EventsPackage });
  }
  variants.push({ name: 'after', pkg: current });

  const mongo = await startEmbeddedMongo({ port: 0, inMemory: true });
  const results: Record<string, Figures> = {};
  try {
    for (const transport of ['in-process', 'redis'] as const) {
      // Alternate the variants so that neither always runs on a warmer or busier machine.
      for (const { name, pkg } of transport === 'redis' ? [...variants].reverse() : variants) {
        log(
          `${name}, ${transport}: ${settings.idleEvents} events at idle, ${settings.rate}/s for ${settings.loadSeconds} s`,
        );
        const figures = await scenario(pkg, transport, mongo.uri, settings);
        results[`${name} ${transport}`] = figures;
        log(
          `  idle p50 ${figures.idleP50Ms} ms, p99 ${figures.idleP99Ms} ms; ${settings.rate}/s p50 ${figures.loadP50Ms} ms, p99 ${figures.loadP99Ms} ms; ${figures.commandsPerEvent} MongoDB commands/event ${JSON.stringify(figures.commandsByName)}`,
        );
      }
    }
  } finally {
    await mongo.stop();
  }
  const ratios: Record<string, Record<string, number>> = {};
  if (baselineDir) {
    for (const transport of ['in-process', 'redis']) {
      const before = results[`before ${transport}`]!;
      const after = results[`after ${transport}`]!;
      const r = (a: number, b: number) => Math.round((a / b) * 100) / 100;
      ratios[transport] = {
        idleP50BeforeOverAfter: r(before.idleP50Ms, after.idleP50Ms),
        idleP99BeforeOverAfter: r(before.idleP99Ms, after.idleP99Ms),
        loadP99BeforeOverAfter: r(before.loadP99Ms, after.loadP99Ms),
        commandsBeforeOverAfter: r(before.commandsPerEvent, after.commandsPerEvent),
      };
    }
  }
  return {
    scenario:
      'outbox write (transaction start) → handler start in another database’s consumer group; idempotent consumer with one projection upsert; embedded MongoDB in memory',
    targets: 'p50 ≤ 5 ms and p99 ≤ 20 ms at idle, p99 ≤ 50 ms at 200 events/s',
    settings,
    results,
    ...(baselineDir ? { ratios } : {}),
  };
}
