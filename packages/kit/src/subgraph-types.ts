import type { ConsumerDeclaration, EventBus, EventType, LiveBus } from '@novamart/events';
import type { Express } from 'express';
import type { DocumentNode, GraphQLFieldResolver, GraphQLScalarType } from 'graphql';
import type { Redis } from 'ioredis';
import type { Connection } from 'mongoose';
import type { Registry } from 'prom-client';
import type { z, ZodRawShape } from 'zod';
import type { Viewer } from './auth';
import type { BaseConfig } from './config';
import type { LoaderRegistry } from './loaders';
import type { Logger } from './logger';

/** Resolvers as `@apollo/subgraph` takes them (including `__resolveReference`). */
export interface ResolverMap<TContext = SubgraphContext> {
  [typeName: string]:
    | {
        [fieldName: string]:
          | GraphQLFieldResolver<any, TContext>
          | {
              requires?: string;
              resolve?: GraphQLFieldResolver<any, TContext>;
              subscribe?: GraphQLFieldResolver<any, TContext>;
            };
      }
    | GraphQLScalarType
    | { [enumValue: string]: string | number };
}

/** What a subgraph is given to build itself on. */
export interface SubgraphRuntime<C = unknown> {
  /** e.g. 'users' */
  name: string;
  /** Base configuration plus the module's own (`configShape`). */
  config: BaseConfig & C;
  logger: Logger;
  /** The subgraph's own database, `novamart_<name>`. */
  mongo: Connection;
  bus: EventBus;
  live: LiveBus;
  /** null when no REDIS_URL is configured (in-process buses). */
  redis: Redis | null;
  metrics: Registry;
}

export interface SubgraphModule<C = unknown> {
  name: string;
  /** Default port (4001-4008, see docs/architecture.md). */
  port: number;
  /** Extra environment variables of this subgraph, validated with the base ones. */
  configShape?: ZodRawShape;
  /** Builds models, services, resolvers and background workers on a runtime. */
  create(runtime: SubgraphRuntime<C>): Promise<SubgraphInstance<any>>;
}

/** The per-request context every resolver receives, plus what the instance's `context` adds. */
export interface SubgraphContext {
  requestId: string;
  viewer: Viewer | null;
  /** The request's Authorization header, passed on when a command asks another subgraph as this caller. */
  authorization?: string;
  /** The request comes from another subgraph of this deployment (internal-calls.ts). */
  internalCaller?: boolean;
  loaders: LoaderRegistry;
  logger: Logger;
  /** The runtime's live bus: subscription resolvers listen on it (`liveSubscription`). */
  live: LiveBus;
}

export interface SubgraphInstance<TContext extends SubgraphContext = SubgraphContext> {
  typeDefs: DocumentNode;
  resolvers: ResolverMap<TContext>;
  /** Adds services to the per-request context. */
  context?: (
    base: SubgraphContext,
  ) => Omit<TContext, keyof SubgraphContext> | Promise<Omit<TContext, keyof SubgraphContext>>;
  /**
   * The consumers of other subgraphs' (and its own) events: per group, a handler per event type.
   * The kit subscribes them (`createSubgraphInstance`); handlers are transactional and idempotent
   * unless a consumer says how it is idempotent by itself (`idempotentBy`; with `transactional`,
   * still in a transaction, without the idempotency record).
   */
  consumers?: ConsumerDeclaration[];
  /** The event types this subgraph publishes; when any, the kit runs its outbox relay. */
  publishes?: readonly EventType[];
  /**
   * Collections whose documents carry their own events (`DocumentEvents`: a change to one
   * document publishes in that write, without a transaction); the kit runs a relay for each.
   */
  documentEvents?: readonly string[];
  /** Extra HTTP routes (JWKS, webhooks), mounted before /graphql; they parse their own bodies. */
  routes?: (app: Express) => void;
  /** Starts consumers, relays, sweepers. Called before the server accepts requests. */
  start?(): Promise<void>;
  /** Drains and stops them. Called after in-flight requests have finished. */
  stop?(): Promise<void>;
  /**
   * How much work the instance has in flight that no request or event delivery waits for: work a
   * module starts after answering (the simulated payment provider's announcements) and, added by
   * the kit, what its outbox relay has not published yet. 0 when there is none; the test harnesses'
   * `settled()` waits for 0 (with the bus's backlog) before a test checks that nothing more happens.
   */
  pendingWork?(): number;
}

/** What a subgraph's `create` builds besides its schema and resolvers (services, consumers, workers). */
export type SubgraphParts<TContext extends SubgraphContext> = Omit<
  SubgraphInstance<TContext>,
  'typeDefs' | 'resolvers'
>;

/** The configuration a module's own `configShape` describes (empty without one). */
export type ConfigOf<S extends ZodRawShape> = z.infer<z.ZodObject<S>>;

export interface SubgraphDeclaration<S extends ZodRawShape, TContext extends SubgraphContext> {
  name: string;
  /** Default port (see ports.ts). */
  port: number;
  configShape?: S;
  /** The subgraph's SDL file, e.g. `new URL('./schema.graphql', import.meta.url)`; read once, here. */
  schema: URL;
  resolvers: ResolverMap<TContext>;
  create(runtime: SubgraphRuntime<ConfigOf<S>>): Promise<SubgraphParts<TContext>>;
}
