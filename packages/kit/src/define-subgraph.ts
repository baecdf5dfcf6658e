import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import type { z, ZodRawShape } from 'zod';
import type {
  ResolverMap,
  SubgraphContext,
  SubgraphInstance,
  SubgraphModule,
  SubgraphRuntime,
} from './subgraph-types';

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

/**
 * A subgraph module from its declaration: the schema file parsed once when the module loads, and
 * every instance it creates serving that schema with the declared resolvers.
 */
export function defineSubgraph<S extends ZodRawShape, TContext extends SubgraphContext>(
  declaration: SubgraphDeclaration<S, TContext>,
): SubgraphModule<ConfigOf<S>> {
  const typeDefs = parse(readFileSync(declaration.schema, 'utf8'));
  return {
    name: declaration.name,
    port: declaration.port,
    configShape: declaration.configShape,
    async create(runtime): Promise<SubgraphInstance<TContext>> {
      return { typeDefs, resolvers: declaration.resolvers, ...(await declaration.create(runtime)) };
    },
  };
}
