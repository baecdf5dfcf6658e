// Throughput of the event path: bus alone (publish -> handler -> ack) on both transports, and the
// whole outbox path (transaction -> relay -> bus -> idempotent consumer) on the embedded MongoDB.
// Run: npm run bench -w @novamart/events. Prints a table and writes bench/results.json.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { startEmbeddedMongo } from '@novamart/mongo-server';
import { Redis } from 'ioredis';
import mongoose, { Schema } from 'mongoose';
import {
  type DomainEvent,
  type EventBus,
  InProcessBus,
  OutboxRelay,
  createUncheckedEvent,
  idempotentConsumer,
  inTransaction,
} from '../src';
import { RedisStreamsBus } from '../src/redis';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const BUS_EVENTS = Number(process.env.BENCH_BUS_EVENTS ?? 5_000);
const OUTBOX_EVENTS = Number(process.env.BENCH_OUTBOX_EVENTS ?? 500);

interface Result {
  name: string;
  events: number;
  seconds: number;
  perSecond: number;
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 5));
}

async function busRound(name: string, bus: EventBus, n: number): Promise<Result> {
  let handled = 0;
  bus.subscribe({ group: 'bench', types: ['bench.happened'], handler: async () => void handled++ });
  await bus.start();
  const events = Array.from({ length: n }, (_, i) => createUncheckedEvent('bench.happened', `a${i}`, { i }));
  const t0 = performance.now();
  for (let i = 0; i < n; i += 100) await bus.publish(events.slice(i, i + 100));
  await until(() => handled === n);
  const seconds = (performance.now() - t0) / 1000;
  await bus.close();
  return { name, events: n, seconds, perSecond: Math.round(n / seconds) };
}

async function outboxRound(name: string, bus: EventBus, uri: string, n: number): Promise<Result> {
  const producer = await mongoose
    .createConnection(uri, { dbName: `bench_producer_${randomBytes(3).toString('hex')}` })
    .asPromise();
  const consumer = await mongoose
    .createConnection(uri, { dbName: `bench_consumer_${randomBytes(3).toString('hex')}` })
    .asPromise();
  const Order = producer.model('Order', new Schema({ n: Number }));
  const Effect = consumer.model('Effect', new Schema({ orderId: String }));
  let handled = 0;
  bus.subscribe({
    group: 'bench',
    types: ['order.placed'],
    handler: idempotentConsumer(consumer, 'bench', async (event: DomainEvent, session) => {
      await Effect.create([{ orderId: event.aggregateId }], { session });
      handled++;
    }),
  });
  await bus.start();
  const relay = new OutboxRelay(producer, bus, { pollIntervalMs: 50 });
  await relay.start();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    await inTransaction(producer, async (session, outbox) => {
      const [order] = await Order.create([{ n: i }], { session });
      outbox.add(createUncheckedEvent('order.placed', String(order!._id), { n: i }));
    });
  }
  await until(() => handled === n);
  const seconds = (performance.now() - t0) / 1000;
  await relay.stop();
  await bus.close();
  await producer.close();
  await consumer.close();
  return { name, events: n, seconds, perSecond: Math.round(n / seconds) };
}

const results: Result[] = [];
const prefix = () => `bench:${randomBytes(4).toString('hex')}`;
const redisBus = (keyPrefix: string) => new RedisStreamsBus(REDIS_URL, { keyPrefix, blockMs: 1_000 });

results.push(await busRound('bus only, in-process', new InProcessBus(), BUS_EVENTS));
const busPrefix = prefix();
results.push(await busRound('bus only, Redis Streams', redisBus(busPrefix), BUS_EVENTS));

const mongo = await startEmbeddedMongo({ port: 0, inMemory: true });
results.push(
  await outboxRound(
    'outbox -> relay -> idempotent consumer, in-process',
    new InProcessBus(),
    mongo.uri,
    OUTBOX_EVENTS,
  ),
);
const outboxPrefix = prefix();
results.push(
  await outboxRound(
    'outbox -> relay -> idempotent consumer, Redis',
    redisBus(outboxPrefix),
    mongo.uri,
    OUTBOX_EVENTS,
  ),
);
await mongo.stop();

const admin = new Redis(REDIS_URL);
for (const p of [busPrefix, outboxPrefix]) {
  const keys = await admin.keys(`${p}:*`);
  if (keys.length) await admin.del(...keys);
}
await admin.quit();

console.table(results.map((r) => ({ ...r, seconds: Number(r.seconds.toFixed(2)) })));
const file = new URL('./results.json', import.meta.url);
// The machine is shared; the load average says how much the figures can be trusted.
const machine = { cpus: cpus().length, loadAverage1m: Number(loadavg()[0]!.toFixed(2)) };
console.log(`${machine.cpus} CPUs, load average ${machine.loadAverage1m}`);
writeFileSync(
  file,
  JSON.stringify({ at: new Date().toISOString(), node: process.version, machine, results }, null, 2) + '\n',
);
console.log(`written to ${file.pathname}`);
