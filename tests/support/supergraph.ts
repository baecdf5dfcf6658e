/**
 * The cross-subgraph test harness: real subgraphs behind the real gateway, all in this process.
 *
 * How an e2e suite (tests/<name>.test.ts, vitest project `e2e`) uses it:
 *
 *   import { startSupergraph, type Supergraph } from './support/supergraph';
 *   import { usersSubgraph } from '@novamart/users';
 *   import { productsSubgraph } from '@novamart/products';
 *
 *   let sg: Supergraph;
 *   beforeAll(async () => { sg = await startSupergraph({ subgraphs: [usersSubgraph, productsSubgraph] }); });
 *   afterAll(() => sg?.stop());
 *
 *   it('...', async () => {
 *     const admin = await sg.admin();                       // needs users
 *     const res = await sg.query('mutation($i: ProductInput!) { createProduct(input: $i) { id } }',
 *                                { i: {...} }, { token: admin.token });
 *     const live = await sg.subscribe('subscription { myOrderUpdates { status } }', {}, { token });
 *     const event = await live.next();                      // resolved through the supergraph
 *     sg.subgraph('products').runtime.mongo                  // the subgraph's own database
 *     const second = await sg.startExtraGateway();          // another instance (own Redis
 *     await sg.subscribe(doc, vars, { token, gateway: second }); //  live bus with redis: true)
 *   });
 *
 * What it starts: the embedded MongoDB in memory on a free port (each subgraph in its own
 * database), one event bus and one live bus shared by every subgraph (in-process, or Redis
 * Streams and pub/sub under a unique key prefix with `redis: true`), each module with the kit's
 * `startSubgraph` on port 0, the supergraph composed in memory from the modules' typeDefs, and
 * the gateway on port 0. Tokens are verified against the users subgraph's JWKS when users is in
 * the list; without it, `tokenFor(viewer)` signs test tokens that every subgraph accepts.
 * Logs are silent unless `env.LOG_LEVEL` says otherwise.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { print, type GraphQLFormattedError } from 'graphql';
import { createClient, type Client, type FormattedExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';
import {
  createLogger,
  createMetricsRegistry,
  createRedis,
  createSubgraphRuntime,
  createTokenVerifier,
  loadConfig,
  peerUrlVariable,
  startSubgraph,
  type OwnedSubgraphRuntime,
  type RunningSubgraph,
  type SubgraphInstance,
  type SubgraphModule,
  type SubgraphRuntime,
  type TokenVerifier,
  type Viewer,
} from '@novamart/kit';
import { createTestTokens, testRedisUrl, uniqueDbName, uniqueKeyPrefix } from '@novamart/kit/testing';
import {
  InProcessBus,
  InProcessLiveBus,
  pendingEventsFilter,
  type EventBus,
  type LiveBus,
} from '@novamart/events';
import { RedisLiveBus, RedisStreamsBus } from '@novamart/events/redis';
import { privateSocketPath, startEmbeddedMongo, startEmbeddedMongoThread } from '@novamart/mongo-server';
import { loadGatewayConfig, startGateway, type RunningGateway } from '@novamart/gateway';
import { composeSupergraph } from '../../scripts/lib/compose-supergraph';

export interface StartSupergraphOptions {
  /** The modules to run, e.g. `[usersSubgraph, productsSubgraph, inventorySubgraph]`. */
  subgraphs: SubgraphModule<any>[];
  /** Extra environment for every subgraph's and the gateway's configuration. */
  env?: Record<string, string>;
  /**
   * The embedded MongoDB's transaction lifetime (mongod's transactionLifetimeLimitSeconds, 60 s by
   * default). A process SIGKILLed inside a transaction holds what it wrote until then: suites that
   * kill processes set it low, as a deployment where processes can die should.
   */
  transactionLifetimeMs?: number;
  /** Redis Streams and Redis pub/sub (at REDIS_URL or 127.0.0.1:6379) instead of in-process buses. */
  redis?: boolean;
  /** The gateway calls the subgraphs in process, as `npm start` does (default: over HTTP). */
  inProcess?: boolean;
  /** The embedded MongoDB on a worker thread, as `npm start` runs it (default: this thread). */
  mongoThread?: boolean;
  /** A built single-page app the gateway serves at `/` (the storefront's dist/). */
  staticDir?: string;
}

