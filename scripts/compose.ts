/**
 * `npm run compose`: supergraph.yaml → schema/supergraph.graphql (what the gateway serves),
 * schema/api.graphql (the client-facing API snapshot that breaking-change detection compares with)
 * and schema/subgraphs/<name>.graphql (each subgraph's SDL with its shared value types, the files
 * supergraph.yaml gives rover), then the storefront's operation types from the new API (as
 * `npm run codegen` writes them).
 * Composes with the federation version supergraph.yaml names (refusing when the installed
 * @apollo/composition is another), prints composition hints, and names the subgraph, file, line and
 * column of every composition error. The snapshot is only rewritten when every breaking change to it
 * is recorded in schema/CHANGELOG.md.
 */
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { buildSchema } from 'graphql';
import {
  COMPOSITION_VERSION,
  composeSupergraph,
  CompositionError,
  federationVersionProblem,
} from './lib/compose-supergraph';
import { readFederationVersion, readSupergraphConfig, repoRoot } from './lib/supergraph-config';
import { findBreakingChanges, unrecordedChanges, readChangelog } from './lib/schema-diff';
import { generateStorefrontTypes, storefrontTypesPath } from './lib/storefront-types';

const schemaDir = resolve(repoRoot, 'schema');
const snapshotPath = resolve(schemaDir, 'api.graphql');

async function main(): Promise<number> {
  const versionProblem = federationVersionProblem(readFederationVersion());
  if (versionProblem) {
    console.error(`compose: ${versionProblem}`);
    return 1;
  }
  const subgraphs = readSupergraphConfig();
  const missing = subgraphs.filter((s) => s.typeDefs === null).map((s) => s.name);
  const composed = composeSupergraph(subgraphs);
  for (const hint of composed.hints) console.log(`compose: hint ${hint}`);
  mkdirSync(schemaDir, { recursive: true });

  if (existsSync(snapshotPath)) {
    const breaking = await findBreakingChanges(
      buildSchema(readFileSync(snapshotPath, 'utf8')),
      composed.apiSchema,
    );
    const unrecorded = unrecordedChanges(breaking, readChangelog(resolve(schemaDir, 'CHANGELOG.md')));
    if (unrecorded.length > 0) {
      console.error('compose: breaking changes not recorded in schema/CHANGELOG.md:');
      for (const change of unrecorded) console.error(`  - ${change.coordinate}: ${change.description}`);
      console.error('Add a line naming each coordinate to schema/CHANGELOG.md, then compose again.');
      return 1;
    }
  }
  for (const subgraph of subgraphs) {
    if (subgraph.typeDefs === null || !subgraph.roverFile) continue;
    mkdirSync(dirname(subgraph.roverFile), { recursive: true });
    writeFileSync(subgraph.roverFile, subgraph.typeDefs);
  }
  writeFileSync(resolve(schemaDir, 'supergraph.graphql'), composed.supergraphSdl + '\n');
  writeFileSync(snapshotPath, composed.apiSdl);
  // The storefront's operation types follow the API, so an API change is this one command
  // (`npm run codegen` alone is for a change to the storefront's documents).
  try {
    writeFileSync(storefrontTypesPath, await generateStorefrontTypes());
  } catch (error) {
    console.error(
      `compose: the schema files are written, but the storefront's documents (storefront/src/graphql.ts) ` +
        `do not fit the API: ${(error as Error).message}`,
    );
    return 1;
  }
  const included = subgraphs.filter((s) => s.typeDefs !== null).map((s) => s.name);
  console.log(
    `compose: ${included.length} subgraphs (${included.join(', ')}) with federation ${COMPOSITION_VERSION}, ` +
      `${composed.hints.length} hint(s) → schema/supergraph.graphql, schema/api.graphql, ` +
      `${relative(repoRoot, storefrontTypesPath)}, ` +
      `${[...new Set(subgraphs.map((s) => s.roverFile && relative(repoRoot, dirname(s.roverFile))))].join(', ')}`,
  );
  if (missing.length) console.log(`compose: not yet present, left out: ${missing.join(', ')}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof CompositionError ? `compose: ${error.message}` : error);
    process.exit(1);
  },
);
