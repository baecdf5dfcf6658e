/**
 * `npm test`: the whole verdict in one command, the same one `.ci/run` calls.
 * Static checks first (they are fast and explain most failures), then the vitest suites, whose
 * summary reporter prints the closing `tests: N passed, N failed, N skipped` line.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

interface Step {
  name: string;
  command: string;
  args: string[];
  when?: () => boolean;
}

// One TypeScript program and one ESLint run over the whole tree: the workspaces import each other
// from source, so per-workspace runs (`npm run typecheck`, through turbo) would check the shared
// packages again for every workspace.
const steps: Step[] = [
  { name: 'typecheck', command: 'npx', args: ['tsc', '-p', 'tsconfig.json', '--noEmit'] },
  // The storefront is browser code (DOM, JSX): its own program.
  {
    name: 'typecheck storefront',
    command: 'npx',
    args: ['tsc', '-p', 'storefront/tsconfig.json', '--noEmit'],
  },
  { name: 'lint', command: 'npx', args: ['eslint', '.'] },
  { name: 'format', command: 'npx', args: ['prettier', '--check', '.', '--log-level', 'warn'] },
  {
    name: 'schema',
    command: 'npx',
    args: ['tsx', 'scripts/check-schema.ts'],
    when: () => existsSync('scripts/check-schema.ts'),
  },
  { name: 'vitest', command: 'npx', args: ['vitest', 'run', ...process.argv.slice(2)] },
];

const env = {
  ...process.env,
  TURBO_TELEMETRY_DISABLED: '1',
  APOLLO_TELEMETRY_DISABLED: process.env.APOLLO_TELEMETRY_DISABLED || 'true',
  DO_NOT_TRACK: '1',
  FORCE_COLOR: process.env.CI ? '0' : '1',
};
const started = Date.now();
for (const step of steps) {
  if (step.when && !step.when()) continue;
  if (step.name === 'vitest')
    console.log(`\n== static checks passed in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  const t0 = Date.now();
  console.log(`\n== ${step.name}: ${step.command} ${step.args.join(' ')}`);
  const result = spawnSync(step.command, step.args, { stdio: 'inherit', env });
  const seconds = ((Date.now() - t0) / 1000).toFixed(1);
  if (result.status !== 0) {
    console.error(`\n== ${step.name} failed after ${seconds}s (exit ${result.status ?? result.signal})`);
    if (step.name !== 'vitest') console.log('tests: 0 passed, 1 failed, 0 skipped');
    process.exit(result.status ?? 1);
  }
  // Nothing may follow vitest's summary line: CI reads the closing line as the verdict.
  if (step.name !== 'vitest') console.log(`== ${step.name} ok in ${seconds}s`);
}
