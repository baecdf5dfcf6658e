import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { InProcessBus, createUncheckedEvent, serializeEvent, signEvent, type DomainEvent } from '../src';
import { RedisStreamsBus } from '../src/redis';
import { REDIS_URL, requireRedis, uniquePrefix } from './helpers/redis';
import { waitFor } from './helpers/wait';

/**
 * EVENTS_SIGNING_KEY: whoever can write to Redis must not be able to publish an event a consumer
 * acts on (a forged payment.succeeded would mark an order PAID).
 */
describe('signed events on Redis Streams', () => {
  let redis: Redis;
  const prefixes: string[] = [];
  beforeAll(async () => {
    redis = await requireRedis();
  });
  afterAll(async () => {
    for (const prefix of prefixes) {
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length) await redis.del(...keys);
    }
    await redis.quit();
  });

  it('handles signed events and dead-letters unsigned and forged ones', async () => {
    const keyPrefix = uniquePrefix('signing');
    prefixes.push(keyPrefix);
    const options = { keyPrefix, signingKey: 'test-signing-key-0123456789', blockMs: 100 };
    const publisher = new RedisStreamsBus(REDIS_URL, options);
    const consumer = new RedisStreamsBus(REDIS_URL, options);
    const handled: DomainEvent[] = [];
    consumer.subscribe({ group: 'orders', types: ['payment.*'], handler: async (e) => void handled.push(e) });
    await consumer.start();
    try {
      const genuine = createUncheckedEvent('payment.succeeded', 'o1', { orderId: 'o1', amount: 100 });
      await publisher.publish(genuine);
      const stream = `${keyPrefix}:events:payment`;
      const entry = await redis.xrevrange(stream, '+', '-', 'COUNT', 1);
      expect(Object.fromEntries(chunk(entry[0]![1]))).toHaveProperty('sig');

      const unsigned = createUncheckedEvent('payment.succeeded', 'o2', { orderId: 'o2', amount: 100 });
      await redis.xadd(
        stream,
        '*',
        'id',
        unsigned.id,
        'type',
        unsigned.type,
        'event',
        serializeEvent(unsigned),
      );
      const forged = createUncheckedEvent('payment.succeeded', 'o3', { orderId: 'o3', amount: 100 });
      await redis.xadd(
        stream,
        '*',
        'id',
        forged.id,
        'type',
        forged.type,
        'event',
        serializeEvent(forged),
        'sig',
        signEvent(serializeEvent(forged), 'a-guessed-key-that-is-wrong'),
      );
      await waitFor(async () => (await consumer.deadLetters('orders')).length === 2, 'two dead letters');
      expect(handled.map((e) => e.id)).toEqual([genuine.id]);
      const dead = await consumer.deadLetters('orders');
      expect(dead.map((d) => d.event.id)).toEqual([unsigned.id, forged.id]);
      for (const letter of dead) expect(letter.error).toContain('signature');
    } finally {
      await consumer.close();
      await publisher.close();
    }
  });

  it('leaves the in-process bus as it was: no signing involved', async () => {
    const bus = new InProcessBus();
    const seen: string[] = [];
    bus.subscribe({ group: 'g', types: ['order.*'], handler: async (e) => void seen.push(e.id) });
    await bus.start();
    const event = createUncheckedEvent('order.placed', 'o1', {});
    await bus.publish(event);
    await waitFor(() => seen.length === 1, 'the event');
    await bus.close();
  });
});

function chunk(flat: string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i]!, flat[i + 1]!]);
  return out;
}
