/**
 * The embedded server's share of the catalog page: server time of the page `find` and of
 * `countDocuments` at growing catalog sizes (goal ≤ 100 µs at 1,000 products, growing
 * sub-linearly to 100,000), and find by _id through the driver against the driver's own ping on
 * the same connection (goal ≥ 0.85×, the floor). The code lives in packages/mongo-server/bench.
 */
import { type CatalogFigure, type FloorFigure } from '../../packages/mongo-server/bench/catalog.bench';
import { repoRoot } from '../lib/supergraph-config';
import { startChild } from './lib/processes';
import type { SummaryRow } from './summary';

export async function benchMongo(log: (line: string) => void = () => undefined) {
  const sizes = (process.env.BENCH_MONGO_SIZES ?? '1000,10000,100000').split(',').map(Number);
  log(
    `catalog commands at ${sizes.join(', ')} products (server time, dispatch in a process of its own), ` +
      'then find by _id against ping through the driver (1 connection, then 8 in flight)',
  );
  const child = await startChild<{ catalog: CatalogFigure[]; floor: FloorFigure }>(
    'scripts/bench/lib/mongo-child.ts',
    { cwd: repoRoot, timeoutMs: 600_000 },
  );
  await child.stop();
  const { catalog, floor } = child.info;
  for (const row of catalog)
    log(
      `${row.products} products: find ${row.pageFindUs} µs, countDocuments ${row.countDocumentsUs} µs, count ${row.countUs} µs, find by _id ${row.findByIdUs} µs, ping ${row.pingUs} µs`,
    );
  const summary: SummaryRow[] = [];
  for (const row of catalog) {
    summary.push({
      work: `mongo: page find, ${row.products} products`,
      figure: `${row.pageFindUs} µs`,
      peer: `ping ${row.pingUs} µs`,
      ratio: Math.round((row.pageFindUs / 100) * 100) / 100,
      goal: '≤ 100 µs (ratio to 100 µs ≤ 1)',
    });
    summary.push({
      work: `mongo: countDocuments, ${row.products} products`,
      figure: `${row.countDocumentsUs} µs`,
      peer: `ping ${row.pingUs} µs`,
      ratio: Math.round((row.countDocumentsUs / 100) * 100) / 100,
      goal: '≤ 100 µs (ratio to 100 µs ≤ 1)',
    });
  }
  summary.push({
    work: 'mongo: find by _id via driver, 1 connection',
    figure: `${floor.findByIdPerSecond}/s (pairs ${floor.spread.join('–')})`,
    peer: `ping ${floor.pingPerSecond}/s`,
    ratio: floor.ratio,
    goal: '≥ 0.85',
  });
  summary.push({
    work: 'mongo: find by _id via driver, 8 in flight',
    figure: `${floor.findByIdPerSecond8}/s (pairs ${floor.spread8.join('–')})`,
    peer: `ping ${floor.pingPerSecond8}/s`,
    ratio: floor.ratio8,
    goal: '≥ 0.85',
  });
  // Where the gap is: the same find sent as a plain command has no cursor object on the driver's side.
  summary.push({
    work: 'mongo: the same find as db.command (no cursor), 1 connection / 8 in flight',
    figure: `ratio to ping ${floor.findCommandRatio} / ${floor.findCommandRatio8}`,
    peer: 'ping',
    ratio: floor.findCommandRatio,
    goal: 'diagnostic: the server',
  });
  return { catalog, floor, summary };
}