export interface GraphQLResponse<T = any> {
  data?: T | null;
  errors?: GraphQLFormattedError[];
  extensions?: Record<string, unknown>;
}

export interface RequestOptions {
  /** Access token, with or without the `Bearer ` prefix. */
  token?: string;
  headers?: Record<string, string>;
}

export interface LiveSubscription<T = any> {
  /** The next event (waits up to `timeoutMs`, default 10 s). */
  next(timeoutMs?: number): Promise<FormattedExecutionResult<T, unknown>>;
  /** The errors a refused subscription ended with (e.g. FORBIDDEN), once it has ended. */
  error: GraphQLFormattedError[] | Error | undefined;
  /** Completes the subscription and closes its connection. */
  close(): Promise<void>;
}

export interface HarnessSubgraph {
  name: string;
  url: string;
  runtime: SubgraphRuntime<any>;
  instance: SubgraphInstance<any>;
  running: RunningSubgraph;
}

/** Another instance of a subgraph (`startReplica`): same database, same consumer groups. */
export interface HarnessReplica {
  name: string;
  url: string;
  runtime: SubgraphRuntime<any>;
  /** Its own event bus, one more consumer in each of the subgraph's groups. */
  bus: EventBus;
  /** Drains and stops it, as SIGTERM would. */
  stop(): Promise<void>;
  /**
   * Drops it like a killed process: the bus stops at once and acknowledges nothing more (what
   * it had taken is claimed by the other consumers), the HTTP server closes.
   */
  kill(): Promise<void>;
}

export interface SignedInUser {
  token: string;
  refreshToken: string;
  userId: string;
  email: string;
  password: string;
}

export interface Supergraph {
  gatewayUrl: string;
  /** Redis key prefix of the buses (with `redis: true`): a process started beside the harness joins them with it. */
  keyPrefix: string;
  /** Redis URL of the buses with `redis: true`, else undefined. */
  redisUrl: string | undefined;
  wsUrl: string;
  gateway: RunningGateway;
  supergraphSdl: string;
  mongoUri: string;
  bus: EventBus;
  live: LiveBus;
  /** A GraphQL operation through the gateway, as a storefront would send it. */
  query<T = any>(
    document: string,
    variables?: Record<string, unknown>,
    options?: RequestOptions,
  ): Promise<GraphQLResponse<T>>;
  /** Like `query`, with the HTTP status and headers. */
  post<T = any>(
    body: unknown,
    options?: RequestOptions,
  ): Promise<{ status: number; headers: Headers; body: GraphQLResponse<T> }>;
  /** Resolves once the gateway listens on the live bus for it, or once it was refused (see `error`). */
  subscribe<T = any>(
    document: string,
    variables?: Record<string, unknown>,
    options?: { token?: string; gateway?: RunningGateway },
  ): Promise<LiveSubscription<T>>;
  /** A second gateway instance on the same subgraphs (pass it to `subscribe` as `gateway`). */
  startExtraGateway(): Promise<RunningGateway>;
  /**
   * One more instance of a running subgraph, as a second replica process would be: its own
   * runtime on the same database, its own bus joining the same consumer groups (Redis Streams
   * under the same key prefix, or the same in-memory broker), its own HTTP port. The gateway and
   * the peers keep calling the first instance; the replica shares the events' work. A replica's
   * bus claims a stopped consumer's entries after `claimIdleMs` (default the bus's).
   */
  startReplica(name: string, options?: { claimIdleMs?: number }): Promise<HarnessReplica>;
  subgraph(name: string): HarnessSubgraph;
  /**
   * Waits until the event flow is at rest: no subgraph has an outbox entry left to publish, and
   * every consumer group has handled (and acknowledged) every event published so far, twice in a
   * row. What a test checks after it did not happen "a second time" is then final.
   */
  settled(timeoutMs?: number): Promise<void>;
  /** Signs a token for any viewer; only without the users subgraph (with it, use `login`). */
  tokenFor(viewer: Viewer): Promise<string>;
  /** users: logs in through the gateway. */
  login(email: string, password: string): Promise<SignedInUser>;
  /** users: registers a fresh customer (unique email) and logs in. */
  customer(name?: string): Promise<SignedInUser>;
  /** users: the administrator made at start from ADMIN_EMAIL / ADMIN_PASSWORD, logged in. */
  admin(): Promise<SignedInUser>;
  stop(): Promise<void>;
}

