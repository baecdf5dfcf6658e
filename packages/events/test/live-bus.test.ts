import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InProcessLiveBus, type LiveBus } from '../src';
import { RedisLiveBus } from '../src/redis';
import { REDIS_URL, requireRedis, uniquePrefix } from './helpers/redis';
import { waitFor } from './helpers/wait';

interface LiveEnv {
  bus: LiveBus;
  /** Subscribers Redis itself counts on a channel; null for the in-process bus. */
  upstreamSubscribers(channel: string): Promise<number | null>;
  dispose(): Promise<void>;
}

const liveKinds: { kind: string; create(): Promise<LiveEnv> }[] = [
  {
    kind: 'redis',
    async create() {
      const redis: Redis = await requireRedis();
      const keyPrefix = uniquePrefix('live');
      const bus = new RedisLiveBus(REDIS_URL, { keyPrefix });
      return {
        bus,
        async upstreamSubscribers(channel) {
          const [, count] = (await redis.pubsub('NUMSUB', `${keyPrefix}:live:${channel}`)) as [
            string,
            number,
          ];
          return Number(count);
        },
        async dispose() {
          await bus.close();
          await redis.quit();
        },
      };
    },
  },
  {
    kind: 'in-process',
    async create() {
      const bus = new InProcessLiveBus();
      return { bus, upstreamSubscribers: async () => null, dispose: () => bus.close() };
    },
  },
];

describe.each(liveKinds)('live bus over $kind', ({ create }) => {
  let env: LiveEnv;
  beforeEach(async () => {
    env = await create();
  });
  afterEach(async () => {
    await env.dispose();
  });

  it('delivers a message to every listener of its channel and to no other channel', async () => {
    const a: unknown[] = [];
    const b: unknown[] = [];
    const other: unknown[] = [];
    const subs = [
      env.bus.subscribe('order:1', (m) => a.push(m)),
      env.bus.subscribe('order:1', (m) => b.push(m)),
      env.bus.subscribe('order:2', (m) => other.push(m)),
    ];
    await Promise.all(subs.map((s) => s.ready));
    await env.bus.publish('order:1', { orderId: '1', status: 'PAID' });
    await waitFor(() => a.length === 1 && b.length === 1, 'both listeners');
    // Nothing strayed to order:2: a marker published there after the message arrives alone
    // (one bus delivers in publish order), so there is no waiting for something not to happen.
    await env.bus.publish('order:2', { marker: true });
    await waitFor(() => other.length > 0, 'the marker on order:2');
    expect(a).toEqual([{ orderId: '1', status: 'PAID' }]);
    expect(b).toEqual(a);
    expect(other).toEqual([{ marker: true }]);
    for (const unsubscribe of subs) unsubscribe();
  });

  it('counts channel subscriptions and releases a channel with its last listener', async () => {
    const first = env.bus.subscribe('order:9', () => {});
    const second = env.bus.subscribe('order:9', () => {});
    const payment = env.bus.subscribe('payment:9', () => {});
    await Promise.all([first.ready, second.ready, payment.ready]);
    expect(env.bus.activeChannelCount()).toBe(2);
    expect(await env.upstreamSubscribers('order:9')).toBe(env.bus instanceof RedisLiveBus ? 1 : null);

    first();
    first(); // a second call must not release the other listener's reference
    expect(env.bus.activeChannelCount()).toBe(2);
    const seen: unknown[] = [];
    const third = env.bus.subscribe('order:9', (m) => seen.push(m));
    await third.ready;
    second();
    await env.bus.publish('order:9', { n: 1 });
    await waitFor(() => seen.length === 1, 'the remaining listener');

    third();
    payment();
    expect(env.bus.activeChannelCount()).toBe(0);
    if (env.bus instanceof RedisLiveBus) {
      await waitFor(async () => (await env.upstreamSubscribers('order:9')) === 0, 'UNSUBSCRIBE of order:9');
      await waitFor(
        async () => (await env.upstreamSubscribers('payment:9')) === 0,
        'UNSUBSCRIBE of payment:9',
      );
    }
  });

  it('does not leak subscriptions across many short-lived listeners', async () => {
    for (let i = 0; i < 200; i++) {
      const unsubscribe = env.bus.subscribe(`user-orders:${i % 7}`, () => {});
      if (i % 3 === 0) await unsubscribe.ready;
      unsubscribe();
    }
    expect(env.bus.activeChannelCount()).toBe(0);
    if (env.bus instanceof RedisLiveBus) {
      for (let c = 0; c < 7; c++) {
        await waitFor(
          async () => (await env.upstreamSubscribers(`user-orders:${c}`)) === 0,
          `release of user-orders:${c}`,
        );
      }
    }
  });

  it('keeps delivering to other listeners when one throws', async () => {
    const seen: unknown[] = [];
    const bad = env.bus.subscribe('order:3', () => {
      throw new Error('listener bug');
    });
    const good = env.bus.subscribe('order:3', (m) => seen.push(m));
    await Promise.all([bad.ready, good.ready]);
    await env.bus.publish('order:3', { ok: true });
    await waitFor(() => seen.length === 1, 'the good listener');
    bad();
    good();
  });
});

describe('live bus over an unreachable Redis', () => {
  it("fails a listener's ready when the SUBSCRIBE fails, and subscribes afresh for the next listener", async () => {
    let subscribes = 0;
    const bus = new RedisLiveBus(() => {
      const conn = new Redis({
        port: 1,
        lazyConnect: true,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      const subscribe = conn.subscribe.bind(conn);
      conn.subscribe = ((...args: Parameters<typeof subscribe>) => {
        subscribes += 1;
        return subscribe(...args);
      }) as typeof conn.subscribe;
      return conn;
    });
    try {
      const first = bus.subscribe('order:9', () => undefined);
      await expect(first.ready).rejects.toThrow();
      first();
      const second = bus.subscribe('order:9', () => undefined);
      await expect(second.ready).rejects.toThrow();
      second();
      expect(subscribes).toBe(2);
      expect(bus.activeChannelCount()).toBe(0);
    } finally {
      await bus.close();
    }
  });
});
