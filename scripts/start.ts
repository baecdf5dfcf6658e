/**
 * `npm start`: NovaMart in one process on the embedded defaults. The embedded MongoDB on
 * DATA_DIR/mongo (or MONGO_URL when set), on a worker thread, in-process event and live buses (Redis ones when
 * REDIS_URL is set), every subgraph that exists on its own port (127.0.0.1 only: clients go
 * through the gateway), and the gateway on PORT (default 4000). SIGINT/SIGTERM stop it all in
 * order: gateway, subgraphs, buses, database.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { print } from 'graphql';
import type { Registry } from 'prom-client';
import {
  ConfigError,
  createLogger,
  createMetricsRegistry,
  createRedis,
  createSubgraphRuntime,
  loadConfig,
  portInUseMessage,
  startSubgraph,
  subgraphPort,
  type Logger,
  type RunningSubgraph,
} from '@novamart/kit';
import { InProcessBus, InProcessLiveBus, type EventBus, type LiveBus } from '@novamart/events';
import { RedisLiveBus, RedisStreamsBus } from '@novamart/events/redis';
import { loadGatewayConfig, startGateway, type RunningGateway } from '@novamart/gateway';
import { startTelemetry } from '@novamart/kit';
import type * as EmbeddedMongoModule from '@novamart/mongo-server';
import { composeSupergraph } from './lib/compose-supergraph';
import { DEV_ADMIN } from './lib/dev-admin';
import { readSupergraphConfig, repoRoot } from './lib/supergraph-config';
import { loadSubgraphModules } from './lib/subgraph-modules';
import { peerUrlVariable } from '@novamart/kit';
import { ensureStorefrontBuilt } from './lib/storefront';

// Loaded dynamically so that a missing or broken package is one clear line, not a stack trace.
type EmbeddedMongoPackage = typeof EmbeddedMongoModule;

const SUBGRAPH_HOST = '127.0.0.1';
const EMBEDDED_MONGO_PORT = 27017;

const logger = createLogger('novamart', { level: (process.env.LOG_LEVEL as 'info' | undefined) ?? 'info' });
const stops: { name: string; stop: () => Promise<unknown> }[] = [];

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .join(' ')
    .slice(0, 300);
}

async function startDatabase(env: NodeJS.ProcessEnv, dataDir: string): Promise<string> {
  if (env.MONGO_URL) {
    logger.info('using MONGO_URL');
    return env.MONGO_URL;
  }
  let embedded: EmbeddedMongoPackage;
  try {
    embedded = (await import('@novamart/mongo-server')) as EmbeddedMongoPackage;
    if (typeof embedded.startEmbeddedMongoThread !== 'function')
      throw new Error('it exports no startEmbeddedMongoThread');
  } catch (error) {
    throw new Error(
      `The embedded MongoDB (packages/mongo-server) is not usable yet (${firstLine(error)}); set MONGO_URL to a MongoDB replica set instead.`,
      { cause: error },
    );
  }
  const dbPath = resolve(dataDir, 'mongo');
  mkdirSync(dbPath, { recursive: true });
  // The subgraphs here reach it through a unix socket, cheaper per command than TCP loopback; the
  // TCP address stays for tools (mongosh, Compass) and other processes.
  const socketPath = embedded.privateSocketPath();
  let mongo;
  try {
    mongo = await startEmbeddedOnPort(embedded, dbPath, socketPath);
  } catch (error) {
    if (!socketPath || !String((error as Error).message).includes(socketPath)) throw error;
    logger.warn(`${firstLine(error)}: the subgraphs reach the embedded MongoDB over TCP instead`);
    mongo = await startEmbeddedOnPort(embedded, dbPath, undefined);
  }
  stops.push({ name: 'embedded MongoDB', stop: () => mongo.stop() });
  logger.info({ uri: mongo.uri, dbPath }, `embedded MongoDB at ${mongo.uri}, data in ${dbPath}`);
  return mongo.socketUri ?? mongo.uri;
}

/** On a thread of its own (the database gets the second core, as a real one would), at 27017 or a free port. */
async function startEmbeddedOnPort(
  embedded: EmbeddedMongoPackage,
  dbPath: string,
  socketPath: string | undefined,
): Promise<Awaited<ReturnType<EmbeddedMongoPackage['startEmbeddedMongoThread']>>> {
  try {
    return await embedded.startEmbeddedMongoThread({ port: EMBEDDED_MONGO_PORT, dbPath, socketPath });
  } catch (error) {
    // A socket that cannot be had is not a taken port: the caller decides about the socket.
    const aboutSocket = socketPath !== undefined && String((error as Error).message).includes(socketPath);
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || aboutSocket) throw error;
    logger.warn(`port ${EMBEDDED_MONGO_PORT} is taken: the embedded MongoDB listens on a free port instead`);
    return embedded.startEmbeddedMongoThread({ port: 0, dbPath, socketPath });
  }
}

