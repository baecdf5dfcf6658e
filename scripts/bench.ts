/**
 * `npm run bench [name...]`: runs the registered benchmarks (all, or the named ones), prints
 * their figures and writes each to bench/results/<name>.json (gitignored). Performance targets
 * live here, not in timed tests. Register a benchmark in scripts/bench/registry.ts.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { benchmarks } from './bench/registry';
import { repoRoot } from './lib/supergraph-config';

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((name) => !benchmarks.some((b) => b.name === name));
  if (unknown.length > 0) {
    console.error(
      `Unknown benchmark(s): ${unknown.join(', ')}. Registered: ${benchmarks.map((b) => b.name).join(', ')}`,
    );
    process.exit(1);
  }
  const selected = wanted.length > 0 ? benchmarks.filter((b) => wanted.includes(b.name)) : benchmarks;
  const outDir = resolve(repoRoot, 'bench/results');
  mkdirSync(outDir, { recursive: true });
  let failed = false;
  for (const benchmark of selected) {
    console.log(`\n== ${benchmark.name}: ${benchmark.description}`);
    try {
      const figures = await benchmark.run((line) => console.log(`   ${line}`));
      const record = {
        benchmark: benchmark.name,
        at: new Date().toISOString(),
        node: process.version,
        ...figures,
      };
      writeFileSync(resolve(outDir, `${benchmark.name}.json`), JSON.stringify(record, null, 2) + '\n');
      for (const [key, value] of Object.entries(figures))
        console.log(`   ${key}: ${typeof value === 'object' ? JSON.stringify(value) : value}`);
      console.log(`   → bench/results/${benchmark.name}.json`);
    } catch (error) {
      failed = true;
      console.error(`   ${benchmark.name} failed: ${(error as Error).stack ?? error}`);
    }
  }
  process.exit(failed ? 1 : 0);
}

await main();
