import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { expressMiddleware } from '@as-integrations/express5';
import cors from 'cors';
import express, { type Express } from 'express';
import type { GraphQLSchema } from 'graphql';
import { Registry } from 'prom-client';
import { WebSocketServer } from 'ws';
import {
  REQUEST_ID_HEADER,
  createLogger,
  createTokenVerifier,
  currentRequestId,
  requestIdFrom,
  runWithRequestId,
  type InProcessGraphQLHandler,
  type Logger,
  type TokenVerifier,
} from '@novamart/kit';
import type { LiveBus } from '@novamart/events';
import { httpErrorHandler, serveMetrics, type MetricsServer } from '@novamart/kit';
import { corsOrigins, trustProxySetting, type GatewayConfig } from './config';
import type { GatewayContext } from './context';
import { createGatewayErrorFormatter } from './errors';
import type { OperationLimits } from './limits';
import { startSubscriptionServer, type ExecuteThroughGateway } from './live/subscription-server';
import type { LiveFieldSpec } from './live/live-fields';
import { gatewayMetrics } from './metrics';
import { operationLimitsPlugin, requestMetricsPlugin } from './plugins';
import { checkSubgraphs } from './readiness';
import { InProcessSubgraphSource } from './in-process-source';
import { InflightQueries } from './inflight-queries';
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
  /**
   * Subgraphs running in this process (`npm start`), called without HTTP by name; the others are
   * called at their routing URL.
   */
  inProcessSubgraphs?: Record<string, InProcessGraphQLHandler>;
  /** A built single-page app (the storefront's dist/) served at `/`; unset: `/` redirects to the API. */
  staticDir?: string;
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
  /** The port of `/metrics` when METRICS_PORT is set (0 picks a free one), else null. */
  metricsPort: number | null;
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

type GatewayMetrics = ReturnType<typeof gatewayMetrics>;

/** `@apollo/gateway` over the supergraph, each subgraph over HTTP or, when given, in process. */
function federatedGateway(
  options: GatewayOptions,
  subgraphs: SubgraphEndpoint[],
  logger: Logger,
  metrics: GatewayMetrics,
  inflight: InflightQueries | undefined,
): ApolloGateway {
  const { config } = options;
  const urlOf = new Map(subgraphs.map((s) => [s.name, s.url]));
  return new ApolloGateway({
    supergraphSdl: options.supergraphSdl,
    logger: logger.child({ component: 'apollo-gateway' }),
    buildService: ({ name, url }) => {
      const source = {
        name,
        timeoutMs: config.SUBGRAPH_TIMEOUTS[name] ?? config.SUBGRAPH_TIMEOUT_MS,
        onFetch: (subgraph: string, seconds: number, outcome: 'ok' | 'error' | 'timeout') =>
          metrics.subgraphFetchSeconds.observe({ subgraph, outcome }, seconds),
      };
      const local = options.inProcessSubgraphs?.[name];
      const built = local
        ? new InProcessSubgraphSource(local, source)
        : new SubgraphSource({ ...source, url: urlOf.get(name) ?? url ?? '' });
      return inflight ? inflight.share(name, built) : built;
    },
  });
}

async function startApollo(
  gateway: ApolloGateway,
  httpServer: Server,
  production: boolean,
  limits: OperationLimits,
  logger: Logger,
  metrics: GatewayMetrics,
): Promise<ApolloServer<GatewayContext>> {
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    introspection: !production,
    // No "Did you mean ...?" in production: suggestions would map the schema introspection hides.
    hideSchemaDetailsFromClientErrors: production,
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
  return apollo;
}

/** One operation through the gateway's own pipeline, for the subscription server's payloads. */
function executeThrough(apollo: ApolloServer<GatewayContext>): ExecuteThroughGateway {
  return async (request, contextValue) => {
    const response = await apollo.executeOperation(
      { query: request.query, variables: request.variables ?? {} },
      { contextValue },
    );
    if (response.body.kind !== 'single') throw new Error('Incremental delivery is not used by the gateway');
    const { data, errors } = response.body.singleResult;
    return { ...(data !== undefined ? { data } : {}), ...(errors ? { errors } : {}) };
  };
}

/** /health, /health/live and /health/ready (every subgraph answering). */
function mountHealth(app: Express, subgraphs: SubgraphEndpoint[], config: GatewayConfig): void {
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
}

