/**
 * Standalone gateway (`npm start -w @novamart/gateway`, docker-compose): serves
 * schema/supergraph.graphql, with `<SUBGRAPH>_URL` overriding routing URLs and Redis pub/sub for
 * live updates when REDIS_URL is set, and the built storefront at / when STOREFRONT_DIR names it.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger, createMetricsRegistry, startTelemetry } from '@novamart/kit';
import { InProcessLiveBus, type LiveBus } from '@novamart/events';
import { RedisLiveBus } from '@novamart/events/redis';
import { loadGatewayConfig, subgraphUrlsFromEnv } from './config';
import { startGateway } from './gateway';
import { subgraphsOf } from './supergraph-subgraphs';

const logger = createLogger('gateway');
const supergraphPath = fileURLToPath(new URL('../../schema/supergraph.graphql', import.meta.url));

async function main(): Promise<void> {
  const config = loadGatewayConfig();
  const telemetry = await startTelemetry('gateway', { endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
  const supergraphSdl = await readFile(supergraphPath, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new Error(
      `Cannot read the supergraph at ${supergraphPath} (${error.code ?? error.message}); run \`npm run compose\` first`,
    );
  });
  const subgraphUrls = subgraphUrlsFromEnv(subgraphsOf(supergraphSdl).map((s) => s.name));
  if (!config.REDIS_URL)
    logger.warn('REDIS_URL is not set: subscriptions only see events published in this process');
  const live: LiveBus = config.REDIS_URL
    ? new RedisLiveBus(config.REDIS_URL, { logger, keyPrefix: config.REDIS_KEY_PREFIX })
    : new InProcessLiveBus({ logger });
  const metrics = createMetricsRegistry('gateway', { processMetrics: true });
  const staticDir = config.STOREFRONT_DIR;
  if (staticDir && !existsSync(join(staticDir, 'index.html')))
    throw new Error(
      `STOREFRONT_DIR=${staticDir} has no index.html: build it with npm run build -w @novamart/storefront`,
    );
  const gateway = await startGateway({
    supergraphSdl,
    subgraphUrls,
    live,
    config,
    logger,
    metrics,
    ...(staticDir ? { staticDir } : {}),
  });
  logger.info({ url: gateway.url }, `NovaMart gateway ready at ${gateway.url}`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'gateway stopping');
    try {
      await gateway.stop();
      await live.close();
      await telemetry.shutdown();
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'gateway did not stop cleanly');
      process.exit(1);
    }
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  logger.fatal({ err: error }, error instanceof Error ? error.message : String(error));
  process.exit(1);
});
