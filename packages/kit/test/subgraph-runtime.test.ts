import { InProcessBus, InProcessLiveBus, createEvent } from '@novamart/events';
import { RedisLiveBus, RedisStreamsBus } from '@novamart/events/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSubgraphRuntime, loadConfig } from '../src/index';
import { requireRedis, startEmbeddedMongoForTests, testRedisUrl, type TestMongo } from '../src/testing/index';
import { captureLogs } from './helpers';
import { probeSubgraph } from './probe/probe-module';

describe('createSubgraphRuntime', () => {
  let mongoServer: TestMongo;
  beforeAll(async () => {
    mongoServer = await startEmbeddedMongoForTests();
  });
  afterAll(() => mongoServer?.stop());

  it('without REDIS_URL: its own database and in-process buses, all closed by close()', async () => {
    const { runtime, close } = await createSubgraphRuntime(probeSubgraph, {
      config: loadConfig(undefined, { MONGO_URL: mongoServer.uri }),
      logger: captureLogs('probe').logger,
    });
    expect(runtime.name).toBe('probe');
    expect(runtime.mongo.name).toBe('novamart_probe');
    expect(runtime.mongo.readyState).toBe(1);
    expect(runtime.bus).toBeInstanceOf(InProcessBus);
    expect(runtime.live).toBeInstanceOf(InProcessLiveBus);
    expect(runtime.redis).toBeNull();
    expect(await runtime.metrics.getSingleMetric('process_cpu_user_seconds_total')?.get()).toBeDefined();

    await close();
    expect(runtime.mongo.readyState).toBe(0);
    await expect(runtime.bus.publish(createEvent('probe.closed', 'p1', {}))).rejects.toThrow(/closed/);
  });

  it('monitors MongoDB commands outside production only (nothing reads them there without tracing)', async () => {
    const monitored = async (env: Record<string, string>) => {
      const { runtime, close } = await createSubgraphRuntime(probeSubgraph, {
        config: loadConfig(undefined, { MONGO_URL: mongoServer.uri, ...env }),
        logger: captureLogs('probe').logger,
        processMetrics: false,
      });
      try {
        return runtime.mongo.getClient().options.monitorCommands;
      } finally {
        await close();
      }
    };
    expect(await monitored({})).toBe(true);
    expect(await monitored({ NODE_ENV: 'test' })).toBe(true);
    expect(await monitored({ NODE_ENV: 'production' })).toBe(false);
  });

  it('with REDIS_URL: Redis buses and a named client', async () => {
    (await requireRedis()).disconnect();
    const { runtime, close } = await createSubgraphRuntime(probeSubgraph, {
      config: loadConfig(undefined, { MONGO_URL: mongoServer.uri, REDIS_URL: testRedisUrl() }),
      logger: captureLogs('probe').logger,
      processMetrics: false,
    });
    try {
      expect(runtime.bus).toBeInstanceOf(RedisStreamsBus);
      expect(runtime.live).toBeInstanceOf(RedisLiveBus);
      expect(await runtime.redis?.ping()).toBe('PONG');
      expect(await runtime.redis?.client('GETNAME')).toBe('probe-main');
      expect(runtime.metrics.getSingleMetric('process_cpu_user_seconds_total')).toBeUndefined();
    } finally {
      await close();
    }
    expect(runtime.redis?.status).toBe('end');
  });

  it('leaves what it was given open', async () => {
    const bus = new InProcessBus();
    const live = new InProcessLiveBus();
    const { runtime, close } = await createSubgraphRuntime(probeSubgraph, {
      config: loadConfig(undefined, { MONGO_URL: mongoServer.uri }),
      logger: captureLogs('probe').logger,
      bus,
      live,
      dbName: 'novamart_probe_shared',
    });
    expect(runtime.bus).toBe(bus);
    expect(runtime.mongo.name).toBe('novamart_probe_shared');
    await close();
    await expect(bus.publish(createEvent('probe.still_open', 'p1', {}))).resolves.toBeUndefined();
    await bus.close();
    await live.close();
  });
});
