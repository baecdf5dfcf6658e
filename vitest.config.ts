import { readdirSync, existsSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

// One vitest project per workspace that has tests, plus the cross-subgraph suites in tests/.
const workspaceDirs = [
  ...['packages', 'subgraphs'].flatMap((top) =>
    existsSync(top) ? readdirSync(top).map((name) => `${top}/${name}`) : [],
  ),
  'gateway',
  'tests',
].filter((dir) => existsSync(`${dir}/test`) || dir === 'tests');

export default defineConfig({
  test: {
    reporters: ['default', './scripts/summary-reporter.ts'],
    projects: workspaceDirs.map((dir) => ({
      test: {
        name: dir === 'tests' ? 'e2e' : dir.split('/').pop()!,
        root: dir,
        include: dir === 'tests' ? ['**/*.test.ts'] : ['test/**/*.test.ts'],
        testTimeout: 30_000,
        hookTimeout: 60_000,
        pool: 'forks',
      },
    })),
    maxWorkers: 2,
  },
});