function buses(redisUrl: string | undefined, metrics: Registry): { bus: EventBus; live: LiveBus } {
  const bus: EventBus = redisUrl
    ? new RedisStreamsBus(
        () => createRedis(redisUrl, 'events', { logger, redis: { maxRetriesPerRequest: null } }),
        {
          logger,
          metrics,
          signingKey: process.env.EVENTS_SIGNING_KEY || undefined,
          keyPrefix: process.env.REDIS_KEY_PREFIX || undefined,
          ...(process.env.EVENTS_CLAIM_IDLE_MS
            ? { claimIdleMs: Number(process.env.EVENTS_CLAIM_IDLE_MS) }
            : {}),
        },
      )
    : new InProcessBus({ logger, metrics });
  const live: LiveBus = redisUrl
    ? new RedisLiveBus(
        () => createRedis(redisUrl, 'live', { logger, redis: { maxRetriesPerRequest: null } }),
        { logger, keyPrefix: process.env.REDIS_KEY_PREFIX || undefined },
      )
    : new InProcessLiveBus({ logger });
  stops.push({ name: 'live bus', stop: () => live.close() });
  stops.push({ name: 'event bus', stop: () => bus.close() });
  logger.info(
    redisUrl
      ? 'event and live buses on Redis'
      : 'in-process event and live buses (set REDIS_URL to share them across processes)',
  );
  return { bus, live };
}

/**
 * The committed supergraph when it matches the subgraphs running here; otherwise one composed in
 * memory from them, with a warning (run `npm run compose` to update the file).
 */
function supergraphFor(running: RunningSubgraph[]): string {
  const routing = new Map(readSupergraphConfig().map((entry) => [entry.name, entry.routingUrl]));
  const composed = composeSupergraph(
    running.map((s) => ({
      name: s.name,
      routingUrl: routing.get(s.name) ?? s.url,
      schemaFile: `subgraphs/${s.name}/src/schema.graphql`,
      typeDefs: print(s.instance.typeDefs),
    })),
  );
  const path = resolve(repoRoot, 'schema/supergraph.graphql');
  if (!existsSync(path)) {
    logger.warn(
      'schema/supergraph.graphql is missing: serving a supergraph composed in memory (run `npm run compose`)',
    );
    return composed.supergraphSdl;
  }
  const committed = readFileSync(path, 'utf8');
  if (committed.trim() !== composed.supergraphSdl.trim()) {
    logger.warn(
      'schema/supergraph.graphql is stale for the subgraphs present: serving one composed in memory (run `npm run compose`)',
    );
    return composed.supergraphSdl;
  }
  return committed;
}

async function stopAll(log: Logger): Promise<void> {
  for (const { name, stop } of stops.splice(0).reverse()) {
    try {
      log.debug(`stopping ${name}`);
      await stop();
    } catch (error) {
      log.error({ err: error }, `${name} did not stop cleanly`);
    }
  }
}

