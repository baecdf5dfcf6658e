import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, HeaderMap, type HTTPGraphQLRequest } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import { buildSubgraphSchema } from '@apollo/subgraph';
import express, { type Express, type RequestHandler } from 'express';
import { Kind, type DocumentNode, type GraphQLSchema } from 'graphql';
import { createTokenVerifier, type TokenVerifier } from './auth';
import { registerInProcessPeer } from './in-process-peers';
import { INTERNAL_CALL_HEADER, isInternalCall } from './internal-calls';
import { commandStats } from './command-stats';
import { createErrorFormatter } from './error-formatter';
import { httpErrorHandler } from './http-errors';
import { AppError, unauthenticated } from './errors';
import { graphqlMetricsPlugin } from './graphql-metrics-plugin';
import { graphqlRequestLogPlugin } from './graphql-request-log-plugin';
import { LoaderRegistry } from './loaders';
import type { Logger } from './logger';
import { moneyResolvers } from './money';
import { pingMongo } from './mongo';
import { pingRedis } from './redis';
import {
  DEADLINE_HEADER,
  REQUEST_ID_HEADER,
  deadlineFrom,
  requestIdFrom,
  runWithRequestId,
} from './request-context';
import { DateTime } from './scalars';
import { createSubgraphInstance } from './subgraph-events';
import { createSubscriptionTransports, type SubscriptionTransports } from './subgraph-subscriptions';
import { graphqlServerSpan, graphqlTracingPlugin, inProcessServerSpan } from './telemetry';
import { sessionRevocationsFor, type SessionRevocations } from './sessions';
import type {
  ResolverMap,
  SubgraphContext,
  SubgraphInstance,
  SubgraphModule,
  SubgraphRuntime,
} from './subgraph-types';

export interface StartSubgraphOptions {
  /** 0 picks a free port (tests). Default: the module's port. */
  port?: number;
  /** Default: the runtime's HOST. */
  host?: string;
  /** Default: a verifier on the runtime's JWKS_URL. */
  verifier?: TokenVerifier;
  /** How long in-flight requests get to finish on stop before their sockets are closed. Default 10 s. */
  drainTimeoutMs?: number;
  /** Ended sessions whose tokens are refused. Default: the runtime's Redis, or this process's list. */
  revocations?: SessionRevocations;
}

/**
 * A GraphQL request handed to a subgraph in the same process (the all-in-one start): the body as
 * parsed JSON and the headers a gateway would send. Same context, plugins and errors as over HTTP.
 */
export interface InProcessRequest {
  body: Record<string, unknown>;
  headers: Record<string, string | undefined>;
}
export interface InProcessResponse {
  status: number;
  /**
   * The GraphQL response (`data`, `errors`, `extensions`) as the caller would parse it off the wire,
   * handed over as objects: the caller owns it and may change it.
   */
  result: InProcessResult;
}
export interface InProcessResult {
  data?: Record<string, unknown> | null;
  errors?: readonly { message: string; extensions?: Record<string, unknown> }[];
  extensions?: Record<string, unknown>;
}
export type InProcessGraphQLHandler = (request: InProcessRequest) => Promise<InProcessResponse>;

export interface RunningSubgraph {
  name: string;
  port: number;
  /** e.g. http://127.0.0.1:4001/graphql */
  url: string;
  app: Express;
  httpServer: Server;
  instance: SubgraphInstance<any>;
  /** Serves /graphql without HTTP, for a gateway in the same process. */
  handle: InProcessGraphQLHandler;
  /** The separate `/metrics` port (METRICS_PORT), or null when metrics are served on `port` or not at all. */
  metricsPort: number | null;
  /** Stops accepting, lets in-flight requests finish, then stops the instance's workers. */
  stop(): Promise<void>;
}

