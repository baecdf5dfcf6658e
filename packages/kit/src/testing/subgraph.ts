import { randomUUID } from 'node:crypto';
import { createEvent, type DomainEvent, InProcessBus, InProcessLiveBus } from '@novamart/events';
import { type Connection } from 'mongoose';
import { type Viewer } from '../auth';
import { commandStats, type CommandCounts } from '../command-stats';
import { loadConfig } from '../config';
import { createLogger, type Logger } from '../logger';
import { createMetricsRegistry } from '../metrics';
import { connectMongo } from '../mongo';
import { createSubgraphRuntime } from '../subgraph-runtime';
import { startSubgraph, type RunningSubgraph } from '../subgraph-server';
import type { SubgraphContext, SubgraphModule, SubgraphRuntime } from '../subgraph-types';
import { uniqueDbName } from './db-name';
import { startEmbeddedMongoForTests } from './embedded-mongo';
import { createTestTokens, type TestTokens } from './tokens';
import { settle } from './wait';

export interface TestGraphQLResult<T = any> {
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, any> }[];
  /** MongoDB commands this request issued against the subgraph's own database. */
  commands(): CommandCounts;
}

export interface TestSubgraph<S = Record<string, unknown>> {
  running: RunningSubgraph;
  runtime: SubgraphRuntime<any>;
  /** The subgraph's own database. */
  conn: Connection;
  bus: InProcessBus;
  live: InProcessLiveBus;
  tokens: TestTokens;
  logger: Logger;
  /** What the module's `context` adds for every request: its services. */
  services: S;
  /**
   * A GraphQL request over HTTP, as the gateway would send it, signed for `viewer` when given;
   * `headers` adds to it, e.g. `internalCallHeaders()` for a call as another subgraph makes it.
   */
  graphql<T = any>(
    query: string,
    variables?: Record<string, unknown>,
    viewer?: Viewer | null,
    headers?: Record<string, string>,
  ): Promise<TestGraphQLResult<T>>;
  /** Publishes a domain event on the subgraph's bus, as another subgraph would. */
  publish(type: string, aggregateId: string, payload: Record<string, unknown>): Promise<DomainEvent>;
  /**
   * Resolves once the subgraph's asynchronous work is done: every event on its bus handled by every
   * group (the test's own observers too), its outbox relay idle, and the work it started after
   * answering finished (`SubgraphInstance.pendingWork`), all of it quiet twice in a row since work
   * starts more work. Before checking that something did NOT happen; throws after `timeoutMs`.
   */
  settled(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface StartSubgraphForTestsOptions {
  /** Environment for the module's configuration, on top of NODE_ENV=test. */
  env?: Record<string, string>;
  /**
   * Leave the embedded MongoDB running on stop: it is shared by every subgraph a test file starts,
   * so only the last one should stop it.
   */
  keepMongo?: boolean;
}

/**
 * One subgraph module as its own process would run it, for the module's tests: on the embedded
 * MongoDB (its own database), an in-process event bus and live bus, tokens signed by a test key
 * pair, and the kit's server on a free port. Logs are silent unless TEST_LOG_LEVEL says otherwise.
 */
export async function startSubgraphForTests<S = Record<string, unknown>>(
  module: SubgraphModule<any>,
  options: StartSubgraphForTestsOptions = {},
): Promise<TestSubgraph<S>> {
  const mongo = await startEmbeddedMongoForTests();
  const conn = await connectMongo({ url: mongo.uri, dbName: uniqueDbName(module.name) });
  const logger = createLogger(module.name, {
    level: (process.env.TEST_LOG_LEVEL as 'silent' | undefined) ?? 'silent',
  });
  // The bus reports to the runtime's registry, as a subgraph's own bus does: tests read its counts.
  const metrics = createMetricsRegistry(module.name);
  const bus = new InProcessBus({ logger, metrics });
  const live = new InProcessLiveBus({ logger });
  const tokens = await createTestTokens();
  const config = loadConfig(module.configShape, { MONGO_URL: mongo.uri, NODE_ENV: 'test', ...options.env });
  const { runtime } = await createSubgraphRuntime(module, {
    config,
    mongo: conn,
    bus,
    live,
    redis: null,
    logger,
    metrics,
  });
  const running = await startSubgraph(module, runtime, {
    port: 0,
    host: '127.0.0.1',
    verifier: tokens.verifier,
  });
  await bus.start();
  const services = ((await running.instance.context?.({} as SubgraphContext)) ?? {}) as S;

  return {
    running,
    runtime,
    conn,
    bus,
    live,
    tokens,
    logger,
    services,
    async graphql(query, variables = {}, viewer = null, headers = {}) {
      const requestId = randomUUID();
      const response = await fetch(running.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-request-id': requestId,
          ...(viewer && { authorization: await tokens.bearer(viewer) }),
          ...headers,
        },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as Omit<TestGraphQLResult, 'commands'>;
      return { ...body, commands: () => commandStats.forRequest(requestId, { database: conn.name }) };
    },
    async publish(type, aggregateId, payload) {
      const event = createEvent(type, aggregateId, payload);
      await bus.publish(event);
      return event;
    },
    settled: (timeoutMs) =>
      settle(
        {
          'events unhandled': () => bus.backlog(),
          'subgraph work in flight': () => running.instance.pendingWork?.() ?? 0,
        },
        { what: `${module.name}'s work`, timeoutMs },
      ),
    async stop() {
      await running.stop();
      await bus.close();
      await live.close();
      await conn.close();
      if (!options.keepMongo) await mongo.stop();
    },
  };
}
