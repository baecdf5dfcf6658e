/**
 * A benchmark child process: what `npm start` runs (scripts/start.ts), on free ports and an
 * in-memory embedded MongoDB, for the subgraphs named in BENCH_SUBGRAPHS (default users, products,
 * inventory), in production mode with logs off. Prints one line `READY <json>` with the gateway,
 * MongoDB and subgraph URLs and the supergraph (for a peer gateway), then runs until SIGTERM.
 *
 * BENCH_IN_PROCESS=0 makes the gateway call its subgraphs over HTTP as it did before in-process
 * calls existed (a lever measured on its own); BENCH_DB_THREAD=0 runs the embedded MongoDB on the
 * main thread, as it ran before `npm start` gave it a worker thread (another). BENCH_MONGO_URL uses that database instead of
 * starting one. BENCH_PROFILE=<file> writes the main thread's CPU profile at SIGTERM. It runs from a baseline worktree too (`--baseline-ref`): it only uses what
 * scripts/start.ts uses, and in-process calls when the tree has them.
 */
import { print } from 'graphql';
import {
  createLogger,
  createMetricsRegistry,
  createSubgraphRuntime,
  loadConfig,
  startSubgraph,
  type RunningSubgraph,
  type SubgraphModule,
} from '@novamart/kit';
import { InProcessBus, InProcessLiveBus } from '@novamart/events';
import { loadGatewayConfig, startGateway } from '@novamart/gateway';
import * as embedded from '@novamart/mongo-server';
import { composeSupergraph } from '../../lib/compose-supergraph';
import { loadSubgraphModules } from '../../lib/subgraph-modules';
import { startCpuProfile } from './cpu-profile';

const wanted = (process.env.BENCH_SUBGRAPHS ?? 'users,products,inventory').split(',');
const inProcess = process.env.BENCH_IN_PROCESS !== '0';
const databaseThread = process.env.BENCH_DB_THREAD !== '0';
// As `npm start`: the subgraphs reach their database through a unix socket (BENCH_DB_SOCKET=0: TCP).
const databaseSocket = process.env.BENCH_DB_SOCKET !== '0';

async function main(): Promise<void> {
  const modules = (await loadSubgraphModules()).filter((m) => wanted.includes(m.name));
  // A tree from before the database thread and the unix socket (the baseline) has neither:
  // there, the database runs on the main thread over TCP, as its `npm start` did.
  const { startEmbeddedMongo } = embedded;
  const { startEmbeddedMongoThread, privateSocketPath } = embedded as Partial<typeof embedded>;
  const mongo = process.env.BENCH_MONGO_URL
    ? { uri: process.env.BENCH_MONGO_URL, stop: async () => undefined }
    : await (databaseThread && startEmbeddedMongoThread ? startEmbeddedMongoThread : startEmbeddedMongo)({
        port: 0,
        inMemory: true,
        socketPath: databaseSocket && privateSocketPath ? privateSocketPath() : undefined,
      });
  const silent = { level: 'silent' as const };
  const metrics = createMetricsRegistry('novamart', { processMetrics: true });
  const bus = new InProcessBus({ logger: createLogger('bus', silent), metrics });
  const live = new InProcessLiveBus({ logger: createLogger('live', silent) });
  const env: Record<string, string | undefined> = {
    ...process.env,
    NODE_ENV: 'production',
    LOG_LEVEL: 'silent',
    MONGO_URL: ('socketUri' in mongo && mongo.socketUri) || mongo.uri,
    ADMIN_EMAIL: 'bench-admin@novamart.dev',
    ADMIN_PASSWORD: 'Bench-admin-2026',
  };
  const ordered = [...modules].sort(
    (a: SubgraphModule, b: SubgraphModule) => Number(b.name === 'users') - Number(a.name === 'users'),
  );
  const running: RunningSubgraph[] = [];
  for (const module of ordered) {
    const config = loadConfig(module.configShape, env);
    const { runtime } = await createSubgraphRuntime(module, {
      config,
      logger: createLogger(module.name, silent),
      bus,
      live,
      metrics: createMetricsRegistry(module.name, { processMetrics: false }),
    });
    const subgraph = await startSubgraph(module, runtime, { port: 0, host: '127.0.0.1' });
    running.push(subgraph);
    if (module.name === 'users') env.JWKS_URL = new URL('/.well-known/jwks.json', subgraph.url).href;
  }
  await bus.start();
  const { supergraphSdl } = composeSupergraph(
    running.map((s) => ({
      name: s.name,
      routingUrl: s.url,
      schemaFile: `${s.name} (in memory)`,
      typeDefs: print(s.instance.typeDefs),
    })),
  );
  const local = Object.fromEntries(
    running.flatMap((s) => ('handle' in s && typeof s.handle === 'function' ? [[s.name, s.handle]] : [])),
  );
  const gateway = await startGateway({
    supergraphSdl,
    live,
    config: loadGatewayConfig(env),
    logger: createLogger('gateway', silent),
    metrics,
    port: 0,
    host: '127.0.0.1',
    ...(inProcess && Object.keys(local).length > 0 ? { inProcessSubgraphs: local } : {}),
  } as Parameters<typeof startGateway>[0]);
  // BENCH_PROFILE=<file>: the main thread's CPU profile (gateway and subgraphs) from READY to SIGTERM.
  const stopProfile = process.env.BENCH_PROFILE ? await startCpuProfile() : undefined;
  console.log(
    `READY ${JSON.stringify({
      gatewayUrl: gateway.url,
      mongoUrl: mongo.uri,
      mongoSocketUrl: ('socketUri' in mongo && mongo.socketUri) || null,
      subgraphs: Object.fromEntries(running.map((s) => [s.name, s.url])),
      inProcess: inProcess && Object.keys(local).length > 0,
      supergraphSdl,
      node: process.version,
    })}`,
  );
  process.on('SIGTERM', () => {
    void (async () => {
      await stopProfile?.(process.env.BENCH_PROFILE!);
      await gateway.stop();
      for (const s of running.reverse()) await s.stop();
      await bus.close();
      await live.close();
      await mongo.stop();
      process.exit(0);
    })();
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
