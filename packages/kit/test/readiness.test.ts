import { startEmbeddedMongo } from '@novamart/mongo-server';
import { InProcessBus, InProcessLiveBus } from '@novamart/events';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import {
  connectMongo,
  createMetricsRegistry,
  createRedis,
  loadConfig,
  startSubgraph,
  type RunningSubgraph,
  type SubgraphRuntime,
} from '../src/index';
import { requireRedis, testRedisUrl, uniqueDbName } from '../src/testing/index';
import { captureLogs } from './helpers';
import { probeSubgraph } from './probe/probe-module';

describe('readiness', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  });

  async function serve(runtimeParts: Pick<SubgraphRuntime, 'mongo' | 'redis'>): Promise<RunningSubgraph> {
    const runtime: SubgraphRuntime = {
      name: 'probe',
      config: loadConfig(undefined, { NODE_ENV: 'test' }),
      logger: captureLogs('probe').logger,
      bus: new InProcessBus(),
      live: new InProcessLiveBus(),
      metrics: createMetricsRegistry('probe'),
      ...runtimeParts,
    };
    const running = await startSubgraph(probeSubgraph, runtime, { port: 0, host: '127.0.0.1' });
    cleanups.push(
      () => running.stop(),
      () => runtime.bus.close(),
      () => runtime.live.close(),
    );
    return running;
  }

  const readiness = async (running: RunningSubgraph) => {
    const response = await fetch(running.url.replace('/graphql', '/health/ready'));
    return { status: response.status, body: (await response.json()) as unknown };
  };

  it('fails with 503 once MongoDB is stopped, while liveness still answers', async () => {
    const server = await startEmbeddedMongo({ port: 0, inMemory: true });
    cleanups.push(() => server.stop());
    const mongo = await connectMongo({
      url: server.uri,
      dbName: uniqueDbName('kit_ready'),
      options: { serverSelectionTimeoutMS: 1_000 },
    });
    cleanups.push(() => mongo.close(true));
    const running = await serve({ mongo, redis: null });

    expect(await readiness(running)).toEqual({
      status: 200,
      body: { status: 'ready', checks: { mongo: 'up' } },
    });
    await server.stop();
    const started = Date.now();
    expect(await readiness(running)).toEqual({
      status: 503,
      body: { status: 'unavailable', checks: { mongo: 'down' } },
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect((await fetch(running.url.replace('/graphql', '/health/live'))).status).toBe(200);
  });

  it('checks Redis when the runtime has one', async () => {
    const probe = await requireRedis();
    await probe.quit();
    const server = await startEmbeddedMongo({ port: 0, inMemory: true });
    cleanups.push(() => server.stop());
    const mongo = await connectMongo({ url: server.uri, dbName: uniqueDbName('kit_ready') });
    cleanups.push(() => mongo.close(true));

    const redis = createRedis(testRedisUrl(), 'kit-readiness', { logger: captureLogs('redis').logger });
    cleanups.push(() => redis.quit());
    await new Promise((resolve) => redis.once('ready', resolve));
    expect(await readiness(await serve({ mongo, redis }))).toEqual({
      status: 200,
      body: { status: 'ready', checks: { mongo: 'up', redis: 'up' } },
    });

    // Nothing listens on port 1: the client never becomes ready.
    const deadRedis = new Redis('redis://127.0.0.1:1', { lazyConnect: true, retryStrategy: () => null });
    deadRedis.on('error', () => undefined);
    await deadRedis.connect().catch(() => undefined);
    cleanups.push(async () => deadRedis.disconnect());
    expect(await readiness(await serve({ mongo, redis: deadRedis }))).toEqual({
      status: 503,
      body: { status: 'unavailable', checks: { mongo: 'up', redis: 'down' } },
    });
  });
});
