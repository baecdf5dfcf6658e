import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { baseConfigShape } from '@novamart/kit';
import { gatewayConfigShape } from '@novamart/gateway';
import { readSupergraphConfig, repoRoot } from '../scripts/lib/supergraph-config';

/**
 * The README is the operator's manual: every environment variable any process reads must be in
 * its configuration table, and its two commands must be the ones the project actually runs.
 */
const readme = readFileSync(resolve(repoRoot, 'README.md'), 'utf8');
const ci = readFileSync(resolve(repoRoot, '.ci/run'), 'utf8');
const pkg = JSON.parse(readFileSync(resolve(repoRoot, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
};

async function moduleShapes(): Promise<Array<[string, Record<string, unknown>]>> {
  const shapes: Array<[string, Record<string, unknown>]> = [
    ['kit', baseConfigShape],
    ['gateway', gatewayConfigShape],
  ];
  for (const subgraph of readSupergraphConfig().filter((s) => s.typeDefs !== null)) {
    const mod = (await import(`../subgraphs/${subgraph.name}/src/index.ts`)) as Record<
      string,
      { configShape?: Record<string, unknown> }
    >;
    shapes.push([subgraph.name, mod[`${subgraph.name}Subgraph`]?.configShape ?? {}]);
  }
  return shapes;
}

describe('README', () => {
  it('documents every configuration variable of every process in its table', async () => {
    const missing: string[] = [];
    for (const [owner, shape] of await moduleShapes()) {
      for (const variable of Object.keys(shape)) {
        if (!new RegExp(`^\\|[^\\n]*\`${variable}\``, 'm').test(readme))
          missing.push(`${owner}: ${variable}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('gives the install-and-start and test commands that exist, and CI runs the same test command', () => {
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toMatch(/^npm test\s/m);
    expect(pkg.scripts.start).toBeDefined();
    expect(pkg.scripts.test).toBeDefined();
    expect(ci).toMatch(/^npm test$/m);
    expect(ci).toMatch(/^npm ci\b/m);
  });
});
