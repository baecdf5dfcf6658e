// The catalog page's two commands measured as server time (dispatch() in process, no socket, no
// driver), at growing collection sizes, and find by _id through the driver against the driver's
// own ping on the same connection (the floor no command can beat). Used by mongo.bench.ts.
import { ObjectId } from 'bson';
import { ClusterClock } from '../src/cluster-time';
import { MongoClient } from 'mongodb';
import type { Doc } from '../src/bson/values';
import { dispatch } from '../src/commands/dispatch';
import type { ServerState } from '../src/commands/context';
import { CursorManager } from '../src/cursors';
import { SessionManager } from '../src/sessions';
import { StorageEngine } from '../src/storage/engine';
import { startEmbeddedMongo } from '../src/index';

export interface CatalogFigure {
  products: number;
  /** Median server time of the page find (filter {active:true}, sort createdAt,_id, limit 21), µs. */
  pageFindUs: number;
  /** Median server time of countDocuments({active:true}) as the driver sends it (aggregate), µs. */
  countDocumentsUs: number;
  /** Median server time of the legacy count command, µs. */
  countUs: number;
  /** Median server time of find by _id (what findOne sends), µs. */
  findByIdUs: number;
  /** Median server time of ping (dispatch overhead alone), µs. */
  pingUs: number;
}

export interface FloorFigure {
  /** Sequential round trips per second on one driver connection. */
  pingPerSecond: number;
  findByIdPerSecond: number;
  /** findById / ping: 1 means a lookup costs nothing beyond a round trip. */
  ratio: number;
  /** The same, 8 operations in flight on a pool of 8. */
  pingPerSecond8: number;
  findByIdPerSecond8: number;
  ratio8: number;
}

function newState(): ServerState {
  const engine = new StorageEngine();
  return {
    engine,
    cursors: new CursorManager(),
    sessions: new SessionManager(engine),
    me: '127.0.0.1:0',
    setName: 'bench',
    startedAt: Date.now(),
    connections: { current: 0, totalCreated: 0 },
    opcounters: { insert: 0, query: 0, update: 0, delete: 0, getmore: 0, command: 0 },
    dbPath: undefined,
    clock: new ClusterClock(),
  };
}

async function run(state: ServerState, cmd: Doc): Promise<Doc> {
  const reply = await dispatch(state, { ...cmd, $db: 'catalog' }, 1);
  if (reply.ok !== 1) throw new Error(`${Object.keys(cmd)[0]} failed: ${JSON.stringify(reply)}`);
  return reply;
}

