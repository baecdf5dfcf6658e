// Throughput and latency of the subgraph server on the probe module: the kit's fixed cost per
// request (context, auth, loaders, metrics, logging) and a batched entity page against the
// embedded MongoDB. Prints a table and writes bench/results/subgraph.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { InProcessBus, InProcessLiveBus } from '@novamart/events';
import autocannon from 'autocannon';
import {
  connectMongo,
  createLogger,
  createMetricsRegistry,
  loadConfig,
  startSubgraph,
  type SubgraphRuntime,
} from '../src/index';
import { createTestTokens, startEmbeddedMongoForTests, uniqueDbName } from '../src/testing/index';
import { probeSubgraph } from '../test/probe/probe-module';

const durationSeconds = Number(process.env.BENCH_SECONDS ?? 5);
const mongoServer = await startEmbeddedMongoForTests();
const mongo = await connectMongo({ url: mongoServer.uri, dbName: uniqueDbName('kit_bench') });
const tokens = await createTestTokens();
const runtime: SubgraphRuntime = {
  name: 'probe',
  config: loadConfig(undefined, { NODE_ENV: 'production' }),
  logger: createLogger('probe', { level: 'warn' }),
  mongo,
  bus: new InProcessBus(),
  live: new InProcessLiveBus(),
  redis: null,
  metrics: createMetricsRegistry('probe'),
};
const running = await startSubgraph(probeSubgraph, runtime, {
  port: 0,
  host: '127.0.0.1',
  verifier: tokens.verifier,
});
const ids = Array.from({ length: 20 }, (_, i) => `p${i}`);
for (const id of ids) {
  await fetch(running.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query: `mutation { addProbe(name: "${id}", amount: ${100 + ids.indexOf(id)}) { id } }`,
    }),
  });
}

const scenarios = [
  { name: 'anonymous trivial query', query: '{ greeting }', headers: {} },
  {
    name: 'authenticated trivial query',
    query: '{ whoami }',
    headers: { authorization: await tokens.bearer({ id: 'u1', role: 'CUSTOMER' }) },
  },
  {
    name: 'page of 20 entities (1 find)',
    query: `{ probes(ids: ${JSON.stringify(ids)}) { id name price { formatted } createdAt } }`,
    headers: {},
  },
];

const results = [];
for (const scenario of scenarios) {
  const result = await autocannon({
    url: running.url,
    method: 'POST',
    connections: 10,
    duration: durationSeconds,
    headers: { 'content-type': 'application/json', ...scenario.headers },
    body: JSON.stringify({ query: scenario.query }),
  });
  results.push({
    scenario: scenario.name,
    requestsPerSecond: Math.round(result.requests.average),
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  });
}

// autocannon hangs up on requests still running at the deadline; let the server finish them.
await new Promise((resolve) => setTimeout(resolve, 500));
console.table(results);
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('./results/subgraph.json', import.meta.url),
  JSON.stringify(
    { at: new Date().toISOString(), node: process.version, durationSeconds, connections: 10, results },
    null,
    2,
  ),
);
await running.stop();
await runtime.bus.close();
await mongo.close();
await mongoServer.stop();