/** Types every subgraph shares (Money is @shareable): resolved here unless the module does. */
function withSharedResolvers(typeDefs: DocumentNode, resolvers: ResolverMap<any>): ResolverMap<any> {
  const defined = new Set(
    typeDefs.definitions.flatMap((d) =>
      d.kind === Kind.SCALAR_TYPE_DEFINITION || d.kind === Kind.OBJECT_TYPE_DEFINITION ? [d.name.value] : [],
    ),
  );
  const shared: ResolverMap<any> = {};
  if (defined.has('DateTime')) shared.DateTime = DateTime;
  if (defined.has('Money')) shared.Money = moneyResolvers.Money;
  return { ...shared, ...resolvers };
}

/** Keeps the promise of every GraphQL request handler until it settles. */
function trackInFlight(inFlight: Set<Promise<unknown>>, handler: RequestHandler): RequestHandler {
  return (req, res, next) => {
    const handling = Promise.resolve(handler(req, res, next));
    inFlight.add(handling);
    void handling.finally(() => inFlight.delete(handling)).catch(() => undefined);
    return handling;
  };
}

async function settleWithin(pending: Set<Promise<unknown>>, timeoutMs: number): Promise<void> {
  if (pending.size === 0) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.allSettled([...pending]),
    new Promise((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    }),
  ]);
  clearTimeout(timer);
}

function graphqlUrl(host: string, port: number): string {
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return `http://${shown}:${port}/graphql`;
}

// Raised in the context function, before execution. Status 200 so that a federation gateway
// (which discards the body of a non-2xx subgraph response) passes the code on to the client.
function rejectionFor(error: unknown): unknown {
  if (error instanceof AppError) {
    return new AppError(error.code, error.message, { ...error.extensions, http: { status: 200 } });
  }
  return error;
}

type ContextFor = (
  authorization: string | undefined,
  requestId: string,
  /** The request bears this deployment's internal-call token (another subgraph is asking). */
  internalCall?: boolean,
) => Promise<SubgraphContext>;

/** One context builder for every transport: subscriptions follow the same token rules as queries. */
function contextBuilder(
  instance: SubgraphInstance<any>,
  runtime: SubgraphRuntime<any>,
  verifier: TokenVerifier,
  revocations: SessionRevocations,
): ContextFor {
  return async (authorization, requestId, internalCall = false) => {
    const viewer = await verifier.viewerFromAuthorization(authorization);
    // A signed token outlives its session: logout, reset and role changes end it here too.
    if (viewer?.sessionId && (await revocations.isRevoked(viewer.sessionId))) {
      throw unauthenticated('Session ended; sign in again');
    }
    const base: SubgraphContext = {
      requestId,
      viewer,
      loaders: new LoaderRegistry(),
      logger: runtime.logger,
      live: runtime.live,
    };
    // Forwarded as is when a command asks another subgraph for its authoritative answer.
    if (authorization) base.authorization = authorization;
    if (internalCall) base.internalCaller = true;
    // The base fields win: an instance adds services, it does not replace the viewer.
    return instance.context ? { ...(await instance.context(base)), ...base } : base;
  };
}

/** The context function a transport hands Apollo: a refusal is answered before execution. */
function rejectingContext(
  contextFor: ContextFor,
  authorization: string | undefined,
  requestId: string,
  internalCall: boolean,
) {
  return async () => {
    try {
      return await contextFor(authorization, requestId, internalCall);
    } catch (error) {
      throw rejectionFor(error);
    }
  };
}

