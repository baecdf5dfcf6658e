import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withSharedTypes } from '@novamart/kit';
import { parse as parseYaml } from 'yaml';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface SubgraphEntry {
  name: string;
  routingUrl: string;
  /** The subgraph's own schema file, subgraphs/<name>/src/schema.graphql. */
  schemaFile: string;
  /**
   * The SDL it serves (its schema file with the shared value types it uses, kit withSharedTypes),
   * or null when the subgraph's schema file does not exist yet.
   */
  typeDefs: string | null;
  /** supergraph.yaml's `schema.file`: that SDL written out for rover by `npm run compose`. */
  roverFile?: string;
}

interface RoverConfig {
  federation_version?: string;
  subgraphs: Record<string, { routing_url: string; schema: { file: string } }>;
}

/** supergraph.yaml's `federation_version` (rover's composition version, e.g. `=2.14.4`). */
export function readFederationVersion(path = resolve(repoRoot, 'supergraph.yaml')): string | undefined {
  const version = (parseYaml(readFileSync(path, 'utf8')) as RoverConfig | null)?.federation_version;
  return version === undefined || version === null ? undefined : String(version);
}

/**
 * Reads supergraph.yaml (rover's format) and each listed subgraph's SDL. The SDL comes from the
 * subgraph's own schema file, not from the `schema.file` rover reads: that one is what `npm run
 * compose` writes from it (and `npm run check:schema` finds stale when it differs).
 */
export function readSupergraphConfig(path = resolve(repoRoot, 'supergraph.yaml')): SubgraphEntry[] {
  const config = parseYaml(readFileSync(path, 'utf8')) as RoverConfig;
  if (!config?.subgraphs || typeof config.subgraphs !== 'object') {
    throw new Error(`${path}: no "subgraphs" map`);
  }
  return Object.entries(config.subgraphs).map(([name, entry]) => {
    if (!entry?.routing_url || !entry.schema?.file) {
      throw new Error(`${path}: subgraph "${name}" needs routing_url and schema.file`);
    }
    const schemaFile = resolve(dirname(path), 'subgraphs', name, 'src/schema.graphql');
    return {
      name,
      routingUrl: entry.routing_url,
      schemaFile,
      typeDefs: existsSync(schemaFile) ? withSharedTypes(readFileSync(schemaFile, 'utf8')) : null,
      roverFile: resolve(dirname(path), entry.schema.file),
    };
  });
}
