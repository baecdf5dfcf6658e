import { readdirSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

// graphql 16 ships both an ESM and a CJS build. Apollo's packages require() the CJS one, so Vite's
// default preference for the ESM build would give two graphql realms ("Cannot use GraphQLObjectType
// from another module or realm"). Everything resolves to the one Node itself loads.
const graphqlEntry = createRequire(import.meta.url).resolve('graphql');

// One vitest project per workspace that has tests, plus the cross-subgraph suites in tests/.
const workspaceDirs = [
  ...['packages', 'subgraphs'].flatMap((top) =>
    existsSync(top) ? readdirSync(top).map((name) => `${top}/${name}`) : [],
  ),
  'gateway',
  'tests',
].filter((dir) => existsSync(`${dir}/test`) || dir === 'tests');

export default defineConfig({
  resolve: { alias: [{ find: /^graphql$/, replacement: graphqlEntry }] },
  test: {
    reporters: ['default', './scripts/summary-reporter.ts'],
    projects: workspaceDirs.map((dir) => ({
      extends: true,
      test: {
        name: dir === 'tests' ? 'e2e' : dir.split('/').pop()!,
        root: dir,
        include: dir === 'tests' ? ['**/*.test.ts'] : ['test/**/*.test.ts'],
        testTimeout: 30_000,
        hookTimeout: 60_000,
        pool: 'forks',
        // Files share their worker's module cache: importing mongoose, the driver, Apollo and
        // every subgraph once per worker instead of once per file took the suite's import time
        // from 428 s to about 130 s (148 files, 2 workers). A test file restores what it changes in
        // process-wide state (environment variables, globals) and stops what it starts.
        isolate: false,
      },
    })),
    maxWorkers: 2,
    // Nothing phones home from a test run either (the gateway's own default is tested on its own).
    env: { APOLLO_TELEMETRY_DISABLED: process.env.APOLLO_TELEMETRY_DISABLED || 'true' },
  },
});
