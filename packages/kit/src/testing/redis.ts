import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/** Where tests look for Redis: REDIS_URL, or the local default. */
export function testRedisUrl(): string {
  return process.env.REDIS_URL || 'redis://127.0.0.1:6379';
}

/**
 * A connected Redis client for a test, or an error that says what is missing and how to fix it.
 * Tests that need Redis fail loudly instead of skipping. The caller quits the client.
 */
export async function requireRedis(): Promise<Redis> {
  const url = testRedisUrl();
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 2_000,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
  });
  client.on('error', () => {
    // The failure surfaces through connect() below.
  });
  try {
    await client.connect();
    await client.ping();
    return client;
  } catch (error) {
    client.disconnect();
    throw new Error(
      `Redis is required for this test but nothing answered at ${url} (set REDIS_URL to look elsewhere). ` +
        'Start it with `redis-server --daemonize yes`, or install it first with `apt-get install redis-server`. ' +
        `Cause: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/** A key prefix no other test run uses, e.g. `test:cart:3f9a1c0b`. */
export function uniqueKeyPrefix(label: string): string {
  return `test:${label}:${randomBytes(4).toString('hex')}`;
}
