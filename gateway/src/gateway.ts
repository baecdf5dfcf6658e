import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { expressMiddleware } from '@as-integrations/express5';
import cors from 'cors';
import express, { type ErrorRequestHandler, type Express } from 'express';
import type { GraphQLSchema } from 'graphql';
import { Registry } from 'prom-client';
import { WebSocketServer } from 'ws';
import {
  ErrorCode,
  REQUEST_ID_HEADER,
  createLogger,
  createTokenVerifier,
  currentRequestId,
  requestIdFrom,
  runWithRequestId,
  type Logger,
  type TokenVerifier,
} from '@novamart/kit';
import type { LiveBus } from '@novamart/events';
import { corsOrigins, type GatewayConfig } from './config';
import { forwardedForOf, type GatewayContext } from './context';
import { createGatewayErrorFormatter } from './errors';
import type { OperationLimits } from './limits';
import { startSubscriptionServer, type ExecuteThroughGateway } from './live/subscription-server';
import type { LiveFieldSpec } from './live/live-fields';
import { gatewayMetrics } from './metrics';
import { operationLimitsPlugin, requestMetricsPlugin } from './plugins';
import { checkSubgraphs } from './readiness';
import { SubgraphSource } from './subgraph-source';
import { subgraphsOf, type SubgraphEndpoint } from './supergraph-subgraphs';
import { disableApolloTelemetryUnlessChosen } from './telemetry-default';
import { GRAPHIQL_PATH, graphiqlPage } from './graphiql';

export const GRAPHQL_PATH = '/graphql';

export interface GatewayOptions {
  /** The composed supergraph (schema/supergraph.graphql, or composed in memory). */
  supergraphSdl: string;
  /** Routing URLs that replace the supergraph's, by subgraph name. */
  subgraphUrls?: Record<string, string>;
  /** Where subgraphs publish status changes for subscriptions. */
  live: LiveBus;
  config: GatewayConfig;
  logger?: Logger;
  /** Verifies subscribers' tokens; default: the users subgraph's JWKS at `config.JWKS_URL`. */
  verifier?: TokenVerifier;
  /** Default: a fresh registry with process metrics. */
  metrics?: Registry;
  /** Subscription fields served from the live bus; default the contract's three. */
  liveFields?: readonly LiveFieldSpec[];
}

export interface Gateway {
  app: Express;
  httpServer: Server;
  subgraphs: SubgraphEndpoint[];
  /** Runs an operation through the gateway as the caller in `context` (what subscriptions use). */
  execute: ExecuteThroughGateway;
  /** Subscriptions currently listening on the live bus. */
  activeSubscriptions(): number;
  /** Subscriptions that have started listening since the gateway started (never decreases). */
  startedSubscriptions(): number;
  listen(port?: number, host?: string): Promise<RunningGateway>;
  stop(): Promise<void>;
}

export interface RunningGateway {
  /** `http://host:port/graphql` */
  url: string;
  /** `ws://host:port/graphql` */
  wsUrl: string;
  port: number;
  activeSubscriptions(): number;
  startedSubscriptions(): number;
  stop(): Promise<void>;
}

/** Bytes in a size such as `100kb`, as BODY_LIMIT is written. */
function bytesOf(size: string): number {
  const match = /^(\d+)(b|kb|mb)$/i.exec(size);
  if (!match?.[1] || !match[2]) return 100 * 1024;
  const unit = match[2].toLowerCase();
  return Number(match[1]) * (unit === 'mb' ? 1024 * 1024 : unit === 'kb' ? 1024 : 1);
}

/**
 * The NovaMart gateway: `@apollo/gateway` over the supergraph on HTTP, federated subscriptions
 * over graphql-ws on the same port and path, health and metrics. Not listening yet: call
 * `listen()` (or use `startGateway`).
 */