/** /graphql over HTTP: CORS, the body limit, the request id and the context subgraphs receive. */
function mountGraphql(
  app: Express,
  apollo: ApolloServer<GatewayContext>,
  config: GatewayConfig,
  inflight: InflightQueries | undefined,
): void {
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
        ...(inflight ? { arrival: inflight.arrival() } : {}),
        ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
        // Only the address determined above: subgraphs take the right-most entry from the gateway.
        ...withForwardedFor(req.ip?.startsWith('::ffff:') ? req.ip.slice(7) : req.ip),
      }),
    }),
  );
}

/** GraphiQL outside production, /graphql, the storefront's files when given, and the JSON error answer. */
function mountPages(
  app: Express,
  apollo: ApolloServer<GatewayContext>,
  options: GatewayOptions,
  logger: Logger,
  inflight: InflightQueries | undefined,
): void {
  const { config } = options;
  if (config.NODE_ENV !== 'production') app.get(GRAPHIQL_PATH, graphiqlPage(GRAPHQL_PATH));
  if (!options.staticDir) {
    app.get('/', (_req, res) => {
      res.redirect(GRAPHQL_PATH);
    });
  }
  mountGraphql(app, apollo, config, inflight);
  if (options.staticDir)
    app.use(
      serveSinglePageApp(
        options.staticDir,
        singlePageAppCsp({ stripe: Boolean(config.STRIPE_PUBLISHABLE_KEY) }),
      ),
    );
  // Body-parser failures (too large, malformed JSON) as GraphQL-shaped JSON, never an HTML page.
  app.use(httpErrorHandler(logger, { bodyLimit: config.BODY_LIMIT }));
}

/** The gateway's `listen`: the HTTP server (and the metrics port), then where it is reachable. */
function listener(
  httpServer: Server,
  metricsServer: MetricsServer | null,
  subscriptions: Pick<RunningGateway, 'activeSubscriptions' | 'startedSubscriptions'>,
  stop: () => Promise<void>,
  config: GatewayConfig,
): Gateway['listen'] {
  return async (port = config.PORT, host = config.HOST) => {
    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject);
      httpServer.listen(port, host, () => {
        httpServer.off('error', reject);
        resolve();
      });
    });
    await metricsServer?.listen();
    const actual = (httpServer.address() as AddressInfo).port;
    const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
    return {
      url: `http://${shownHost}:${actual}${GRAPHQL_PATH}`,
      wsUrl: `ws://${shownHost}:${actual}${GRAPHQL_PATH}`,
      port: actual,
      metricsPort: metricsServer?.port() ?? null,
      activeSubscriptions: subscriptions.activeSubscriptions,
      startedSubscriptions: subscriptions.startedSubscriptions,
      stop,
    };
  };
}

/**
 * The NovaMart gateway: `@apollo/gateway` over the supergraph on HTTP, federated subscriptions
 * over graphql-ws on the same port and path, health and metrics. Not listening yet: call
 * `listen()` (or use `startGateway`).
 */
