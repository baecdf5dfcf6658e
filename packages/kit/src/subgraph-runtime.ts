import { InProcessBus, InProcessLiveBus, type EventBus, type LiveBus } from '@novamart/events';
import { RedisLiveBus, RedisStreamsBus } from '@novamart/events/redis';
import type { Redis } from 'ioredis';
import type { Connection } from 'mongoose';
import type { Registry } from 'prom-client';
import { ConfigError, loadConfig, type BaseConfig } from './config';
import { createLogger, type Logger } from './logger';
import { useInternalApiToken } from './internal-calls';
import { createMetricsRegistry } from './metrics';
import { connectMongo } from './mongo';
import { closeRedis, createRedis } from './redis';
import type { SubgraphModule, SubgraphRuntime } from './subgraph-types';
import { tracingEnabled } from './telemetry';

/** Pieces a caller already holds; whatever is missing is created (and then owned) here. */
export interface SubgraphRuntimeOptions<C = unknown> {
  config?: BaseConfig & C;
  logger?: Logger;
  mongo?: Connection;
  /** Default: `novamart_<name>` on MONGO_URL. */
  dbName?: string;
  /** The all-in-one process passes one in-process bus and live bus shared by every subgraph. */
  bus?: EventBus;
  live?: LiveBus;
  redis?: Redis | null;
  metrics?: Registry;
  /**
   * Collect Node process metrics in the registry made here. Default true; an all-in-one process
   * turns it on for one subgraph only, since the process is the same for all.
   */
  processMetrics?: boolean;
}

export interface OwnedSubgraphRuntime<C = unknown> {
  runtime: SubgraphRuntime<C>;
  /** Closes what this call created (buses, then connections), never what was passed in. */
  close(): Promise<void>;
}

export function databaseNameFor(subgraph: string): string {
  return `novamart_${subgraph}`;
}

/**
 * Assembles a runtime for a module: configuration (base plus the module's shape), logger,
 * metrics, its own MongoDB database, and the buses: over Redis when REDIS_URL is set,
 * in-process otherwise.
 */
export async function createSubgraphRuntime<C>(
  module: SubgraphModule<C>,
  options: SubgraphRuntimeOptions<C> = {},
): Promise<OwnedSubgraphRuntime<C>> {
  const config = options.config ?? (loadConfig(module.configShape) as BaseConfig & C);
  const logger = options.logger ?? createLogger(module.name, { level: config.LOG_LEVEL });
  const metrics =
    options.metrics ?? createMetricsRegistry(module.name, { processMetrics: options.processMetrics ?? true });
  const closers: (() => Promise<unknown>)[] = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) {
      await close().catch((err: unknown) => logger.error({ err }, 'error while closing the runtime'));
    }
  };

  try {
    const mongo =
      options.mongo ??
      (await connectMongo({
        url: config.MONGO_URL,
        dbName: options.dbName ?? databaseNameFor(module.name),
        // Production has neither /debug/commands nor, unless tracing is on, command spans.
        monitorCommands: config.NODE_ENV !== 'production' || tracingEnabled(),
      }));
    if (!options.mongo) closers.push(() => mongo.close());

    let redis = options.redis;
    if (redis === undefined) {
      redis = config.REDIS_URL ? createRedis(config.REDIS_URL, `${module.name}-main`, { logger }) : null;
      const created = redis;
      if (created) closers.push(() => closeRedis(created));
    }

    const redisUrl = config.REDIS_URL;
    useInternalApiToken(config.INTERNAL_API_TOKEN);
    // Whoever reaches Redis must not be able to publish a forged payment.succeeded.
    if (redisUrl && !options.bus && !config.EVENTS_SIGNING_KEY && config.NODE_ENV === 'production') {
      throw new ConfigError([
        { variable: 'EVENTS_SIGNING_KEY', message: 'required in production when REDIS_URL is set' },
      ]);
    }
    const bus =
      options.bus ??
      (redisUrl
        ? new RedisStreamsBus(
            () =>
              createRedis(redisUrl, `${module.name}-events`, {
                logger,
                redis: { maxRetriesPerRequest: null },
              }),
            {
              logger,
              metrics,
              signingKey: config.EVENTS_SIGNING_KEY,
              keyPrefix: config.REDIS_KEY_PREFIX,
              claimIdleMs: config.EVENTS_CLAIM_IDLE_MS,
            },
          )
        : new InProcessBus({ logger, metrics }));
    if (!options.bus) closers.push(() => bus.close());
    const live =
      options.live ??
      (redisUrl
        ? new RedisLiveBus(
            () =>
              createRedis(redisUrl, `${module.name}-live`, { logger, redis: { maxRetriesPerRequest: null } }),
            { logger, keyPrefix: config.REDIS_KEY_PREFIX },
          )
        : new InProcessLiveBus({ logger }));
    if (!options.live) closers.push(() => live.close());

    return {
      runtime: { name: module.name, config, logger, mongo, bus, live, redis, metrics },
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
