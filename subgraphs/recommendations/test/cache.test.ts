import { randomUUID } from 'node:crypto';
import { createLogger } from '@novamart/kit';
import { requireRedis, uniqueKeyPrefix } from '@novamart/kit/testing';
import { type Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryRecoCache, RedisRecoCache, type RecoCache } from '../src/cache/reco-cache';
import {
  customer,
  RECOMMENDATIONS,
  RECORD,
  startRecommendations,
  type RecommendationsHarness,
} from './support/harness';

let redis: Redis;
let prefix: string;
beforeAll(async () => {
  redis = await requireRedis();
  prefix = uniqueKeyPrefix('reco');
});
afterAll(async () => {
  if (redis) {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  }
});

function behavesLikeACache(make: () => { cache: RecoCache; expire: (key: string) => Promise<void> }) {
  it('stores lists until their TTL and counts generations per scope', async () => {
    const { cache, expire } = make();
    const scope = `user:${randomUUID()}`;
    expect(await cache.generations([scope, 'catalog-x'])).toEqual([0, 0]);
    await cache.bump([scope]);
    await cache.bump([scope]);
    expect(await cache.generations([scope, 'catalog-x'])).toEqual([2, 0]);

    const key = `list:${randomUUID()}`;
    expect(await cache.getMany([key])).toEqual([null]);
    await cache.set(key, [{ productId: 'p', score: 0.5, reason: 'popular' }], 60);
    expect(await cache.getMany([key, 'absent'])).toEqual([
      [{ productId: 'p', score: 0.5, reason: 'popular' }],
      null,
    ]);
    await expire(key);
    expect(await cache.getMany([key])).toEqual([null]);
  });
}

describe('RedisRecoCache', () => {
  behavesLikeACache(() => ({
    cache: new RedisRecoCache(redis, { keyPrefix: prefix }),
    expire: async (key) => {
      const ttl = await redis.ttl(`${prefix}:reco:list:${key}`);
      expect(ttl).toBeGreaterThan(50);
      expect(ttl).toBeLessThanOrEqual(60);
      await redis.pexpire(`${prefix}:reco:list:${key}`, 1);
      await new Promise((r) => setTimeout(r, 20));
    },
  }));

  it('degrades to no cache (never to stale data) when Redis is unreachable', async () => {
    const down = (await import('ioredis')).Redis;
    const client = new down('redis://127.0.0.1:1', {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      enableOfflineQueue: false,
    });
    client.on('error', () => undefined);
    const cache = new RedisRecoCache(client, {
      keyPrefix: prefix,
      logger: createLogger('test', { level: 'silent' }),
    });
    expect(await cache.generations(['catalog'])).toEqual([-1]);
    expect(await cache.getMany(['k'])).toEqual([null]);
    await cache.set('k', [], 10);
    await cache.bump(['catalog']);
    client.disconnect();
  });
});

describe('MemoryRecoCache', () => {
  let now = 1_000_000;
  behavesLikeACache(() => ({
    cache: new MemoryRecoCache({ now: () => now }),
    expire: async () => {
      now += 60_000;
    },
  }));

  it('keeps at most maxEntries lists, dropping the oldest', async () => {
    const cache = new MemoryRecoCache({ maxEntries: 2 });
    await cache.set('a', 1, 60);
    await cache.set('b', 2, 60);
    await cache.set('c', 3, 60);
    expect(await cache.getMany(['a', 'b', 'c'])).toEqual([null, 2, 3]);
  });
});

describe('the subgraph on Redis', () => {
  let h: RecommendationsHarness;
  beforeAll(async () => {
    h = await startRecommendations({ cache: new RedisRecoCache(redis, { keyPrefix: prefix }) });
  });
  afterAll(() => h?.stop());

  it('serves cached lists from Redis and drops a user list when that user interacts', async () => {
    const [boots, laces, polish] = [
      await h.product('Boots'),
      await h.product('Laces'),
      await h.product('Polish'),
    ];
    await h.deliver(h.paid(null, [boots, laces]));
    await h.deliver(h.paid(null, [laces, polish]));
    const me = customer();
    const record = async (productId: string, type: string) =>
      expect(
        (await h.graphql(RECORD, { input: { productId, type, idempotencyKey: randomUUID() } }, me)).data
          ?.recordInteraction,
      ).toBe(true);
    await record(boots, 'VIEW');

    const cold = await h.graphql(RECOMMENDATIONS, { first: 5 }, me);
    expect(cold.data.recommendations[0]).toMatchObject({
      product: { id: laces },
      reason: 'bought together with Boots',
    });
    expect(cold.commands().total).toBeGreaterThan(0);
    const userKeys = await redis.keys(`${prefix}:reco:list:user:${me.id}:*`);
    expect(userKeys).toHaveLength(1);

    const warm = await h.graphql(RECOMMENDATIONS, { first: 5 }, me);
    expect(warm.data).toEqual(cold.data);
    expect(warm.commands().total).toBe(0);

    await record(laces, 'PURCHASE');
    const fresh = await h.graphql(RECOMMENDATIONS, { first: 5 }, me);
    expect(fresh.commands().total).toBeGreaterThan(0);
    const ids = fresh.data.recommendations.map((r: any) => r.product.id);
    expect(ids).not.toContain(laces);
    expect(fresh.data.recommendations.find((r: any) => r.product.id === polish)?.reason).toBe(
      'bought together with Laces',
    );
    expect(await redis.get(`${prefix}:reco:gen:user:${me.id}`)).toBe('2');
  });
});
