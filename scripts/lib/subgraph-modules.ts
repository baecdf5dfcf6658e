import { existsSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { SubgraphModule } from '@novamart/kit';
import { repoRoot } from './supergraph-config';

function isSubgraphModule(value: unknown): value is SubgraphModule<any> {
  const candidate = value as Partial<SubgraphModule> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.name === 'string' &&
    typeof candidate.port === 'number' &&
    typeof candidate.create === 'function'
  );
}

/**
 * Every subgraph that exists: `subgraphs/<name>/src/index.ts` exporting `<name>Subgraph` (a
 * `SubgraphModule`). A subgraph whose folder has no index yet is left out; one whose index does
 * not load is an error naming it.
 */
export async function loadSubgraphModules(root = repoRoot): Promise<SubgraphModule<any>[]> {
  const dir = resolve(root, 'subgraphs');
  if (!existsSync(dir)) return [];
  const modules: SubgraphModule<any>[] = [];
  for (const name of readdirSync(dir).sort()) {
    const entry = resolve(dir, name, 'src/index.ts');
    if (!existsSync(entry)) continue;
    let exports: Record<string, unknown>;
    try {
      exports = (await import(pathToFileURL(entry).href)) as Record<string, unknown>;
    } catch (error) {
      throw new Error(`subgraphs/${name}/src/index.ts does not load: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const named = exports[`${name}Subgraph`];
    const module = isSubgraphModule(named) ? named : Object.values(exports).find(isSubgraphModule);
    if (!module)
      throw new Error(
        `subgraphs/${name}/src/index.ts exports no SubgraphModule (expected \`${name}Subgraph\`)`,
      );
    modules.push(module);
  }
  return modules;
}
