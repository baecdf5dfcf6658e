import { afterAll, describe, expect, it } from 'vitest';
import { createRedis, pingRedis } from '../src/index';
import { eventually, requireRedis, testRedisUrl, uniqueKeyPrefix } from '../src/testing/index';
import { captureLogs } from './helpers';

describe('createRedis', () => {
  const clients: { disconnect(): void }[] = [];
  afterAll(() => clients.forEach((c) => c.disconnect()));

  it('connects with its name and answers pings', async () => {
    (await requireRedis()).disconnect();
    const client = createRedis(testRedisUrl(), 'kit-test-conn', { logger: captureLogs('redis').logger });
    clients.push(client);
    await new Promise((resolve) => client.once('ready', resolve));
    expect(await pingRedis(client)).toBe(true);
    const key = `${uniqueKeyPrefix('kit')}:k`;
    await client.set(key, 'v', 'EX', 10);
    expect(await client.get(key)).toBe('v');
    expect(await client.client('GETNAME')).toBe('kit-test-conn');
  });

  it('logs an outage once, under the connection name, while it keeps retrying', async () => {
    const { logger, lines } = captureLogs('redis');
    const client = createRedis('redis://127.0.0.1:1', 'kit-dead-conn', {
      logger,
      redis: { retryStrategy: () => 50 },
    });
    clients.push(client);
    // Several failed attempts, however long they take on this machine, not a guessed time.
    let attempts = 0;
    client.on('reconnecting', () => attempts++);
    await eventually(() => attempts >= 4, 'four reconnection attempts');
    const errors = lines.filter((l) => l.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      connection: 'kit-dead-conn',
      msg: 'Redis connection "kit-dead-conn" failed; reconnecting',
    });
    expect(errors[0]?.err?.code).toBe('ECONNREFUSED');
    expect(await pingRedis(client, 200)).toBe(false);
  });
});

describe('requireRedis', () => {
  it('says Redis is required, where it looked and how to start it', async () => {
    const saved = process.env.REDIS_URL;
    process.env.REDIS_URL = 'redis://127.0.0.1:1';
    try {
      const error = await requireRedis().then(
        () => null,
        (e: unknown) => e as Error,
      );
      expect(error?.message).toContain('Redis is required');
      expect(error?.message).toContain('redis://127.0.0.1:1');
      expect(error?.message).toContain('redis-server --daemonize yes');
      expect(error?.message).toContain('apt-get install redis-server');
    } finally {
      if (saved === undefined) delete process.env.REDIS_URL;
      else process.env.REDIS_URL = saved;
    }
  });
});
