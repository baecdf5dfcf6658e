/**
 * `npm run bench [name...] [-- --baseline-ref <ref>]`: runs the registered benchmarks (all, or the
 * named ones), prints their figures, writes each to bench/results/<name>.json (gitignored), and
 * ends with one table: each figure beside what it was compared with in the same run and the
 * ratio. `--baseline-ref` (or BENCH_BASELINE_REF) names a git ref the benchmarks that support it
 * also build and measure (scripts/bench/lib/baseline.ts). Performance targets live here, not in
 * timed tests. Register a benchmark in scripts/bench/registry.ts.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { benchmarks } from './bench/registry';
import { summaryTable, type SummaryRow } from './bench/summary';
import { repoRoot } from './lib/supergraph-config';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const refAt = args.indexOf('--baseline-ref');
  if (refAt >= 0) {
    const ref = args[refAt + 1];
    if (!ref) {
      console.error('--baseline-ref needs a git ref, e.g. --baseline-ref main');
      process.exit(1);
    }
    process.env.BENCH_BASELINE_REF = ref;
    args.splice(refAt, 2);
  }
  const wanted = args;
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
  const started = Date.now();
  const rows: SummaryRow[] = [];
  for (const benchmark of selected) {
    console.log(`\n== ${benchmark.name}: ${benchmark.description}`);
    try {
      const figures = await benchmark.run((line) => console.log(`   ${line}`));
      const summary = (figures as { summary?: SummaryRow[] }).summary;
      if (Array.isArray(summary)) rows.push(...summary);
      const record = {
        benchmark: benchmark.name,
        at: new Date().toISOString(),
        node: process.version,
        ...figures,
      };
      writeFileSync(resolve(outDir, `${benchmark.name}.json`), JSON.stringify(record, null, 2) + '\n');
      for (const [key, value] of Object.entries(figures))
        if (key !== 'summary')
          console.log(`   ${key}: ${typeof value === 'object' ? JSON.stringify(value) : value}`);
      console.log(`   → bench/results/${benchmark.name}.json`);
    } catch (error) {
      failed = true;
      console.error(`   ${benchmark.name} failed: ${(error as Error).stack ?? error}`);
    }
  }
  if (rows.length > 0) {
    console.log(
      `\n== summary (${Math.round((Date.now() - started) / 1000)} s, Node ${process.version}; ratios compare figures of this run)`,
    );
    console.log(summaryTable(rows));
  }
  process.exit(failed ? 1 : 0);
}

await main();