async function main(): Promise<void> {
  const env = process.env;
  // Nothing phones home unless the user asks: @apollo/gateway reports usage otherwise.
  env.APOLLO_TELEMETRY_DISABLED ||= 'true';
  const telemetry = await startTelemetry('novamart', { endpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT });
  stops.push({ name: 'telemetry', stop: () => telemetry.shutdown() });
  const dataDir = resolve(env.DATA_DIR || '.data');
  const modules = await loadSubgraphModules();
  if (modules.length === 0) throw new Error('No subgraph exists yet under subgraphs/*/src/index.ts');

  const mongoUrl = await startDatabase(env, dataDir);
  const metrics = createMetricsRegistry('novamart', { processMetrics: true });
  const redisUrl = env.REDIS_URL || undefined;
  const { bus, live } = buses(redisUrl, metrics);

  // users first: every other subgraph and the gateway verify tokens against its JWKS.
  const ordered = [...modules].sort((a, b) => Number(b.name === 'users') - Number(a.name === 'users'));
  const baseEnv: Record<string, string | undefined> = { ...env, MONGO_URL: mongoUrl, DATA_DIR: dataDir };
  // Development gets a known administrator (scripts/lib/dev-admin.ts) so `npm run seed` works out
  // of the box; production and explicit ADMIN_EMAIL / ADMIN_PASSWORD are left alone.
  if ((env.NODE_ENV || 'development') === 'development' && !env.ADMIN_EMAIL && !env.ADMIN_PASSWORD) {
    baseEnv.ADMIN_EMAIL = DEV_ADMIN.email;
    baseEnv.ADMIN_PASSWORD = DEV_ADMIN.password;
    logger.info(
      `development administrator: ${DEV_ADMIN.email} (password in scripts/lib/dev-admin.ts; set ADMIN_EMAIL and ADMIN_PASSWORD to choose your own)`,
    );
  }
  // The storefront is served by this process's gateway: the password reset mail links to it.
  baseEnv.STOREFRONT_URL ||= `http://localhost:${Number(env.PORT) || 4000}`;
  // Where a subgraph asks another for its authoritative answer (cart → products, orders → cart...).
  for (const module of modules)
    baseEnv[peerUrlVariable(module.name)] ??= `http://${SUBGRAPH_HOST}:${module.port}/graphql`;
  const running: RunningSubgraph[] = [];
  for (const module of ordered) {
    const config = loadConfig(module.configShape, baseEnv);
    const { runtime, close } = await createSubgraphRuntime(module, {
      config,
      logger: createLogger(module.name, { level: config.LOG_LEVEL }),
      bus,
      live,
    });
    stops.push({ name: `${module.name} runtime`, stop: close });
    const { port, variable } = subgraphPort(module, env);
    const subgraph = await startSubgraph(module, runtime, { port, host: SUBGRAPH_HOST }).catch((error) => {
      const inUse = portInUseMessage(error, `${module.name} subgraph`, port, SUBGRAPH_HOST, variable);
      throw inUse ? new Error(inUse, { cause: error }) : error;
    });
    stops.push({ name: `${module.name} subgraph`, stop: () => subgraph.stop() });
    running.push(subgraph);
    if (module.name === 'users' && !env.JWKS_URL)
      baseEnv.JWKS_URL = new URL('/.well-known/jwks.json', subgraph.url).href;
    logger.info({ url: subgraph.url }, `${module.name} subgraph at ${subgraph.url}`);
  }
  await bus.start();

  const supergraphSdl = supergraphFor(running);
  const gatewayConfig = loadGatewayConfig(baseEnv);
  // The storefront at / beside the API, built here when missing or stale; a failed build leaves
  // the API up (the reason is logged) rather than stopping the backend.
  let staticDir: string | undefined;
  try {
    staticDir = ensureStorefrontBuilt((message) => logger.info(message));
  } catch (error) {
    logger.error({ err: error }, 'the storefront could not be built: serving the API only');
  }
  const gateway: RunningGateway = await startGateway({
    ...(staticDir ? { staticDir } : {}),
    supergraphSdl,
    subgraphUrls: Object.fromEntries(running.map((s) => [s.name, s.url])),
    // Same process: the gateway calls the subgraphs directly; they still serve HTTP for others.
    inProcessSubgraphs: Object.fromEntries(running.map((s) => [s.name, s.handle])),
    live,
    config: gatewayConfig,
    logger: createLogger('gateway', { level: gatewayConfig.LOG_LEVEL }),
    metrics,
  }).catch((error) => {
    const inUse = portInUseMessage(error, 'gateway', gatewayConfig.PORT, gatewayConfig.HOST, 'PORT');
    throw inUse ? new Error(inUse, { cause: error }) : error;
  });
  stops.push({ name: 'gateway', stop: () => gateway.stop() });

  // npm and tsx relay a terminal's signal too, so one Ctrl-C can arrive twice: repeats are
  // ignored, and a deadline ends a shutdown that hangs.
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'NovaMart stopping');
    setTimeout(() => {
      logger.error('shutdown did not finish within 30 s; exiting');
      process.exit(1);
    }, 30_000).unref();
    void stopAll(logger).then(() => {
      logger.info('NovaMart stopped');
      process.exit(0);
    });
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);

  const missing = readSupergraphConfig()
    .map((entry) => entry.name)
    .filter((name) => !running.some((s) => s.name === name));
  if (missing.length > 0) logger.info(`subgraphs not present yet: ${missing.join(', ')}`);
  if (staticDir) console.log(`NovaMart storefront at ${new URL('/', gateway.url).href}`);
  console.log(`NovaMart gateway ready at ${gateway.url}`);
}

main().catch(async (error: unknown) => {
  const message = error instanceof ConfigError || error instanceof Error ? error.message : String(error);
  console.error(`NovaMart failed to start: ${message}`);
  // The embedded-MongoDB message says everything; other causes go to the log for debugging.
  if (
    !(error instanceof ConfigError) &&
    error instanceof Error &&
    error.cause &&
    !message.startsWith('The embedded MongoDB')
  ) {
    logger.error({ err: error.cause }, 'cause');
  }
  await stopAll(logger);
  process.exit(1);
});
