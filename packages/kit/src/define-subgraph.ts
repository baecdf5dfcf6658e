import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import type { ZodRawShape } from 'zod';
import type {
  ConfigOf,
  SubgraphContext,
  SubgraphDeclaration,
  SubgraphInstance,
  SubgraphModule,
} from './subgraph-types';

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
