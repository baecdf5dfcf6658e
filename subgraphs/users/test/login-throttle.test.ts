import { requireRedis, uniqueKeyPrefix } from '@novamart/kit/testing';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MemoryAttemptCounters,
  RedisAttemptCounters,
  type AttemptCounters,
} from '../src/services/attempt-counters';
import { LoginThrottle } from '../src/services/login-throttle';

const WINDOW_MS = 15 * 60_000;
const limits = { perAccount: 5, perAddress: 20, windowMs: WINDOW_MS };

async function failures(
  throttle: LoginThrottle,
  email: string,
  address: string | null,
  count: number,
): Promise<void> {
  for (let i = 0; i < count; i++) await throttle.begin(email, address); // never settled: a failure
}

function rejectionOf(promise: Promise<unknown>): Promise<{ code: unknown; retryAfterSeconds: unknown }> {
  return promise.then(
    () => ({ code: 'none', retryAfterSeconds: undefined }),
    (error: { extensions?: Record<string, unknown> }) => ({
      code: error.extensions?.code,
      retryAfterSeconds: error.extensions?.retryAfterSeconds,
    }),
  );
}

function throttleContract(name: string, makeCounters: () => AttemptCounters) {
  describe(`LoginThrottle on ${name}`, () => {
    it('delays the 6th attempt on one account from one address with RATE_LIMITED and the seconds to wait', async () => {
      const throttle = new LoginThrottle(makeCounters(), limits);
      await failures(throttle, 'ada@example.com', '10.0.0.1', 5);
      const refused = await rejectionOf(throttle.begin('ada@example.com', '10.0.0.1'));
      expect(refused.code).toBe('RATE_LIMITED');
      expect(refused.retryAfterSeconds).toBe(1);
      // The owner from another address is not locked out, and neither is another account.
      await expect(throttle.begin('ada@example.com', '10.0.0.2')).resolves.toBeDefined();
      await expect(throttle.begin('grace@example.com', '10.0.0.1')).resolves.toBeDefined();
    });

    it('delays the 21st failure from one address across accounts', async () => {
      const throttle = new LoginThrottle(makeCounters(), limits);
      for (let i = 0; i < 20; i++) await throttle.begin(`user${i}@example.com`, '10.0.0.9');
      expect((await rejectionOf(throttle.begin('fresh@example.com', '10.0.0.9'))).code).toBe('RATE_LIMITED');
      await expect(throttle.begin('fresh@example.com', '10.0.0.10')).resolves.toBeDefined();
    });

    it('does not count successful logins, and a success clears the pair count', async () => {
      const throttle = new LoginThrottle(makeCounters(), limits);
      await failures(throttle, 'ada@example.com', '10.0.0.1', 4);
      await (await throttle.begin('ada@example.com', '10.0.0.1')).succeeded();
      await failures(throttle, 'ada@example.com', '10.0.0.1', 5);
      expect((await rejectionOf(throttle.begin('ada@example.com', '10.0.0.1'))).code).toBe('RATE_LIMITED');
    });

    it('lets at most the free attempts through when attempts race', async () => {
      const throttle = new LoginThrottle(makeCounters(), limits);
      const outcomes = await Promise.all(
        Array.from({ length: 12 }, () => rejectionOf(throttle.begin('race@example.com', null))),
      );
      expect(outcomes.filter((o) => o.code === 'none')).toHaveLength(5);
      expect(outcomes.filter((o) => o.code === 'RATE_LIMITED')).toHaveLength(7);
    });
  });
}

throttleContract('memory', () => new MemoryAttemptCounters());

let redis: Redis;
const prefixes: string[] = [];
beforeAll(async () => {
  redis = await requireRedis();
});
afterAll(async () => {
  for (const prefix of prefixes) {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
  }
  await redis.quit();
});

function redisCounters(): RedisAttemptCounters {
  const prefix = `${uniqueKeyPrefix('users-throttle')}:`;
  prefixes.push(prefix);
  return new RedisAttemptCounters(redis, prefix);
}

throttleContract('Redis', redisCounters);

describe('exponential delay (memory clock)', () => {
  it('doubles the delay with every further failure and forgets the count after the window', async () => {
    let now = 1_000_000;
    const throttle = new LoginThrottle(new MemoryAttemptCounters(() => now), limits);
    await failures(throttle, 'ada@example.com', '10.0.0.1', 5);
    const waits: unknown[] = [];
    for (let i = 0; i < 4; i++) {
      const refused = await rejectionOf(throttle.begin('ada@example.com', '10.0.0.1'));
      waits.push(refused.retryAfterSeconds);
      now += (refused.retryAfterSeconds as number) * 1000;
      await throttle.begin('ada@example.com', '10.0.0.1'); // admitted once the delay passed, and fails
    }
    expect(waits).toEqual([1, 2, 4, 8]);
    now += WINDOW_MS;
    await expect(throttle.begin('ada@example.com', '10.0.0.1')).resolves.toBeDefined();
  });
});

describe('RedisAttemptCounters', () => {
  it('shares counts between instances and expires the window in Redis', async () => {
    const prefix = `${uniqueKeyPrefix('users-throttle')}:`;
    prefixes.push(prefix);
    const one = new LoginThrottle(new RedisAttemptCounters(redis, prefix), limits);
    const two = new LoginThrottle(new RedisAttemptCounters(redis, prefix), limits);
    await failures(one, 'ada@example.com', null, 3);
    await failures(two, 'ada@example.com', null, 2);
    expect((await rejectionOf(one.begin('ada@example.com', null))).code).toBe('RATE_LIMITED');
    const keys = await redis.keys(`${prefix}pair:*`);
    expect(keys).toHaveLength(1);
    // The key names a hash of the email, never the address itself.
    expect(keys[0]).not.toContain('ada');
    const ttl = await redis.pttl(keys[0]!);
    expect(ttl).toBeGreaterThan(WINDOW_MS - 60_000);
    expect(ttl).toBeLessThanOrEqual(WINDOW_MS);
  });

  it('never leaves a negative count behind', async () => {
    const counters = redisCounters();
    await counters.undo('nothing');
    expect(await counters.hit('nothing', WINDOW_MS)).toMatchObject({ count: 1 });
  });
});
