// The consumer fault with a real crash: a child process that commits the effect and is SIGKILLed
// before XACK. Another consumer must claim the entry and the effect must exist once.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type Redis } from 'ioredis';
import { type Connection, Schema } from 'mongoose';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type IdempotentOutcome, createUncheckedEvent, idempotentConsumer } from '../src';
import { RedisStreamsBus } from '../src/redis';
import { type TestMongo, startTestMongo } from './helpers/mongo';
import { REDIS_URL, deleteKeys, requireRedis, uniquePrefix } from './helpers/redis';
import { waitFor } from './helpers/wait';

let mongo: TestMongo;
let redis: Redis;
const keyPrefix = uniquePrefix('crash');
beforeAll(async () => {
  redis = await requireRedis();
  mongo = await startTestMongo();
});
afterAll(async () => {
  await deleteKeys(redis, keyPrefix);
  await redis.quit();
  await mongo?.stop();
});

it('a consumer process SIGKILLed after its effect committed and before XACK: redelivered, effect once', async () => {
  const conn: Connection = await mongo.connect('consumer-crash');
  const Reservation = conn.model('Reservation', new Schema({ orderId: { type: String, required: true } }));
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL('./fixtures/doomed-consumer.ts', import.meta.url))],
    {
      env: { ...process.env, REDIS_URL, KEY_PREFIX: keyPrefix, MONGO_URI: mongo.uri, DB_NAME: conn.name },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('exit', (_code, signal) => resolve(signal)),
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
    child.on('exit', (code) => reject(new Error(`consumer process exited early (${code})`)));
  });

  const survivor = new RedisStreamsBus(REDIS_URL, {
    keyPrefix,
    consumerName: 'survivor',
    claimIdleMs: 500,
    blockMs: 200,
  });
  const event = createUncheckedEvent('order.placed', 'o1', {});
  await survivor.publish(event);
  expect(await exited).toBe('SIGKILL');
  expect(await Reservation.countDocuments()).toBe(1);
  const [pending, , , consumers] = (await redis.xpending(`${keyPrefix}:events:order`, 'inventory')) as [
    number,
    string,
    string,
    [string, string][],
  ];
  expect(pending).toBe(1);
  expect(consumers).toEqual([['doomed', '1']]);

  const effect = idempotentConsumer(conn, 'inventory', async (e, session) => {
    await Reservation.create([{ orderId: e.aggregateId }], { session });
  });
  const outcomes: IdempotentOutcome[] = [];
  survivor.subscribe({
    group: 'inventory',
    types: ['order.placed'],
    handler: async (e) => outcomes.push(await effect(e)),
  });
  await survivor.start();
  try {
    await waitFor(() => outcomes.length === 1, 'the claim of the dead consumer’s entry');
    await waitFor(
      async () =>
        Number(((await redis.xpending(`${keyPrefix}:events:order`, 'inventory')) as [number])[0]) === 0,
      'XACK',
    );
    expect(outcomes).toEqual(['duplicate']);
    expect(await Reservation.countDocuments()).toBe(1);
  } finally {
    await survivor.close();
  }
});
