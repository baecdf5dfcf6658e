import { parse } from 'graphql';
import type { ZodRawShape } from 'zod';
import { subgraphSdl } from './shared-types';
import type {
  ConfigOf,
  SubgraphContext,
  SubgraphDeclaration,
  SubgraphInstance,
  SubgraphModule,
} from './subgraph-types';

/**
 * A subgraph module from its declaration: the schema file, with the shared value types it uses,
 * parsed once when the module loads, and every instance it creates serving that schema with the
 * declared resolvers.
 */
export function defineSubgraph<S extends ZodRawShape, TContext extends SubgraphContext>(
  declaration: SubgraphDeclaration<S, TContext>,
): SubgraphModule<ConfigOf<S>> {
  const typeDefs = parse(subgraphSdl(declaration.schema));
  return {
    name: declaration.name,
    port: declaration.port,
    configShape: declaration.configShape,
    async create(runtime): Promise<SubgraphInstance<TContext>> {
      return { typeDefs, resolvers: declaration.resolvers, ...(await declaration.create(runtime)) };
    },
  };
}
