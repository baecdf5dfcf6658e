import {
  createSubgraphRuntime,
  createTokenVerifier,
  loadConfig,
  startSubgraph,
  type Logger,
  type RunningSubgraph,
  type SubgraphRuntime,
} from '@novamart/kit';
import { settle, startEmbeddedMongoForTests, uniqueDbName } from '@novamart/kit/testing';
import type { DomainEvent, StreamBus } from '@novamart/events';
import type { Redis } from 'ioredis';
import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';
import { JWKS_PATH, usersConfigShape, usersSubgraph, type UsersConfig } from '../src/index';
import { EventLog } from './support';

export interface GraphQLResponse<T = any> {
  data?: T;
  errors?: { message: string; path?: string[]; extensions?: Record<string, any> }[];
}

export interface UsersServer {
  running: RunningSubgraph;
  runtime: SubgraphRuntime<UsersConfig>;
  events: EventLog;
  /** POSTs an operation to /graphql. */
  gql<T = any>(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<GraphQLResponse<T>>;
  stop(): Promise<void>;
}

/**
 * The users module served over HTTP exactly as in production (startSubgraph, production password
 * cost), verifying bearer tokens through the JWKS it serves itself.
 */
export async function startUsersServer(options: {
  env: Record<string, string>;
  logger: Logger;
  redis?: Redis | null;
  dbName?: string;
}): Promise<UsersServer> {
  const mongo = await startEmbeddedMongoForTests();
  const config = loadConfig(usersConfigShape, {
    NODE_ENV: 'test',
    MONGO_URL: mongo.uri,
    ...options.env,
  }) as ReturnType<typeof loadConfig> & UsersConfig;
  const { runtime, close } = await createSubgraphRuntime(usersSubgraph, {
    config,
    logger: options.logger,
    dbName: options.dbName ?? uniqueDbName('users_http'),
    redis: options.redis ?? null,
  });
  const received: DomainEvent[] = [];
  runtime.bus.subscribe({
    group: 'users-http-test',
    types: ['user.*'],
    handler: async (event: DomainEvent) => void received.push(event),
  });
  await runtime.bus.start();

  // The port is known only once listening; until then no request can arrive.
  const jwks: { fetch?: JWTVerifyGetKey } = {};
  const verifier = createTokenVerifier({ getKey: (header, token) => jwks.fetch!(header, token) });
  const running = await startSubgraph(usersSubgraph, runtime, { port: 0, host: '127.0.0.1', verifier });
  jwks.fetch = createRemoteJWKSet(new URL(`http://127.0.0.1:${running.port}${JWKS_PATH}`));
  // In-process or over Redis, the runtime's bus is a StreamBus: its backlog is what is unhandled.
  const bus = runtime.bus as StreamBus;
  const events = new EventLog(received, () =>
    settle({
      'events unhandled': () => bus.backlog(),
      'subgraph work in flight': () => running.instance.pendingWork?.() ?? 0,
    }),
  );

  return {
    running,
    runtime,
    events,
    async gql(query, variables, headers = {}) {
      const response = await fetch(running.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as GraphQLResponse;
    },
    async stop() {
      await running.stop();
      await runtime.mongo.dropDatabase();
      await close();
    },
  };
}