export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  const { config, live } = options;
  const logger = options.logger ?? createLogger('gateway');
  const production = config.NODE_ENV === 'production';
  const registry = options.metrics ?? processRegistry();
  const metrics = gatewayMetrics(registry);
  const verifier = options.verifier ?? createTokenVerifier({ jwksUrl: config.JWKS_URL });
  const limits: OperationLimits = {
    maxDepth: config.MAX_QUERY_DEPTH,
    maxCost: config.MAX_QUERY_COST,
    assumedListSize: 10,
  };
  const subgraphs = subgraphsOf(options.supergraphSdl).map(({ name, url }) => ({
    name,
    url: options.subgraphUrls?.[name] ?? url,
  }));
  const urlOf = new Map(subgraphs.map((s) => [s.name, s.url]));

  disableApolloTelemetryUnlessChosen();
  const gateway = new ApolloGateway({
    supergraphSdl: options.supergraphSdl,
    logger: logger.child({ component: 'apollo-gateway' }),
    buildService: ({ name, url }) =>
      new SubgraphSource({
        name,
        url: urlOf.get(name) ?? url ?? '',
        timeoutMs: config.SUBGRAPH_TIMEOUTS[name] ?? config.SUBGRAPH_TIMEOUT_MS,
        onFetch: (subgraph, seconds, outcome) =>
          metrics.subgraphFetchSeconds.observe({ subgraph, outcome }, seconds),
      }),
  });
  let apiSchema: GraphQLSchema | undefined;
  gateway.onSchemaLoadOrUpdate(({ apiSchema: schema }) => {
    apiSchema = schema;
  });

  const app = express();
  app.disable('x-powered-by');
  const httpServer = createServer(app);
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    introspection: !production,
    includeStacktraceInErrorResponses: false,
    // The process that embeds the gateway (main.ts, scripts/start.ts) owns the signals and stops
    // everything in order; Apollo's own handler would race it.
    stopOnTerminationSignals: false,
    formatError: createGatewayErrorFormatter(logger),
    logger,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      production
        ? ApolloServerPluginLandingPageDisabled()
        : ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false }),
      operationLimitsPlugin(limits, metrics),
      requestMetricsPlugin(metrics),
    ],
  });
  await apollo.start();

  const execute: ExecuteThroughGateway = async (request, contextValue) => {
    const response = await apollo.executeOperation(
      { query: request.query, variables: request.variables ?? {} },
      { contextValue },
    );
    if (response.body.kind !== 'single') throw new Error('Incremental delivery is not used by the gateway');
    const { data, errors } = response.body.singleResult;
    return { ...(data !== undefined ? { data } : {}), ...(errors ? { errors } : {}) };
  };

  const wsServer = new WebSocketServer({
    server: httpServer,
    path: GRAPHQL_PATH,
    maxPayload: bytesOf(config.BODY_LIMIT),
  });
  const subscriptions = startSubscriptionServer({
    wsServer,
    schema: () => {
      if (!apiSchema) throw new Error('The gateway has not loaded its schema');
      return apiSchema;
    },
    live,
    verifier,
    execute,
    limits,
    logger: logger.child({ component: 'subscriptions' }),
    metrics,
    keepAliveMs: config.WS_KEEPALIVE_MS,
    isProduction: production,
    ...(options.liveFields ? { liveFields: options.liveFields } : {}),
  });

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/health/live', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/health/ready', async (_req, res) => {
    const report = await checkSubgraphs(subgraphs, Math.min(2000, config.SUBGRAPH_TIMEOUT_MS));
    res
      .status(report.ready ? 200 : 503)
      .json({ status: report.ready ? 'ready' : 'unavailable', subgraphs: report.subgraphs });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });
  if (!production) app.get(GRAPHIQL_PATH, graphiqlPage(GRAPHQL_PATH));
  app.get('/', (_req, res) => {
    res.redirect(GRAPHQL_PATH);
  });
  app.use(
    GRAPHQL_PATH,
    cors<cors.CorsRequest>({ origin: corsOrigins(config), exposedHeaders: [REQUEST_ID_HEADER], maxAge: 600 }),
    express.json({ limit: config.BODY_LIMIT }),
    (req, res, next) => {
      // Entered after the body parser, whose stream callbacks would lose the async context.
      const requestId = requestIdFrom(req.headers[REQUEST_ID_HEADER]);
      res.setHeader(REQUEST_ID_HEADER, requestId);
      runWithRequestId(requestId, next);
    },
    expressMiddleware(apollo, {
      context: async ({ req }) => ({
        requestId: currentRequestId() ?? requestIdFrom(req.headers[REQUEST_ID_HEADER]),
        ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
        ...withForwardedFor(forwardedForOf(req.headers['x-forwarded-for'], req.socket.remoteAddress)),
      }),
    }),
  );
  app.use(httpErrorHandler(config.BODY_LIMIT, logger));

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await subscriptions.dispose();
      await apollo.stop();
      if (httpServer.listening) await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    })());

  return {
    app,
    httpServer,
    subgraphs,
    execute,
    activeSubscriptions: subscriptions.activeSubscriptions,
    startedSubscriptions: subscriptions.startedSubscriptions,
    async listen(port = config.PORT, host = config.HOST) {
      await new Promise<void>((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => {
          httpServer.off('error', reject);
          resolve();
        });
      });
      const actual = (httpServer.address() as AddressInfo).port;
      const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
      return {
        url: `http://${shownHost}:${actual}${GRAPHQL_PATH}`,
        wsUrl: `ws://${shownHost}:${actual}${GRAPHQL_PATH}`,
        port: actual,
        activeSubscriptions: subscriptions.activeSubscriptions,
        startedSubscriptions: subscriptions.startedSubscriptions,
        stop,
      };
    },
    stop,
  };
}

/** `createGateway` and `listen` in one call. */
export async function startGateway(
  options: GatewayOptions & { port?: number; host?: string },
): Promise<RunningGateway> {
  const gateway = await createGateway(options);
  try {
    return await gateway.listen(options.port, options.host);
  } catch (error) {
    await gateway.stop();
    throw error;
  }
}

function withForwardedFor(forwardedFor: string | undefined): { forwardedFor?: string } {
  return forwardedFor ? { forwardedFor } : {};
}

function processRegistry(): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service: 'gateway' });
  return registry;
}

// Body-parser failures (too large, malformed JSON) as GraphQL-shaped JSON, never an HTML page.
function httpErrorHandler(bodyLimit: string, logger: Logger): ErrorRequestHandler {
  return (error: { status?: number; type?: string; message?: string }, _req, res, next) => {
    if (res.headersSent) return next(error);
    const status = typeof error.status === 'number' ? error.status : 500;
    if (status === 413) {
      res.status(413).json({
        errors: [
          {
            message: `Request body is larger than the limit of ${bodyLimit} (BODY_LIMIT)`,
            extensions: { code: ErrorCode.BAD_USER_INPUT, limit: 'BODY_LIMIT' },
          },
        ],
      });
    } else if (status >= 400 && status < 500) {
      res
        .status(status)
        .json({ errors: [{ message: error.message ?? 'Bad request', extensions: { code: 'BAD_REQUEST' } }] });
    } else {
      logger.error({ err: error }, 'unexpected HTTP error');
      res.status(500).json({
        errors: [{ message: 'Internal server error', extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } }],
      });
    }
  };
}
