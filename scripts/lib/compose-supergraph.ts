import { createRequire } from 'node:module';
import { isAbsolute, relative } from 'node:path';
import { composeServices } from '@apollo/composition';
import { type ASTNode, type GraphQLSchema, Source, parse, printSchema } from 'graphql';
import { repoRoot, type SubgraphEntry } from './supergraph-config';

export interface Composed {
  supergraphSdl: string;
  apiSchema: GraphQLSchema;
  apiSdl: string;
  /** Composition hints, each `[CODE] message` followed by where in which subgraph. */
  hints: string[];
}

export class CompositionError extends Error {
  constructor(readonly problems: string[]) {
    super(`composition failed:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** The federation version `npm run compose` composes with: the installed @apollo/composition's. */
export const COMPOSITION_VERSION = (
  createRequire(import.meta.url)('@apollo/composition/package.json') as { version: string }
).version;

/**
 * supergraph.yaml's `federation_version` must pin the version composition runs with (`=2.14.4`),
 * so that `rover supergraph compose --config supergraph.yaml` and `npm run compose` produce the same
 * supergraph. Returns the problem, or null when they agree.
 */
export function federationVersionProblem(named: string | undefined): string | null {
  const wanted = `=${COMPOSITION_VERSION}`;
  if (named?.trim() === wanted) return null;
  return (
    `supergraph.yaml names federation_version ${named === undefined ? '(none)' : `"${named}"`}, ` +
    `but npm run compose composes with @apollo/composition ${COMPOSITION_VERSION}: ` +
    `set federation_version: ${wanted} (or install the @apollo/composition that the file names)`
  );
}

// Each subgraph's SDL is parsed under its file's path, so that errors and hints can say where.
function whereIs(nodes: readonly ASTNode[] | undefined, fileToSubgraph: Map<string, string>): string {
  const places = (nodes ?? [])
    .map((node) => {
      const loc = node.loc;
      if (!loc) return undefined;
      const subgraph = fileToSubgraph.get(loc.source.name) ?? '?';
      return `${subgraph} at ${loc.source.name}:${loc.startToken.line}:${loc.startToken.column}`;
    })
    .filter((place): place is string => place !== undefined);
  return places.length > 0 ? ` (${[...new Set(places)].join('; ')})` : '';
}

/** Composes the subgraphs that exist into the supergraph and its client-facing API schema. */
export function composeSupergraph(subgraphs: SubgraphEntry[]): Composed {
  const present = subgraphs.filter((s): s is SubgraphEntry & { typeDefs: string } => s.typeDefs !== null);
  if (present.length === 0) throw new CompositionError(['no subgraph schema exists yet']);
  const fileToSubgraph = new Map<string, string>();
  const services = present.map((s) => {
    const file = isAbsolute(s.schemaFile) ? relative(repoRoot, s.schemaFile) : s.schemaFile;
    fileToSubgraph.set(file, s.name);
    try {
      return { name: s.name, url: s.routingUrl, typeDefs: parse(new Source(s.typeDefs, file)) };
    } catch (error) {
      throw new CompositionError([`${s.name} (${file}): ${(error as Error).message}`]);
    }
  });
  const result = composeServices(services);
  if (result.errors) {
    throw new CompositionError(
      result.errors.map((e) => {
        const code = typeof e.extensions.code === 'string' ? `[${e.extensions.code}] ` : '';
        return `${code}${e.message}${whereIs(e.nodes, fileToSubgraph)}`;
      }),
    );
  }
  const apiSchema = result.schema.toAPISchema().toGraphQLJSSchema();
  return {
    supergraphSdl: result.supergraphSdl,
    apiSchema,
    apiSdl: printSchema(apiSchema) + '\n',
    hints: (result.hints ?? []).map(
      (h) => `[${h.definition.code}] ${h.message}${whereIs(h.nodes, fileToSubgraph)}`,
    ),
  };
}
