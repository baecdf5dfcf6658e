import { composeServices } from '@apollo/composition';
import { type GraphQLSchema, parse, printSchema } from 'graphql';
import type { SubgraphEntry } from './supergraph-config';

export interface Composed {
  supergraphSdl: string;
  apiSchema: GraphQLSchema;
  apiSdl: string;
  hints: string[];
}

export class CompositionError extends Error {
  constructor(readonly problems: string[]) {
    super(`composition failed:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Composes the subgraphs that exist into the supergraph and its client-facing API schema. */
export function composeSupergraph(subgraphs: SubgraphEntry[]): Composed {
  const present = subgraphs.filter((s): s is SubgraphEntry & { typeDefs: string } => s.typeDefs !== null);
  if (present.length === 0) throw new CompositionError(['no subgraph schema exists yet']);
  const services = present.map((s) => {
    try {
      return { name: s.name, url: s.routingUrl, typeDefs: parse(s.typeDefs) };
    } catch (error) {
      throw new CompositionError([`${s.name} (${s.schemaFile}): ${(error as Error).message}`]);
    }
  });
  const result = composeServices(services);
  if (result.errors) throw new CompositionError(result.errors.map((e) => e.message));
  const apiSchema = result.schema.toAPISchema().toGraphQLJSSchema();
  return {
    supergraphSdl: result.supergraphSdl,
    apiSchema,
    apiSdl: printSchema(apiSchema) + '\n',
    hints: (result.hints ?? []).map((h) => h.toString()),
  };
}
