// The catalog page's two commands measured as server time (dispatch() in process, no socket, no
// driver), at growing collection sizes, and find by _id through the driver against the driver's
// own ping on the same connection (the floor no command can beat). Used by mongo.bench.ts.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
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

interface PoolFloor {
  /** Median round trips per second over the ping windows. */
  pingPerSecond: number;
  findByIdPerSecond: number;
  /** Median over the pairs of findById / ping: 1 means a lookup costs nothing beyond a round trip. */
  ratio: number;
  /** The lowest and highest pair ratio. */
  spread: [number, number];
  /**
   * The same find command sent with `db.command` (no cursor object), over ping: what the lookup
   * costs beyond a round trip on the server's side; findOne's ratio adds the driver's cursor.
   */
  findCommandRatio: number;
}

export interface FloorFigure extends PoolFloor {
  /** The same, 8 operations in flight on a pool of 8 (the fields above: 1 connection). */
  pingPerSecond8: number;
  findByIdPerSecond8: number;
  ratio8: number;
  spread8: [number, number];
  findCommandRatio8: number;
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
  const reply = await dispatch(state, { ...cmd, $db: 'catalog' }, { id: 1, me: state.me });
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

/**
 * Seeding a size leaves the garbage of its inserts and index builds; collected during the timing, it
 * would be charged to the commands (seen: ping itself twice as slow right after seeding 10,000
 * products). A server in use has long since collected its loading's garbage.
 */
function collectSeedGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/** Calls of each catalog command on a throwaway catalog before anything is timed. */
const CATALOG_WARM_UP_CALLS = 2000;

/**
 * A running server has long since compiled its query paths; a fresh bench process has not. Without
 * this, the first size measured pays the JIT's warm-up (seen: 198 µs for the 1,000-product page
 * find, 69 µs for the same command once warm), so sizes would not compare.
 */
async function warmUpCatalogCommands(): Promise<void> {
  const state = newState();
  try {
    await seedCatalog(state, 1000);
    const someId = ((await run(state, PAGE_FIND)).cursor as { firstBatch: Doc[] }).firstBatch[3]!._id;
    for (let i = 0; i < CATALOG_WARM_UP_CALLS; i++) {
      await run(state, PAGE_FIND);
      await run(state, COUNT_DOCUMENTS);
      await run(state, LEGACY_COUNT);
      await run(state, { find: 'products', filter: { _id: someId }, limit: 1, singleBatch: true });
      await run(state, { ping: 1 });
    }
  } finally {
    state.sessions.close();
    state.cursors.close();
  }
}

export async function benchCatalogCommands(sizes: readonly number[]): Promise<CatalogFigure[]> {
  const out: CatalogFigure[] = [];
  await warmUpCatalogCommands();
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
      collectSeedGarbage();
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

/** Runs `op` `count` times from `inFlight` loops: a warm-up measured in calls, not time, so that a
 * loaded machine still gets both code paths optimised before anything is timed. */
async function repeat(op: () => Promise<unknown>, inFlight: number, count: number): Promise<void> {
  let left = count;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (left-- > 0) await op();
    }),
  );
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Windows of each operation per measurement; each find window is paired with an adjacent ping window. */
const PAIRS = 8;
const WARM_UP_CALLS = 3000;

/**
 * find by _id (the driver's findOne) against ping on the same pool, and the same find sent as a
 * plain `db.command` (the server's part, without the driver's cursor). After a warm-up of each,
 * PAIRS rounds of short windows run ping/find/command, command/find/ping, ... so that a change of
 * machine load hits the operations of a round alike; a ratio is the median of the rounds' ratios
 * (min and max give the spread), the rates the medians of their windows.
 */
export async function benchDriverFloor(seconds: number): Promise<FloorFigure> {
  const server = await startEmbeddedMongo({ port: 0, inMemory: true });
  const windowSeconds = seconds / (2 * PAIRS);
  const measureOn = async (poolSize: number): Promise<PoolFloor> => {
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
      // What findOne sends, as a plain command: the server's part of the lookup without the cursor.
      const findCommand = async () => {
        const reply = await db.command({
          find: 'items',
          filter: { _id: ids[i++ % ids.length]! },
          limit: 1,
          singleBatch: true,
        });
        if ((reply as { cursor: { firstBatch: unknown[] } }).cursor.firstBatch.length !== 1)
          throw new Error('find command missed');
      };
      for (let round = 0; round < 2; round++) {
        await repeat(ping, poolSize, WARM_UP_CALLS / 2);
        await repeat(findById, poolSize, WARM_UP_CALLS / 2);
        await repeat(findCommand, poolSize, WARM_UP_CALLS / 2);
      }
      const pings: number[] = [];
      const finds: number[] = [];
      const ratios: number[] = [];
      const commandRatios: number[] = [];
      for (let pair = 0; pair < PAIRS; pair++) {
        // Each window next to a ping window, in alternating order.
        const measured = new Map<string, number>();
        const order: [string, () => Promise<unknown>][] = [
          ['ping', ping],
          ['find', findById],
          ['command', findCommand],
        ];
        if (pair % 2 === 1) order.reverse();
        for (const [name, op] of order) measured.set(name, await rate(op, poolSize, windowSeconds));
        const [pingRate, findRate, commandRate] = ['ping', 'find', 'command'].map((n) => measured.get(n)!);
        pings.push(pingRate!);
        finds.push(findRate!);
        ratios.push(findRate! / pingRate!);
        commandRatios.push(commandRate! / pingRate!);
      }
      const round2 = (x: number) => Math.round(x * 100) / 100;
      return {
        pingPerSecond: Math.round(median(pings)),
        findByIdPerSecond: Math.round(median(finds)),
        ratio: round2(median(ratios)),
        spread: [round2(Math.min(...ratios)), round2(Math.max(...ratios))],
        findCommandRatio: round2(median(commandRatios)),
      };
    } finally {
      await client.close();
    }
  };
  try {
    const one = await measureOn(1);
    const eight = await measureOn(8);
    return {
      ...one,
      pingPerSecond8: eight.pingPerSecond,
      findByIdPerSecond8: eight.findByIdPerSecond,
      ratio8: eight.ratio,
      spread8: eight.spread,
      findCommandRatio8: eight.findCommandRatio,
    };
  } finally {
    await server.stop();
  }
}