async function startApollo(
  schema: GraphQLSchema,
  server: Server,
  runtime: SubgraphRuntime<any>,
  drainTimeoutMs: number,
): Promise<ApolloServer<SubgraphContext>> {
  const { logger, metrics, config } = runtime;
  const apollo = new ApolloServer<SubgraphContext>({
    schema,
    logger,
    introspection: config.NODE_ENV !== 'production',
    // No "Did you mean ...?": with introspection off, suggestions would still map the schema.
    hideSchemaDetailsFromClientErrors: config.NODE_ENV === 'production',
    includeStacktraceInErrorResponses: false,
    stopOnTerminationSignals: false,
    formatError: createErrorFormatter(logger),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer: server, stopGracePeriodMillis: drainTimeoutMs }),
      graphqlMetricsPlugin(metrics),
      graphqlRequestLogPlugin(logger),
      graphqlTracingPlugin(),
      // Federated traces only matter with Apollo Studio, which NovaMart does not report to.
      ApolloServerPluginInlineTraceDisabled(),
      // No schema sets cache hints, and the default plugin would wrap every field's resolver to
      // compute a policy nobody reads (the gateway does not forward subgraph cache headers).
      ApolloServerPluginCacheControlDisabled(),
      // Apollo decides by process.env.NODE_ENV, not by this configuration: a process started with
      // NODE_ENV=production in its config only would serve Sandbox on the subgraph port.
      ...(config.NODE_ENV === 'production' ? [ApolloServerPluginLandingPageDisabled()] : []),
    ],
  });
  await apollo.start();
  return apollo;
}

/** Request ids, /health/live, /health/ready and, outside production, /debug/commands/:requestId. */
function mountOperationalRoutes(app: Express, runtime: SubgraphRuntime<any>, draining: () => boolean): void {
  app.use((req, res, next) => {
    const requestId = requestIdFrom(req.headers[REQUEST_ID_HEADER]);
    const deadline = deadlineFrom(req.headers[DEADLINE_HEADER]);
    res.locals.requestId = requestId;
    res.locals.deadline = deadline;
    res.setHeader(REQUEST_ID_HEADER, requestId);
    // Module routes (JWKS, webhooks) log under the request id too.
    runWithRequestId(requestId, next, deadline);
  });
  app.get('/health/live', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/health/ready', async (_req, res) => {
    const [mongo, redis] = await Promise.all([
      pingMongo(runtime.mongo),
      runtime.redis ? pingRedis(runtime.redis) : Promise.resolve(null),
    ]);
    const checks: Record<string, string> = { mongo: mongo ? 'up' : 'down' };
    if (redis !== null) checks.redis = redis ? 'up' : 'down';
    const ready = !draining() && mongo && redis !== false;
    res
      .status(ready ? 200 : 503)
      .json({ status: draining() ? 'draining' : ready ? 'ready' : 'unavailable', checks });
  });
  if (runtime.config.NODE_ENV !== 'production') {
    app.get('/debug/commands/:requestId', (req, res) => {
      res.json(commandStats.forRequest(req.params.requestId, { database: runtime.mongo.name }));
    });
  }
}

/**
 * The in-process transport: a gateway (or a peer subgraph) in the same process sends its subgraph
 * requests here. The operation runs through Apollo's request pipeline (parse and validation
 * caches, plugins, the error formatter) as over HTTP, but its result is handed over as objects:
 * serializing it to JSON here only for the caller to parse it again was a tenth of a catalog
 * page's gateway overhead. A context that fails (a bad token) is answered by the HTTP path itself,
 * so that its status and formatted error are exactly the wire's.
 */
function inProcessHandler(
  name: string,
  apollo: ApolloServer<SubgraphContext>,
  contextFor: ContextFor,
  inFlight: Set<Promise<unknown>>,
): RunningSubgraph['handle'] {
  return (request) => {
    const requestId = requestIdFrom(request.headers[REQUEST_ID_HEADER]);
    const deadline = deadlineFrom(request.headers[DEADLINE_HEADER]);
    const handling = runWithRequestId(
      requestId,
      () =>
        inProcessServerSpan(name, request.headers, async (): Promise<InProcessResponse> => {
          const headers = new HeaderMap();
          for (const [name, value] of Object.entries(request.headers))
            if (value !== undefined) headers.set(name.toLowerCase(), value);
          if (!headers.has('content-type')) headers.set('content-type', 'application/json');
          const httpGraphQLRequest = { method: 'POST', headers, search: '', body: request.body };
          const context = rejectingContext(
            contextFor,
            headers.get('authorization'),
            requestId,
            isInternalCall(headers.get(INTERNAL_CALL_HEADER)),
          );
          const contextValue = await context().catch(() => null);
          if (contextValue === null) return overHttp(apollo, httpGraphQLRequest, context);
          const { body, http } = await apollo.executeOperation(
            { ...graphqlRequestOf(request.body), http: httpGraphQLRequest },
            { contextValue },
          );
          // Subgraphs answer no incremental (@defer) responses.
          if (body.kind !== 'single') return overHttp(apollo, httpGraphQLRequest, context);
          return { status: http.status ?? 200, result: body.singleResult as InProcessResult };
        }),
      deadline,
    );
    inFlight.add(handling);
    void handling.finally(() => inFlight.delete(handling)).catch(() => undefined);
    return handling;
  };
}

