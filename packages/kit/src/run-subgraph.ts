import { ConfigError, loadConfig, type BaseConfig } from './config';
import { createTokenVerifier } from './auth';
import { createLogger } from './logger';
import { portInUseMessage, subgraphPort } from './ports';
import { createSubgraphRuntime } from './subgraph-runtime';
import { startTelemetry } from './telemetry';
import { startSubgraph, type RunningSubgraph } from './subgraph-server';
import type { SubgraphModule } from './subgraph-types';

// Longer than the server's own drain (10 s) plus closing connections; past it something hangs.
const SHUTDOWN_DEADLINE_MS = 30_000;
/** A repeat of the stop signal within this window is the same request relayed by a wrapper. */
const REPEATED_SIGNAL_WINDOW_MS = 2_000;

/**
 * The standalone main of a subgraph: configuration from the environment, its database, buses
 * (Redis when REDIS_URL is set), the server on PORT or the module's port. SIGTERM or SIGINT
 * drains: stop accepting, finish in-flight requests, stop the module's workers, close the buses
 * and connections, exit 0. A bad configuration exits 1 with a message naming the variable.
 */
export async function runSubgraph<C>(module: SubgraphModule<C>): Promise<RunningSubgraph> {
  let config: BaseConfig & C;
  try {
    config = loadConfig(module.configShape) as BaseConfig & C;
  } catch (error) {
    if (error instanceof ConfigError) {
      createLogger(module.name).fatal({ variables: error.variables }, error.message);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(module.name, { level: config.LOG_LEVEL });
  const telemetry = await startTelemetry(module.name, { endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
  const { runtime, close: closeRuntime } = await createSubgraphRuntime(module, { config, logger });
  // Spans still buffered go out after the last request and handler have finished.
  const close = async () => {
    await closeRuntime();
    await telemetry.shutdown();
  };

  let running: RunningSubgraph;
  const { port, variable } =
    config.PORT === undefined ? subgraphPort(module) : { port: config.PORT, variable: 'PORT' };
  try {
    running = await startSubgraph(module, runtime, {
      port,
      host: config.HOST,
      verifier: createTokenVerifier({ jwksUrl: config.JWKS_URL }),
    });
    await runtime.bus.start();
  } catch (error) {
    const inUse = portInUseMessage(error, `${module.name} subgraph`, port, config.HOST, variable);
    logger.fatal({ err: error }, inUse ?? `${module.name} subgraph failed to start`);
    await close();
    process.exit(1);
  }

  let shutdownStartedAt: number | null = null;
  const shutdown = (signal: NodeJS.Signals) => {
    if (shutdownStartedAt !== null) {
      // npm and tsx relay a terminal's or an orchestrator's signal to their child as well, so one
      // stop request often arrives twice within milliseconds: only a later one means "now".
      if (Date.now() - shutdownStartedAt < REPEATED_SIGNAL_WINDOW_MS) return;
      logger.warn({ signal }, 'second signal: exiting without finishing the drain');
      process.exit(1);
    }
    shutdownStartedAt = Date.now();
    logger.info({ signal }, `${module.name} subgraph draining`);
    const deadline = setTimeout(() => {
      logger.error('drain did not finish in time; exiting');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS);
    deadline.unref();
    void (async () => {
      try {
        await running.stop();
        await close();
        logger.info(`${module.name} subgraph stopped`);
        process.exit(0);
      } catch (error) {
        logger.error({ err: error }, 'error during shutdown');
        process.exit(1);
      }
    })();
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  // A crash must leave its cause in the log, not only on stderr.
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, `${module.name} subgraph crashed: ${error.message}`);
    process.exit(1);
  });
  process.on('unhandledRejection', (reason) => {
    logger.fatal({ err: reason }, `${module.name} subgraph crashed on an unhandled rejection`);
    process.exit(1);
  });

  logger.info({ url: running.url }, `${module.name} subgraph ready at ${running.url}`);
  return running;
}
