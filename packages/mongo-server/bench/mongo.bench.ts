// `npm run bench:mongo`: first the catalog page's commands as server time by catalog size and find
// by _id against the driver's ping on the same connection (catalog.bench.ts: the floor, printed as
// ratios), then throughput of the embedded server through mongoose, in memory and on a --dbpath
// (fsync per acknowledged write). Prints tables and writes bench/results/mongo.json.
//
// Environment: BENCH_DOCS (seeded documents, default 10000), BENCH_SECONDS (per measurement,
// default 2.5), BENCH_CONCURRENCY (operations in flight, default 8).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mongoose, { Schema, type Model, type Types } from 'mongoose';
import { startEmbeddedMongo } from '../src/index';
import { benchCatalogCommands, benchDriverFloor } from './catalog.bench';

const DOCS = Number(process.env.BENCH_DOCS ?? 10_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2.5);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const RESULTS = fileURLToPath(new URL('./results/mongo.json', import.meta.url));

interface Item {
  sku: string;
  counter: number;
  payload: string;
}

interface Measurement {
  operations: number;
  opsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

type Mode = 'inMemory' | 'dbPath';
const OPERATIONS = ['insertOne', 'findById', 'findByIndexedField', 'updateOneInc'] as const;
type OperationName = (typeof OPERATIONS)[number];

async function benchMode(mode: Mode): Promise<Record<OperationName, Measurement>> {
  const dir = mode === 'dbPath' ? mkdtempSync(join(tmpdir(), 'novamart-mongo-bench-')) : undefined;
  const server = await startEmbeddedMongo(dir ? { port: 0, dbPath: dir } : { port: 0, inMemory: true });
  const connection = await mongoose
    .createConnection(server.uri, { dbName: 'bench', maxPoolSize: CONCURRENCY * 2 })
    .asPromise();
  try {
    const Item: Model<Item> = connection.model<Item>(
      'Item',
      new Schema<Item>({
        sku: { type: String, required: true, unique: true },
        counter: { type: Number, default: 0 },
        payload: String,
      }),
    );
    await Item.init();

    const ids: Types.ObjectId[] = [];
    const skus: string[] = [];
    const payload = 'p'.repeat(200);
    for (let start = 0; start < DOCS; start += 1_000) {
      const batch = Array.from({ length: Math.min(1_000, DOCS - start) }, (_, i) => ({
        sku: `SKU-${start + i}`,
        counter: 0,
        payload,
      }));
      const inserted = await Item.insertMany(batch);
      for (const doc of inserted) {
        ids.push(doc._id);
        skus.push(doc.sku);
      }
    }
    const pick = <T>(values: T[]): T => values[Math.floor(Math.random() * values.length)]!;

    let inserted = 0;
    let increments = 0;
    const results = {} as Record<OperationName, Measurement>;
    results.insertOne = await measure(async () => {
      await Item.create({ sku: `NEW-${inserted++}`, payload });
    });
    results.findById = await measure(async () => {
      if (!(await Item.findById(pick(ids)).lean())) throw new Error('findById missed');
    });
    results.findByIndexedField = await measure(async () => {
      if (!(await Item.findOne({ sku: pick(skus) }).lean())) throw new Error('findOne by sku missed');
    });
    results.updateOneInc = await measure(async () => {
      const result = await Item.updateOne({ _id: pick(ids) }, { $inc: { counter: 1 } });
      if (result.modifiedCount !== 1) throw new Error('updateOne modified nothing');
      increments++;
    });

    // Sanity: no increment was lost under concurrency.
    const [total] = await Item.aggregate<{ sum: number }>([
      { $group: { _id: null, sum: { $sum: '$counter' } } },
    ]);
    if (total?.sum !== increments)
      throw new Error(`lost increments: ${total?.sum} in store, ${increments} acknowledged`);
    return results;
  } finally {
    await connection.close();
    await server.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs `operation` from CONCURRENCY loops for SECONDS; throughput plus latency percentiles. */
async function measure(operation: () => Promise<void>): Promise<Measurement> {
  const latencies: number[] = [];
  const started = performance.now();
  const deadline = started + SECONDS * 1000;
  const loop = async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      await operation();
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, loop));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const percentile = (p: number) =>
    round(latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0);
  return {
    operations: latencies.length,
    opsPerSecond: Math.round(latencies.length / elapsed),
    p50Ms: percentile(0.5),
    p99Ms: percentile(0.99),
  };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

async function main(): Promise<void> {
  const sizes = (process.env.BENCH_CATALOG_SIZES ?? '1000,10000,100000').split(',').map(Number);
  console.log(`bench:mongo — catalog page commands, server time (median µs) at ${sizes.join(', ')} products`);
  const catalog = await benchCatalogCommands(sizes);
  console.table(catalog);
  const floor = await benchDriverFloor(SECONDS * 2);
  console.log(
    `find by _id vs ping through the driver: 1 connection ${floor.findByIdPerSecond}/s vs ${floor.pingPerSecond}/s = ${floor.ratio} (pairs ${floor.spread.join('–')}); ` +
      `8 in flight ${floor.findByIdPerSecond8}/s vs ${floor.pingPerSecond8}/s = ${floor.ratio8} (pairs ${floor.spread8.join('–')}; goal ≥ 0.85)`,
  );
  console.log(
    `bench:mongo — mongoose ${mongoose.version}, ${DOCS} documents seeded, concurrency ${CONCURRENCY}, ${SECONDS}s per operation`,
  );
  const modes: Record<Mode, Record<OperationName, Measurement>> = {
    inMemory: await benchMode('inMemory'),
    dbPath: await benchMode('dbPath'),
  };
  const report = {
    date: new Date().toISOString(),
    node: process.version,
    documents: DOCS,
    concurrency: CONCURRENCY,
    secondsPerOperation: SECONDS,
    catalog,
    floor,
    modes,
  };
  console.log(
    `\n${'operation'.padEnd(20)}${'mode'.padEnd(10)}${'ops/s'.padStart(10)}${'p50 ms'.padStart(10)}${'p99 ms'.padStart(10)}`,
  );
  for (const operation of OPERATIONS) {
    for (const mode of Object.keys(modes) as Mode[]) {
      const m = modes[mode][operation];
      console.log(
        `${operation.padEnd(20)}${mode.padEnd(10)}${String(m.opsPerSecond).padStart(10)}${String(m.p50Ms).padStart(10)}${String(m.p99Ms).padStart(10)}`,
      );
    }
  }
  mkdirSync(join(RESULTS, '..'), { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\n${JSON.stringify(report)}\nwritten to ${RESULTS}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