function graphqlRequestOf(body: Record<string, unknown>) {
  return {
    query: body.query as string | undefined,
    variables: body.variables as Record<string, unknown> | undefined,
    operationName: body.operationName as string | undefined,
    extensions: body.extensions as Record<string, unknown> | undefined,
  };
}

/** The request as Apollo answers it over HTTP, its JSON body parsed. */
async function overHttp(
  apollo: ApolloServer<SubgraphContext>,
  httpGraphQLRequest: HTTPGraphQLRequest,
  context: () => Promise<SubgraphContext>,
): Promise<InProcessResponse> {
  const response = await apollo.executeHTTPGraphQLRequest({ httpGraphQLRequest, context });
  let body = '';
  if (response.body.kind === 'complete') body = response.body.string;
  else for await (const chunk of response.body.asyncIterator) body += chunk;
  return { status: response.status ?? 200, result: JSON.parse(body) as InProcessResult };
}

interface GraphqlTransports {
  apollo: ApolloServer<SubgraphContext>;
  subscriptions: SubscriptionTransports;
  contextFor: ContextFor;
  inFlight: Set<Promise<unknown>>;
}

/** /graphql over HTTP: the body, the request id, the server span, subscriptions, then Apollo. */
function mountGraphql(app: Express, name: string, t: GraphqlTransports): void {
  app.use(
    '/graphql',
    express.json({ limit: '1mb' }),
    // Entered again once the body is read: the body parser's stream callbacks run outside the
    // async context entered above.
    (_req, res, next) =>
      runWithRequestId(res.locals.requestId as string, next, res.locals.deadline as number | undefined),
    graphqlServerSpan(name),
    t.subscriptions.httpHandler,
    trackInFlight(
      t.inFlight,
      expressMiddleware(t.apollo, {
        context: ({ req, res }) =>
          rejectingContext(
            t.contextFor,
            req.headers.authorization,
            res.locals.requestId as string,
            isInternalCall(req.headers[INTERNAL_CALL_HEADER]),
          )(),
      }),
    ),
  );
}

/** Starts the instance and listens; on a failure stops what was started, then throws. Returns the port. */
async function listenOrUnwind(
  server: Server,
  port: number,
  host: string,
  started: {
    instance: SubgraphInstance<any>;
    subscriptions: SubscriptionTransports;
    apollo: ApolloServer<SubgraphContext>;
    metricsServer: MetricsServer | null;
    logger: Logger;
  },
): Promise<number> {
  try {
    await started.instance.start?.();
    server.listen(port, host);
    await once(server, 'listening');
    await started.metricsServer?.listen();
  } catch (error) {
    await started.instance
      .stop?.()
      .catch((err: unknown) => started.logger.error({ err }, 'stopping the instance after a failed start'));
    await started.subscriptions.close();
    await started.apollo.stop();
    throw error;
  }
  return (server.address() as AddressInfo).port;
}

/**
 * Serves a subgraph module on a runtime: /graphql (Apollo Server 5, federation schema),
 * /health/live, /health/ready, /metrics and, outside production, /debug/commands/:requestId.
 */
