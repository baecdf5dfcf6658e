import { Redis } from 'ioredis';
import { silentLogger } from './logger';
import { RedisStreamTransport } from './redis-stream-transport';
import { StreamBus, type StreamBusOptions } from './stream-bus';

export interface RedisStreamsBusOptions extends StreamBusOptions {
  /** Approximate cap of each stream (XADD MAXLEN ~). Default 1,000,000. */
  maxStreamLength?: number;
}

/**
 * Domain events over Redis Streams: one stream per event domain, one consumer group per consuming
 * subgraph. The bus opens its own connections (one for commands, one blocking reader per group)
 * from the URL or factory and closes them in `close()`.
 *
 * New groups start at the beginning of the retained stream (`groupStart: 'beginning'`): a subgraph
 * deployed after others have published still sees those events; handlers are idempotent, so replay
 * costs time, not correctness. Set `groupStart: 'new'` for a consumer that must only see the future.
 */
export class RedisStreamsBus extends StreamBus {
  constructor(redis: string | (() => Redis), options: RedisStreamsBusOptions = {}) {
    const logger = options.logger ?? silentLogger;
    const connect = typeof redis === 'string' ? () => new Redis(redis) : redis;
    super(new RedisStreamTransport(connect, logger, options.maxStreamLength ?? 1_000_000), options);
  }
}
