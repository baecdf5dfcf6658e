/**
 * `npm run compose`: supergraph.yaml → schema/supergraph.graphql (what the gateway serves) and
 * schema/api.graphql (the client-facing API snapshot that breaking-change detection compares with).
 * The snapshot is only rewritten when every removal from it is recorded in schema/CHANGELOG.md.
 */
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildSchema } from 'graphql';
import { composeSupergraph, CompositionError } from './lib/compose-supergraph';
import { readSupergraphConfig, repoRoot } from './lib/supergraph-config';
import { findBreakingChanges, unrecordedChanges, readChangelog } from './lib/schema-diff';

const schemaDir = resolve(repoRoot, 'schema');
const snapshotPath = resolve(schemaDir, 'api.graphql');

try {
  const subgraphs = readSupergraphConfig();
  const missing = subgraphs.filter((s) => s.typeDefs === null).map((s) => s.name);
  const composed = composeSupergraph(subgraphs);
  mkdirSync(schemaDir, { recursive: true });

  if (existsSync(snapshotPath)) {
    const breaking = findBreakingChanges(buildSchema(readFileSync(snapshotPath, 'utf8')), composed.apiSchema);
    const unrecorded = unrecordedChanges(breaking, readChangelog(resolve(schemaDir, 'CHANGELOG.md')));
    if (unrecorded.length > 0) {
      console.error('compose: breaking changes not recorded in schema/CHANGELOG.md:');
      for (const change of unrecorded) console.error(`  - ${change.coordinate}: ${change.description}`);
      console.error('Add a line naming each coordinate to schema/CHANGELOG.md, then compose again.');
      process.exit(1);
    }
  }
  writeFileSync(resolve(schemaDir, 'supergraph.graphql'), composed.supergraphSdl + '\n');
  writeFileSync(snapshotPath, composed.apiSdl);
  const included = subgraphs.filter((s) => s.typeDefs !== null).map((s) => s.name);
  console.log(
    `compose: ${included.length} subgraphs (${included.join(', ')}) → schema/supergraph.graphql, schema/api.graphql`,
  );
  if (missing.length) console.log(`compose: not yet present, left out: ${missing.join(', ')}`);
} catch (error) {
  console.error(error instanceof CompositionError ? error.message : error);
  process.exit(1);
}
