import { once } from 'node:events';
import { Redis, type RedisOptions } from 'ioredis';
import { createLogger, type Logger } from './logger';
import { withTimeout } from './timeout';

/**
 * An ioredis client that reconnects forever with capped backoff and logs connection errors
 * under its name (one line per outage, not one per retry).
 */
export function createRedis(
  url: string,
  name: string,
  options: { logger?: Logger; redis?: RedisOptions } = {},
): Redis {
  const logger = options.logger ?? createLogger('redis');
  const client = new Redis(url, {
    connectionName: name,
    retryStrategy: (attempt) => Math.min(attempt * 200, 5_000),
    ...options.redis,
  });
  let failing = false;
  client.on('error', (err: Error) => {
    if (failing) return;
    failing = true;
    logger.error(
      { connection: name, err: { message: err.message, code: (err as NodeJS.ErrnoException).code } },
      `Redis connection "${name}" failed; reconnecting`,
    );
  });
  client.on('ready', () => {
    if (failing) logger.info({ connection: name }, `Redis connection "${name}" restored`);
    failing = false;
  });
  return client;
}

/** True when Redis answers PING within `timeoutMs`. */
export async function pingRedis(client: Redis, timeoutMs = 2_000): Promise<boolean> {
  if (client.status !== 'ready') return false;
  return withTimeout(
    client.ping().then((reply) => reply === 'PONG'),
    timeoutMs,
  );
}

/** QUIT, then wait until the socket is really closed (QUIT's reply comes before that). */
export async function closeRedis(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  const ended = once(client, 'end');
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
  await ended;
}
