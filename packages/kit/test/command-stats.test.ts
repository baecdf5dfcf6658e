import { InProcessBus, InProcessLiveBus } from '@novamart/events';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CommandStats,
  commandStats,
  connectMongo,
  createMetricsRegistry,
  loadConfig,
  startSubgraph,
  type RunningSubgraph,
  type SubgraphRuntime,
} from '../src/index';
import { startEmbeddedMongoForTests, uniqueDbName, type TestMongo } from '../src/testing/index';
import { captureLogs, gql } from './helpers';
import { probeSubgraph } from './probe/probe-module';

describe('CommandStats', () => {
  it('counts per request, per command and per database', () => {
    const stats = new CommandStats();
    stats.record('r1', 'novamart_a', 'find');
    stats.record('r1', 'novamart_a', 'find');
    stats.record('r1', 'novamart_b', 'insert');
    stats.record('r2', 'novamart_a', 'find');
    expect(stats.forRequest('r1')).toEqual({
      total: 3,
      byCommand: { find: 2, insert: 1 },
      byDatabase: { novamart_a: 2, novamart_b: 1 },
    });
    expect(stats.forRequest('r1', { database: 'novamart_b' })).toEqual({
      total: 1,
      byCommand: { insert: 1 },
      byDatabase: { novamart_b: 1 },
    });
    expect(stats.forRequest('unknown')).toEqual({ total: 0, byCommand: {}, byDatabase: {} });
  });
});

describe('command attribution under concurrent requests', () => {
  let mongoServer: TestMongo;
  let mongo: Connection;
  let runtime: SubgraphRuntime;
  let running: RunningSubgraph;

  beforeAll(async () => {
    mongoServer = await startEmbeddedMongoForTests();
    // A pool smaller than the number of concurrent requests: operations wait for connections
    // released by other requests, the case where attribution could go wrong.
    mongo = await connectMongo({
      url: mongoServer.uri,
      dbName: uniqueDbName('kit_cmds'),
      options: { maxPoolSize: 2 },
    });
    runtime = {
      name: 'probe',
      config: loadConfig(undefined, { NODE_ENV: 'test' }),
      logger: captureLogs('probe').logger,
      mongo,
      bus: new InProcessBus(),
      live: new InProcessLiveBus(),
      redis: null,
      metrics: createMetricsRegistry('probe'),
    };
    running = await startSubgraph(probeSubgraph, runtime, { port: 0, host: '127.0.0.1' });
  });

  afterAll(async () => {
    await running?.stop();
    await runtime?.bus.close();
    await runtime?.live.close();
    await mongo?.close();
    await mongoServer?.stop();
  });

  it('gives each request exactly its own commands', async () => {
    const runId = Date.now().toString(36);
    const requests = Array.from({ length: 16 }, (_, i) => ({
      requestId: `conc-${runId}-${i}`,
      times: (i % 7) + 1,
    }));
    const results = await Promise.all(
      requests.map(({ requestId, times }) =>
        gql(running.url, `{ touch(times: ${times}) }`, { headers: { 'x-request-id': requestId } }),
      ),
    );
    for (const result of results) expect(result.body.errors).toBeUndefined();
    for (const { requestId, times } of requests) {
      expect(commandStats.forRequest(requestId), requestId).toEqual({
        total: times,
        byCommand: { aggregate: times },
        byDatabase: { [mongo.name]: times },
      });
      const viaHttp = (await (
        await fetch(running.url.replace('/graphql', `/debug/commands/${requestId}`))
      ).json()) as { total: number };
      expect(viaHttp.total).toBe(times);
    }
  });

  it('does not attribute commands issued outside a request', async () => {
    const before = commandStats.forRequest('outside').total;
    await mongo.db!.collection('loose').countDocuments();
    expect(commandStats.forRequest('outside').total).toBe(before);
  });
});