export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  const { config } = options;
  const logger = options.logger ?? createLogger('gateway');
  const production = config.NODE_ENV === 'production';
  const registry = options.metrics ?? processRegistry();
  const metrics = gatewayMetrics(registry);
  const limits: OperationLimits = {
    maxDepth: config.MAX_QUERY_DEPTH,
    maxCost: config.MAX_QUERY_COST,
    assumedListSize: 10,
  };
  const subgraphs = subgraphsOf(options.supergraphSdl).map(({ name, url }) => ({
    name,
    url: options.subgraphUrls?.[name] ?? url,
  }));

  disableApolloTelemetryUnlessChosen();
  // Identical subgraph queries in flight at once share one fetch (inflight-queries.ts).
  const inflight = config.DEDUPLICATE_SUBGRAPH_QUERIES ? new InflightQueries() : undefined;
  const gateway = federatedGateway(options, subgraphs, logger, metrics, inflight);
  let apiSchema: GraphQLSchema | undefined;
  gateway.onSchemaLoadOrUpdate(({ apiSchema: schema }) => {
    apiSchema = schema;
  });

  const app = express();
  app.disable('x-powered-by');
  // req.ip: the client as the proxies we trust (TRUST_PROXY) report it, never a header a client wrote.
  app.set('trust proxy', trustProxySetting(config.TRUST_PROXY));
  app.use(securityHeaders(production));
  const httpServer = createServer(app);
  const apollo = await startApollo(gateway, httpServer, production, limits, logger, metrics);
  const execute = executeThrough(apollo);

  const subscriptions = startSubscriptionServer({
    wsServer: new WebSocketServer({
      server: httpServer,
      path: GRAPHQL_PATH,
      maxPayload: bytesOf(config.BODY_LIMIT),
    }),
    schema: () => {
      if (!apiSchema) throw new Error('The gateway has not loaded its schema');
      return apiSchema;
    },
    live: options.live,
    verifier: options.verifier ?? createTokenVerifier({ jwksUrl: config.JWKS_URL }),
    execute,
    limits,
    logger: logger.child({ component: 'subscriptions' }),
    metrics,
    keepAliveMs: config.WS_KEEPALIVE_MS,
    isProduction: production,
    ...(options.liveFields ? { liveFields: options.liveFields } : {}),
  });

  mountHealth(app, subgraphs, config);
  const metricsServer = serveMetrics(app, registry, config);
  mountPages(app, apollo, options, logger, inflight);

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await subscriptions.dispose();
      await apollo.stop();
      await metricsServer?.close();
      if (httpServer.listening) await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    })());

  return {
    app,
    httpServer,
    subgraphs,
    execute,
    activeSubscriptions: subscriptions.activeSubscriptions,
    startedSubscriptions: subscriptions.startedSubscriptions,
    listen: listener(httpServer, metricsServer, subscriptions, stop, config),
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

// Paths the API owns: the app's client-side routes never shadow them, whatever is mounted after.
const API_PATHS = /^\/(graphql|graphiql|health|metrics)(\/|$)/;

/**
 * The built storefront: hashed assets cached for good, and index.html for any other GET that asks
 * for HTML (the app's own routes such as /products/<slug>), so a reload of a deep link works.
 */
// The storefront's own policy: its built page has no inline script, and it talks only to its origin
// (HTTP and graphql-ws). It replaces the API's deny-everything policy on the app's responses. With
// Stripe Elements configured, Stripe.js comes from Stripe (it must: Stripe forbids self-hosting it),
// draws the card fields in its own frames and calls Stripe's API — Stripe's documented CSP.
export function singlePageAppCsp(options: { stripe: boolean }): string {
  const stripe = (sources: string) => (options.stripe ? ` ${sources}` : '');
  return (
    `default-src 'self'; script-src 'self'${stripe('https://js.stripe.com https://*.js.stripe.com')}; ` +
    "style-src 'self'; img-src 'self' data:; " +
    `connect-src 'self' ws: wss:${stripe('https://api.stripe.com')}; ` +
    (options.stripe
      ? 'frame-src https://js.stripe.com https://*.js.stripe.com https://hooks.stripe.com; '
      : '') +
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
  );
}

function serveSinglePageApp(dir: string, csp: string): express.Router {
  const router = express.Router();
  router.use((_req, res, next) => {
    res.setHeader('Content-Security-Policy', csp);
    next();
  });
  router.use(
    express.static(dir, {
      index: 'index.html',
      setHeaders: (res, path) => {
        res.setHeader(
          'Cache-Control',
          /[\\/]assets[\\/]/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache',
        );
      },
    }),
  );
  router.get(/.*/, (req, res, next) => {
    // A missing file (/assets/gone.js) stays a 404 rather than becoming the page.
    if (API_PATHS.test(req.path) || /\.\w+$/.test(req.path) || !req.accepts('html')) return next();
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile('index.html', { root: dir });
  });
  return router;
}

function withForwardedFor(forwardedFor: string | undefined): { forwardedFor?: string } {
  return forwardedFor ? { forwardedFor } : {};
}

/**
 * What helmet sets for an API, without the dependency: no sniffing, no framing, no referrer, HTTPS
 * pinned in production, and in production a CSP that allows nothing (the API serves no pages there;
 * the development Sandbox page needs its scripts).
 */
function securityHeaders(production: boolean): express.RequestHandler {
  return (_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('X-DNS-Prefetch-Control', 'off');
    res.setHeader('X-Permitted-Cross-Domain-Policies', 'none');
    if (production) {
      res.setHeader('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
      res.setHeader('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'");
    }
    next();
  };
}

function processRegistry(): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service: 'gateway' });
  return registry;
}
