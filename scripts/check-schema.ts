/**
 * `npm run check:schema` (part of `npm test`): fails, naming each problem, when
 *  - supergraph.yaml's federation_version is not the installed @apollo/composition's;
 *  - the subgraphs in supergraph.yaml do not compose;
 *  - the committed schema/supergraph.graphql, schema/api.graphql or a subgraph's SDL for rover
 *    (schema/subgraphs/<name>.graphql) is stale (run `npm run compose`);
 *  - a type, field, argument or enum value of the storefront contract (schema/contract.graphql)
 *    that belongs to a subgraph that exists is missing or different in the API schema;
 *  - something was removed from (or changed incompatibly in) the API schema compared with the
 *    snapshot, without an entry naming it in schema/CHANGELOG.md (@graphql-inspector/core decides
 *    what is breaking);
 *  - the storefront's generated operation types (storefront/src/graphql-types.ts) are not what
 *    schema/api.graphql and storefront/src/graphql.ts generate now (run `npm run codegen`).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { buildSchema } from 'graphql';
import { composeSupergraph, CompositionError, federationVersionProblem } from './lib/compose-supergraph';
import { checkContract } from './lib/contract-check';
import { findBreakingChanges, readChangelog, schemaChanges, unrecordedChanges } from './lib/schema-diff';
import { generateStorefrontTypes, storefrontTypesPath } from './lib/storefront-types';
import { readFederationVersion, readSupergraphConfig, repoRoot } from './lib/supergraph-config';

const problems: string[] = [];
const schemaDir = resolve(repoRoot, 'schema');
// The storefront contract lives in the repository (schema/contract.graphql), so a bare clone checks
// itself; CONTRACT_PATH points the check at another copy, e.g. a newer one from the storefront team.
const contractPath = resolve(process.env.CONTRACT_PATH ?? resolve(schemaDir, 'contract.graphql'));

function committedSnapshot(): string | null {
  try {
    return execFileSync('git', ['show', 'HEAD:schema/api.graphql'], {
      cwd: repoRoot,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch {
    return null;
  }
}

async function main(): Promise<number> {
  const versionProblem = federationVersionProblem(readFederationVersion());
  if (versionProblem) problems.push(`federation version: ${versionProblem}`);
  const subgraphs = readSupergraphConfig();
  const present = new Set(subgraphs.filter((s) => s.typeDefs !== null).map((s) => s.name));
  let composed;
  try {
    composed = composeSupergraph(subgraphs);
  } catch (error) {
    if (!(error instanceof CompositionError)) throw error;
    for (const p of error.problems) problems.push(`composition: ${p}`);
    return report(present);
  }

  const supergraphPath = resolve(schemaDir, 'supergraph.graphql');
  const snapshotPath = resolve(schemaDir, 'api.graphql');
  if (
    !existsSync(supergraphPath) ||
    readFileSync(supergraphPath, 'utf8').trim() !== composed.supergraphSdl.trim()
  ) {
    problems.push('stale: schema/supergraph.graphql does not match the subgraphs; run `npm run compose`');
  }
  for (const subgraph of subgraphs) {
    if (subgraph.typeDefs === null || !subgraph.roverFile) continue;
    if (!existsSync(subgraph.roverFile) || readFileSync(subgraph.roverFile, 'utf8') !== subgraph.typeDefs) {
      problems.push(
        `stale: ${relative(repoRoot, subgraph.roverFile)} (rover's SDL of ${subgraph.name}) does not match ` +
          'its schema.graphql with the shared types; run `npm run compose`',
      );
    }
  }
  const snapshot = existsSync(snapshotPath) ? readFileSync(snapshotPath, 'utf8') : null;
  if (snapshot === null || snapshot.trim() !== composed.apiSdl.trim()) {
    // Name what differs, so that a reviewer sees which subgraph change was not composed.
    const differences =
      snapshot === null ? [] : await schemaChanges(buildSchema(snapshot), composed.apiSchema);
    const shown = differences
      .slice(0, 10)
      .map((c) => c.description)
      .join('; ');
    const more = differences.length > 10 ? ` and ${differences.length - 10} more` : '';
    problems.push(
      `stale: schema/api.graphql does not match the composed API schema${shown ? ` (${shown}${more})` : ''}; run \`npm run compose\``,
    );
  }

  if (existsSync(contractPath)) {
    for (const p of checkContract(readFileSync(contractPath, 'utf8'), composed.apiSchema, present)) {
      problems.push(`contract: ${p.coordinate}: ${p.message}`);
    }
  } else {
    problems.push(`contract: ${contractPath} not found (schema/contract.graphql, or CONTRACT_PATH)`);
  }

  // Breaking changes against both the working-tree snapshot and the last committed one, so that a
  // removal is caught whether or not `npm run compose` has already rewritten the snapshot.
  const changelog = readChangelog(resolve(schemaDir, 'CHANGELOG.md'));
  const baselines = [snapshot, committedSnapshot()].filter((s): s is string => s !== null);
  const seen = new Set<string>();
  for (const baseline of baselines) {
    for (const change of unrecordedChanges(
      await findBreakingChanges(buildSchema(baseline), composed.apiSchema),
      changelog,
    )) {
      const line = `breaking: ${change.coordinate}: ${change.description} (record it in schema/CHANGELOG.md)`;
      if (!seen.has(line)) problems.push(line);
      seen.add(line);
    }
  }
  await checkStorefrontTypes();
  return report(present);
}

async function checkStorefrontTypes(): Promise<void> {
  const file = relative(repoRoot, storefrontTypesPath);
  let generated: string;
  try {
    generated = await generateStorefrontTypes();
  } catch (error) {
    problems.push(`storefront types: ${error instanceof Error ? error.message : String(error)}`);
    return;
  }
  if (!existsSync(storefrontTypesPath) || readFileSync(storefrontTypesPath, 'utf8') !== generated) {
    problems.push(
      `stale: ${file} does not match schema/api.graphql and storefront/src/graphql.ts; run \`npm run codegen\``,
    );
  }
}

function report(present: Set<string>): number {
  const names = [...present].join(', ');
  if (problems.length === 0) {
    console.log(`check:schema: ok (${present.size} subgraphs: ${names})`);
    return 0;
  }
  console.error(`check:schema: ${problems.length} problem(s) with ${present.size} subgraphs (${names}):`);
  for (const p of problems) console.error(`  - ${p}`);
  return 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