/**
 * The comment on `settled()`'s outbox counts, so that a benchmark counting every MongoDB command
 * can tell the harness's polling from the work it measures.
 */
export const SETTLED_CHECK_COMMENT = 'harness:settled';

export const HARNESS_ADMIN = { email: 'admin@novamart.test', password: 'Admin-Passw0rd' };

/** A verifier whose JWKS URL is known only once the users subgraph listens. */
function deferredVerifier(): { verifier: TokenVerifier; use(verifier: TokenVerifier): void } {
  let current: TokenVerifier | undefined;
  const get = () => {
    if (!current) throw new Error('No token verifier yet: the users subgraph has not started');
    return current;
  };
  return {
    verifier: {
      verify: (token) => get().verify(token),
      viewerFromAuthorization: async (header) => (header ? get().viewerFromAuthorization(header) : null),
    },
    use(verifier) {
      current = verifier;
    },
  };
}

export async function startSupergraph(options: StartSupergraphOptions): Promise<Supergraph> {
  const cleanups: (() => Promise<unknown>)[] = [];
  const cleanup = async () => {
    for (const step of cleanups.splice(0).reverse()) {
      await step().catch((error: unknown) => console.error('supergraph harness: cleanup failed', error));
    }
  };

  try {
    const mongo = await (options.mongoThread ? startEmbeddedMongoThread : startEmbeddedMongo)({
      port: 0,
      inMemory: true,
      // As `npm start`: subgraphs in this process use the unix socket; `mongoUri` (TCP) is for others.
      socketPath: privateSocketPath(),
      ...(options.transactionLifetimeMs !== undefined && {
        transactionLifetimeMs: options.transactionLifetimeMs,
      }),
    });
    cleanups.push(() => mongo.stop());
    const dataDir = await mkdtemp(join(tmpdir(), 'novamart-e2e-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));

    const keyPrefix = uniqueKeyPrefix('e2e');
    const env: Record<string, string> = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      MONGO_URL: mongo.socketUri ?? mongo.uri,
      DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      ADMIN_EMAIL: HARNESS_ADMIN.email,
      ADMIN_PASSWORD: HARNESS_ADMIN.password,
      LOGIN_THROTTLE_KEY_PREFIX: `${keyPrefix}:login-failures:`,
      ...(options.redis ? { REDIS_URL: testRedisUrl() } : {}),
      ...options.env,
    };
    const logLevel = env.LOG_LEVEL as 'silent';
    const logger = createLogger('e2e', { level: logLevel });
    const metrics = createMetricsRegistry('e2e');

    const redisUrl = env.REDIS_URL;
    const bus: EventBus = redisUrl
      ? new RedisStreamsBus(
          () => createRedis(redisUrl, 'e2e-events', { logger, redis: { maxRetriesPerRequest: null } }),
          // Signed like a deployment's when the test sets EVENTS_SIGNING_KEY (tests/security).
          {
            logger,
            metrics,
            keyPrefix,
            ...(env.EVENTS_SIGNING_KEY ? { signingKey: env.EVENTS_SIGNING_KEY } : {}),
          },
        )
      : new InProcessBus({ logger, metrics });
    cleanups.push(() => bus.close());
    const live: LiveBus = redisUrl
      ? new RedisLiveBus(redisUrl, { logger, keyPrefix })
      : new InProcessLiveBus({ logger });
    cleanups.push(() => live.close());

    const usersPresent = options.subgraphs.some((m) => m.name === 'users');
    const deferred = deferredVerifier();
    const testTokens = usersPresent ? undefined : await createTestTokens();
    if (testTokens) deferred.use(testTokens.verifier);

    // The owners before those that ask them (products asks inventory; users, promotions and cart
    // ask products, cart also inventory, promotions and shipping; orders asks cart, products,
    // promotions, shipping, and inventory and payments after receiveReturn), each learning the
    // others' URLs (PRODUCTS_URL...) as they start.
    // Every subgraph verifies tokens through the deferred verifier, which takes users' JWKS once
    // users is up, before any request.
    const ordered = [...options.subgraphs].sort((a, b) => startRank(a.name) - startRank(b.name));
    const subgraphs = new Map<string, HarnessSubgraph>();
    const dbNames = new Map<string, string>();
    let jwksUrl = 'http://127.0.0.1:1/.well-known/jwks.json';
    for (const module of ordered) {
      const config = loadConfig(module.configShape, { ...env, JWKS_URL: jwksUrl });
      const owned: OwnedSubgraphRuntime<any> = await createSubgraphRuntime(module, {
        config,
        logger: createLogger(module.name, { level: logLevel }),
        dbName: dbNames.set(module.name, uniqueDbName(module.name)).get(module.name)!,
        bus,
        live,
      });
      cleanups.push(() => owned.close());
      const running = await startSubgraph(module, owned.runtime, {
        port: 0,
        host: '127.0.0.1',
        verifier: deferred.verifier,
      });
      cleanups.push(() => running.stop());
      env[peerUrlVariable(module.name)] = running.url;
      if (module.name === 'users') {
        jwksUrl = new URL('/.well-known/jwks.json', running.url).href;
        deferred.use(createTokenVerifier({ jwksUrl }));
      }
      subgraphs.set(module.name, {
        name: module.name,
        url: running.url,
        runtime: owned.runtime,
        instance: running.instance,
        running,
      });
    }
    await bus.start();

    const composed = composeSupergraph(
      [...subgraphs.values()].map((s) => ({
        name: s.name,
        routingUrl: s.url,
        schemaFile: `${s.name} (in memory)`,
        typeDefs: print(s.instance.typeDefs),
      })),
    );
    const launchGateway = async (gatewayLive: LiveBus) => {
      const running = await startGateway({
        supergraphSdl: composed.supergraphSdl,
        live: gatewayLive,
        config: loadGatewayConfig({ ...env, JWKS_URL: jwksUrl }),
        logger: createLogger('gateway', { level: logLevel }),
        verifier: deferred.verifier,
        ...(options.inProcess
          ? {
              inProcessSubgraphs: Object.fromEntries(
                [...subgraphs.values()].map((s) => [s.name, s.running.handle]),
              ),
            }
          : {}),
        port: 0,
        host: '127.0.0.1',
        ...(options.staticDir ? { staticDir: options.staticDir } : {}),
      });
      cleanups.push(() => running.stop());
      return running;
    };
    const gateway = await launchGateway(live);
    // Another instance, as a second gateway process would be: its own Redis live-bus connections
    // with `redis: true` (in-process, it can only share the one live bus).
    const startExtraGateway = async () => {
      const ownLive = redisUrl ? new RedisLiveBus(redisUrl, { logger, keyPrefix }) : live;
      if (ownLive !== live) cleanups.push(() => ownLive.close());
      return launchGateway(ownLive);
    };

    let replicas = 0;
    const startReplica = async (name: string, replicaOptions: { claimIdleMs?: number } = {}) => {
      const module = ordered.find((m) => m.name === name);
      if (!module) throw new Error(`No subgraph "${name}" to replicate in this supergraph`);
      const consumerName = `${name}-replica-${++replicas}`;
      const claim = replicaOptions.claimIdleMs ? { claimIdleMs: replicaOptions.claimIdleMs } : {};
      const replicaBus: EventBus & { abort(): void } = redisUrl
        ? new RedisStreamsBus(
            () => createRedis(redisUrl, consumerName, { logger, redis: { maxRetriesPerRequest: null } }),
            { logger, keyPrefix, consumerName, ...claim },
          )
        : new InProcessBus({ logger, broker: (bus as InProcessBus).broker, consumerName, ...claim });
      const replicaLive = redisUrl ? new RedisLiveBus(redisUrl, { logger, keyPrefix }) : live;
      const owned = await createSubgraphRuntime(module, {
        config: loadConfig(module.configShape, { ...env, JWKS_URL: jwksUrl }),
        logger: createLogger(consumerName, { level: logLevel }),
        dbName: dbNames.get(name)!,
        bus: replicaBus,
        live: replicaLive,
      });
      const running = await startSubgraph(module, owned.runtime, {
        port: 0,
        host: '127.0.0.1',
        verifier: deferred.verifier,
      });
      await replicaBus.start();
      let done: Promise<void> | undefined;
      const stop = () =>
        (done ??= (async () => {
          await running.stop();
          await owned.close();
          await replicaBus.close();
          if (replicaLive !== live) await replicaLive.close();
        })());
      const kill = () =>
        (done ??= (async () => {
          replicaBus.abort();
          await running.stop();
          await owned.close().catch(() => undefined);
          if (replicaLive !== live) await replicaLive.close();
        })());
      cleanups.push(stop);
      return { name, url: running.url, runtime: owned.runtime, bus: replicaBus, stop, kill };
    };

    return harness({
      gateway,
      supergraphSdl: composed.supergraphSdl,
      mongoUri: mongo.uri,
      bus,
      live,
      subgraphs,
      testTokens,
      cleanup,
      keyPrefix,
      redisUrl,
      startExtraGateway,
      startReplica,
    });
  } catch (error) {
    await cleanup();
    throw error;
  }
}

const START_ORDER = [
  'inventory',
  'products',
  'users',
  'promotions',
  'shipping',
  'cart',
  'payments',
  'orders',
];

function startRank(name: string): number {
  const rank = START_ORDER.indexOf(name);
  return rank === -1 ? START_ORDER.length : rank;
}

function bearer(token: string): string {
  return /^Bearer /i.test(token) ? token : `Bearer ${token}`;
}

function harness(parts: {
  gateway: RunningGateway;
  supergraphSdl: string;
  mongoUri: string;
  bus: EventBus;
  live: LiveBus;
  subgraphs: Map<string, HarnessSubgraph>;
  testTokens: Awaited<ReturnType<typeof createTestTokens>> | undefined;
  cleanup: () => Promise<void>;
  keyPrefix: string;
  redisUrl: string | undefined;
  startExtraGateway: () => Promise<RunningGateway>;
  startReplica: Supergraph['startReplica'];
}): Supergraph {
  const { gateway, subgraphs, testTokens } = parts;
  const clients = new Set<Client>();
  let adminSession: Promise<SignedInUser> | undefined;

  const post: Supergraph['post'] = async (body, options = {}) => {
    const response = await fetch(gateway.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(options.token ? { authorization: bearer(options.token) } : {}),
        ...options.headers,
      },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: GraphQLResponse;
    try {
      parsed = JSON.parse(text) as GraphQLResponse;
    } catch {
      throw new Error(`The gateway answered ${response.status} with a non-JSON body: ${text.slice(0, 200)}`);
    }
    return { status: response.status, headers: response.headers, body: parsed };
  };
  const query: Supergraph['query'] = async (document, variables, options) =>
    (await post({ query: document, variables }, options)).body;

  const requireUsers = (what: string) => {
    if (!subgraphs.has('users'))
      throw new Error(`${what} needs the users subgraph in startSupergraph({ subgraphs })`);
  };

  const login: Supergraph['login'] = async (email, password) => {
    requireUsers('login');
    const result = await query(
      'mutation HarnessLogin($email: String!, $password: String!) { login(email: $email, password: $password) { accessToken refreshToken user { id } } }',
      { email, password },
    );
    const payload = result.data?.login;
    if (!payload) throw new Error(`login as ${email} failed: ${JSON.stringify(result.errors)}`);
    return {
      token: payload.accessToken,
      refreshToken: payload.refreshToken,
      userId: payload.user.id,
      email,
      password,
    };
  };

  return {
    gatewayUrl: gateway.url,
    keyPrefix: parts.keyPrefix,
    redisUrl: parts.redisUrl,
    wsUrl: gateway.wsUrl,
    gateway,
    supergraphSdl: parts.supergraphSdl,
    mongoUri: parts.mongoUri,
    bus: parts.bus,
    live: parts.live,
    query,
    post,

    startExtraGateway: parts.startExtraGateway,
    startReplica: parts.startReplica,

    async settled(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      const bus = parts.bus as EventBus & { backlog(): Promise<number> };
      let quiet = 0;
      for (;;) {
        let unpublished = 0;
        for (const s of subgraphs.values()) {
          const options = { comment: SETTLED_CHECK_COMMENT };
          unpublished += await s.runtime.mongo.collection('outbox').countDocuments({ sentAt: null }, options);
          // Events the documents of a collection carry (`documentEvents`) until their relay publishes them.
          for (const collection of s.instance.documentEvents ?? [])
            unpublished += await s.runtime.mongo
              .collection(collection)
              .countDocuments(pendingEventsFilter(), options);
        }
        const backlog = await bus.backlog();
        quiet = unpublished === 0 && backlog === 0 ? quiet + 1 : 0;
        if (quiet === 2) return;
        if (Date.now() > deadline)
          throw new Error(`events not settled: ${unpublished} unpublished, ${backlog} unhandled`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },

    async subscribe(document, variables, options = {}) {
      const via = options.gateway ?? gateway;
      const client = createClient({
        url: via.wsUrl,
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        ...(options.token ? { connectionParams: { authorization: bearer(options.token) } } : {}),
      });
      clients.add(client);
      const buffered: FormattedExecutionResult<any, unknown>[] = [];
      const waiting: ((event: FormattedExecutionResult<any, unknown>) => void)[] = [];
      let ended: () => void = () => undefined;
      const endedPromise = new Promise<void>((resolve) => (ended = resolve));
      const before = via.startedSubscriptions();
      const handle: LiveSubscription = {
        error: undefined,
        next(timeoutMs = 10_000) {
          const event = buffered.shift();
          if (event) return Promise.resolve(event);
          if (handle.error)
            return Promise.reject(new Error(`subscription ended: ${JSON.stringify(handle.error)}`));
          return new Promise((resolve, reject) => {
            const timer = setTimeout(
              () => reject(new Error(`no subscription event within ${timeoutMs} ms`)),
              timeoutMs,
            );
            waiting.push((event) => {
              clearTimeout(timer);
              resolve(event);
            });
          });
        },
        async close() {
          clients.delete(client);
          await client.dispose();
        },
      };
      client.subscribe(
        { query: document, ...(variables ? { variables } : {}) },
        {
          next: (event) => {
            const waiter = waiting.shift();
            if (waiter) waiter(event);
            else buffered.push(event);
          },
          error: (error) => {
            handle.error = Array.isArray(error)
              ? (error as GraphQLFormattedError[])
              : error instanceof Error
                ? error
                : new Error(JSON.stringify(error));
            ended();
          },
          complete: () => ended(),
        },
      );
      // graphql-ws has no "subscribed" message: wait until the gateway has started one more, or it
      // ended. The started count only grows, so other subscriptions ending meanwhile cannot hide it.
      const deadline = Date.now() + 10_000;
      let settled = false;
      void endedPromise.then(() => (settled = true));
      while (!settled && via.startedSubscriptions() <= before) {
        if (Date.now() > deadline) throw new Error('the gateway did not start the subscription within 10 s');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return handle;
    },

    subgraph(name) {
      const subgraph = subgraphs.get(name);
      if (!subgraph)
        throw new Error(
          `No subgraph "${name}" in this supergraph (have: ${[...subgraphs.keys()].join(', ')})`,
        );
      return subgraph;
    },

    async tokenFor(viewer) {
      if (!testTokens)
        throw new Error(
          'tokenFor() is for supergraphs without users; with users, use login(), customer() or admin()',
        );
      return testTokens.sign(viewer);
    },

    login,

    async customer(name = 'Test Customer') {
      requireUsers('customer');
      const email = `customer-${randomBytes(5).toString('hex')}@novamart.test`;
      const password = 'Customer-Passw0rd';
      const registered = await query(
        'mutation HarnessRegister($input: RegisterInput!) { register(input: $input) { id } }',
        {
          input: { email, password, name },
        },
      );
      if (!registered.data?.register)
        throw new Error(`register ${email} failed: ${JSON.stringify(registered.errors)}`);
      return login(email, password);
    },

    admin() {
      requireUsers('admin');
      adminSession ??= login(HARNESS_ADMIN.email, HARNESS_ADMIN.password);
      return adminSession;
    },

    async stop() {
      await Promise.all([...clients].map((client) => client.dispose()));
      clients.clear();
      await parts.cleanup();
    },
  };
}