/** Median µs of `fn` over `rounds` calls after a warm-up. */
async function medianUs(fn: () => Promise<unknown>, rounds: number): Promise<number> {
  for (let i = 0; i < Math.min(50, rounds); i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  times.sort((a, b) => a - b);
  return Math.round((times[Math.floor(times.length / 2)] ?? 0) * 10) / 10;
}

/** A products collection shaped as the products subgraph's (same indexes), 1 in 10 archived. */
async function seedCatalog(state: ServerState, count: number): Promise<void> {
  await run(state, {
    createIndexes: 'products',
    indexes: [
      { key: { sku: 1 }, name: 'sku_1', unique: true },
      { key: { slug: 1 }, name: 'slug_1', unique: true },
      { key: { active: 1, createdAt: -1, _id: -1 }, name: 'active_1_createdAt_-1__id_-1' },
      { key: { active: 1, priceAmount: 1, _id: 1 }, name: 'active_1_priceAmount_1__id_1' },
      { key: { active: 1, nameKey: 1, _id: 1 }, name: 'active_1_nameKey_1__id_1' },
      {
        key: { active: 1, categorySlug: 1, createdAt: -1, _id: -1 },
        name: 'active_1_categorySlug_1_createdAt_-1__id_-1',
      },
      { key: { searchTerms: 1, active: 1 }, name: 'searchTerms_1_active_1' },
    ],
  });
  const start = Date.UTC(2026, 0, 1);
  for (let base = 0; base < count; base += 1000) {
    const documents: Doc[] = [];
    for (let n = base; n < Math.min(count, base + 1000); n++) {
      documents.push({
        _id: new ObjectId(),
        sku: `SKU-${n}`,
        slug: `product-${n}`,
        name: `Product ${n}`,
        nameKey: `product ${n}`,
        description: `A product of the catalog benchmark, number ${n}`,
        priceAmount: 500 + ((n * 37) % 20_000),
        currency: 'USD',
        categorySlug: `category-${n % 10}`,
        searchTerms: ['product', `p${n}`],
        active: n % 10 !== 9,
        createdAt: new Date(start + n * 1000),
        updatedAt: new Date(start + n * 1000),
      });
    }
    await run(state, { insert: 'products', documents });
  }
}

const PAGE_FIND: Doc = {
  find: 'products',
  filter: { active: true },
  sort: { createdAt: -1, _id: -1 },
  limit: 21,
  projection: { searchTerms: 0, nameTerms: 0, description: 0 },
};
// What the driver sends for countDocuments(filter).
const COUNT_DOCUMENTS: Doc = {
  aggregate: 'products',
  pipeline: [{ $match: { active: true } }, { $group: { _id: 1, n: { $sum: 1 } } }],
  cursor: {},
};
const LEGACY_COUNT: Doc = { count: 'products', query: { active: true } };

export async function benchCatalogCommands(sizes: readonly number[]): Promise<CatalogFigure[]> {
  const out: CatalogFigure[] = [];
  for (const products of sizes) {
    const state = newState();
    try {
      await seedCatalog(state, products);
      const rounds = products >= 50_000 ? 200 : 1000;
      // Sanity: the answers are the ones the page needs.
      const page = (await run(state, PAGE_FIND)).cursor as { firstBatch: Doc[] };
      const active = Math.ceil((products * 9) / 10);
      if (page.firstBatch.length !== Math.min(21, active)) throw new Error('the page find returned too few');
      const counted = ((await run(state, COUNT_DOCUMENTS)).cursor as { firstBatch: Doc[] }).firstBatch[0];
      const expectedActive = Array.from({ length: products }, (_, n) => n % 10 !== 9).filter(Boolean).length;
      const someId = page.firstBatch[3]!._id;
      if (counted?.n !== expectedActive)
        throw new Error(`countDocuments said ${counted?.n}, expected ${expectedActive}`);
      out.push({
        products,
        pageFindUs: await medianUs(() => run(state, PAGE_FIND), rounds),
        countDocumentsUs: await medianUs(() => run(state, COUNT_DOCUMENTS), rounds),
        countUs: await medianUs(() => run(state, LEGACY_COUNT), rounds),
        findByIdUs: await medianUs(
          () => run(state, { find: 'products', filter: { _id: someId }, limit: 1, singleBatch: true }),
          rounds,
        ),
        pingUs: await medianUs(() => run(state, { ping: 1 }), rounds),
      });
    } finally {
      state.sessions.close();
      state.cursors.close();
    }
  }
  return out;
}

/** Operations per second of `op` from `inFlight` loops for `seconds`. */
async function rate(op: () => Promise<unknown>, inFlight: number, seconds: number): Promise<number> {
  let done = 0;
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < deadline) {
        await op();
        done++;
      }
    }),
  );
  return Math.round(done / ((performance.now() - started) / 1000));
}

/**
 * find by _id (the driver's findOne) against ping on the same pool, interleaved A/B/A/B so that
 * machine noise hits both alike; each figure is the better of its two rounds.
 */
export async function benchDriverFloor(seconds: number): Promise<FloorFigure> {
  const server = await startEmbeddedMongo({ port: 0, inMemory: true });
  const measureOn = async (poolSize: number): Promise<[number, number]> => {
    const client = await MongoClient.connect(server.uri, { maxPoolSize: poolSize, minPoolSize: poolSize });
    try {
      const db = client.db('floor');
      const items = db.collection<{ _id: ObjectId; sku: string; payload: string }>('items');
      const ids = Array.from({ length: 1000 }, () => new ObjectId());
      await items.insertMany(ids.map((_id, n) => ({ _id, sku: `SKU-${n}`, payload: 'p'.repeat(200) })));
      let i = 0;
      const ping = () => db.command({ ping: 1 });
      const findById = async () => {
        if (!(await items.findOne({ _id: ids[i++ % ids.length]! }))) throw new Error('findById missed');
      };
      await rate(ping, poolSize, 0.3);
      await rate(findById, poolSize, 0.3);
      const pings: number[] = [];
      const finds: number[] = [];
      for (let round = 0; round < 2; round++) {
        pings.push(await rate(ping, poolSize, seconds / 4));
        finds.push(await rate(findById, poolSize, seconds / 4));
      }
      return [Math.max(...pings), Math.max(...finds)];
    } finally {
      await client.close();
    }
  };
  try {
    const [pingPerSecond, findByIdPerSecond] = await measureOn(1);
    const [pingPerSecond8, findByIdPerSecond8] = await measureOn(8);
    return {
      pingPerSecond,
      findByIdPerSecond,
      ratio: Math.round((findByIdPerSecond / pingPerSecond) * 100) / 100,
      pingPerSecond8,
      findByIdPerSecond8,
      ratio8: Math.round((findByIdPerSecond8 / pingPerSecond8) * 100) / 100,
    };
  } finally {
    await server.stop();
  }
}