export async function startSubgraph(
  module: SubgraphModule<any>,
  runtime: SubgraphRuntime<any>,
  options: StartSubgraphOptions = {},
): Promise<RunningSubgraph> {
  const { logger, config } = runtime;
  const drainTimeoutMs = options.drainTimeoutMs ?? 10_000;
  const verifier = options.verifier ?? createTokenVerifier({ jwksUrl: config.JWKS_URL });
  const revocations =
    options.revocations ?? sessionRevocationsFor(runtime.redis, runtime.config.REDIS_KEY_PREFIX);
  const instance = await createSubgraphInstance(module, runtime);
  const schema = buildSubgraphSchema([
    {
      typeDefs: instance.typeDefs,
      resolvers: withSharedResolvers(instance.typeDefs, instance.resolvers) as never,
    },
  ]);

  const app = express();
  app.disable('x-powered-by');
  const server = createServer(app);
  let draining = false;
  const inFlight = new Set<Promise<unknown>>();
  const apollo = await startApollo(schema, server, runtime, drainTimeoutMs);
  const contextFor = contextBuilder(instance, runtime, verifier, revocations);
  const subscriptions = createSubscriptionTransports({
    schema,
    contextFor,
    formatError: createErrorFormatter(logger),
    logger,
  });
  subscriptions.attachWebSocket(server, '/graphql');

  mountOperationalRoutes(app, runtime, () => draining);
  const metricsServer = serveMetrics(app, runtime.metrics, config);
  instance.routes?.(app);
  mountGraphql(app, module.name, { apollo, subscriptions, contextFor, inFlight });
  // Express's default handler would answer with an HTML page and, outside production, a stack.
  app.use(httpErrorHandler(logger));

  const port = await listenOrUnwind(server, options.port ?? module.port, options.host ?? config.HOST, {
    instance,
    subscriptions,
    apollo,
    metricsServer,
    logger,
  });

  let stopping: Promise<void> | undefined;
  const url = graphqlUrl(options.host ?? config.HOST, port);
  const handle = inProcessHandler(module.name, apollo, contextFor, inFlight);
  // Peers in this process call it directly (in-process-peers.ts) until it stops.
  const unregisterPeer = registerInProcessPeer(url, handle);
  return {
    name: module.name,
    port,
    url,
    app,
    httpServer: server,
    instance,
    metricsPort: metricsServer?.port() ?? null,
    handle,
    stop() {
      stopping ??= (async () => {
        unregisterPeer();
        draining = true;
        // Open subscription streams would hold the HTTP drain for its whole grace period.
        await subscriptions.close();
        await apollo.stop();
        // The HTTP drain lets go of a request whose client hung up; its resolvers may still be
        // using the database the caller is about to close.
        await settleWithin(inFlight, drainTimeoutMs);
        await metricsServer?.close();
        await instance.stop?.();
      })();
      return stopping;
    },
  };
}

export interface MetricsServer {
  /** Where it listens once started. */
  port(): number;
  listen(): Promise<void>;
  close(): Promise<void>;
}

/**
 * `/metrics` on a port of its own (METRICS_PORT, on METRICS_HOST = localhost by default), never on
 * the public port in production; outside production without METRICS_PORT, on the main app.
 */
export function serveMetrics(
  app: Express,
  registry: { contentType: string; metrics(): Promise<string> },
  config: { NODE_ENV: string; METRICS_PORT?: number | undefined; METRICS_HOST: string },
): MetricsServer | null {
  const handler: RequestHandler = async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  };
  if (config.METRICS_PORT === undefined) {
    if (config.NODE_ENV !== 'production') app.get('/metrics', handler);
    return null;
  }
  const metricsApp = express();
  metricsApp.disable('x-powered-by');
  metricsApp.get('/metrics', handler);
  const server = createServer(metricsApp);
  return {
    port: () => (server.address() as AddressInfo).port,
    async listen() {
      server.listen(config.METRICS_PORT, config.METRICS_HOST);
      await once(server, 'listening');
    },
    close: () =>
      new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve())),
  };
}
