// Durability under SIGKILL: the CLI server on a --dbpath is killed in the middle of a write
// burst and restarted on the same path. Every acknowledged write must be there, and no write
// command (multi-document insert, multi-document update, transaction commit) may be half applied.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MongoClient } from 'mongodb';
import { afterAll, describe, expect, it } from 'vitest';

const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const BATCH = 25; // documents per insertMany command
const GROUP = 10; // documents per updateMany group
const GROUPS = 8;
const ACCOUNTS = 4;

interface RunningServer {
  child: ChildProcess;
  uri: string;
}

const dirs: string[] = [];
const children: ChildProcess[] = [];

afterAll(() => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Starts the CLI exactly as a user would and waits for the URI it prints when ready. */
function startServer(dbPath: string): Promise<RunningServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, '--port', '0', '--dbpath', dbPath], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`server did not print its URI:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /mongodb:\/\/[^\s"']+/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child, uri: match[0] });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code ?? signal}) before it was ready:\n${output}`));
    });
  });
}

/** Test documents use their own _id types (strings, numbers). */
type Doc = { _id?: string | number; [field: string]: unknown };

function connect(uri: string): MongoClient {
  // No retries and quick server selection: once the server is dead, writes must fail fast
  // rather than be replayed into the restarted server.
  return new MongoClient(uri, { retryWrites: false, retryReads: false, serverSelectionTimeoutMS: 2_000 });
}

/** What the clients saw acknowledged before the kill. */
interface Acknowledged {
  batches: Set<number>;
  batchesAttempted: Set<number>;
  singles: Set<number>;
  groupVersion: number[];
  transfers: number[];
  /** Acknowledged replies that were wrong in themselves. */
  anomalies: string[];
}

interface Burst {
  /** Filled in live as replies arrive. */
  acked: Acknowledged;
  /** Settles once every worker has stopped (each stops at its first failed command). */
  finished: Promise<unknown>;
}

/** Starts concurrent writers of every kind; they run until their first failure. */
function startBurst(client: MongoClient): Burst {
  const db = client.db('crash');
  const acked: Acknowledged = {
    batches: new Set(),
    batchesAttempted: new Set(),
    singles: new Set(),
    groupVersion: Array.from({ length: GROUPS }, () => 0),
    transfers: Array.from({ length: ACCOUNTS }, () => 0),
    anomalies: [],
  };
  let nextBatch = 0;
  let nextSingle = 0;
  let stopped = false;
  const stop = () => {
    stopped = true;
  };

  const inserter = async () => {
    while (!stopped) {
      const batch = nextBatch++;
      acked.batchesAttempted.add(batch);
      const documents = Array.from({ length: BATCH }, (_, i) => ({ _id: `b${batch}-${i}`, batch, i }));
      await db
        .collection<Doc>('batches')
        .insertMany(documents)
        .then(() => acked.batches.add(batch), stop);
    }
  };
  const single = async () => {
    while (!stopped) {
      const n = nextSingle++;
      await db
        .collection<Doc>('singles')
        .insertOne({ _id: n, payload: 'x'.repeat(200) })
        .then(() => acked.singles.add(n), stop);
    }
  };
  const updater = async (group: number) => {
    for (let version = 1; !stopped; version++) {
      await db
        .collection<Doc>('groups')
        .updateMany({ group }, { $set: { version } })
        .then((result) => {
          if (result.matchedCount !== GROUP)
            acked.anomalies.push(`group ${group} matched ${result.matchedCount}`);
          acked.groupVersion[group] = version;
        }, stop);
    }
  };
  const transferrer = async (account: number) => {
    while (!stopped) {
      const session = client.startSession();
      try {
        await session.withTransaction(async () => {
          await db
            .collection<{ _id: number; balance: number }>('accounts')
            .updateOne({ _id: account }, { $inc: { balance: -1 } }, { session });
          await db.collection<Doc>('ledger').insertOne({ account, amount: 1 }, { session });
        });
        acked.transfers[account]!++;
      } catch {
        stop();
      } finally {
        await session.endSession().catch(() => undefined);
      }
    }
  };

  const finished = Promise.allSettled([
    inserter(),
    inserter(),
    single(),
    ...Array.from({ length: GROUPS }, (_, g) => updater(g)),
    ...Array.from({ length: ACCOUNTS }, (_, a) => transferrer(a)),
  ]);
  return { acked, finished };
}

async function waitUntil(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('SIGKILL during a write burst', () => {
  it('keeps every acknowledged write and applies no command halfway', async () => {
    const dbPath = mkdtempSync(join(tmpdir(), 'novamart-mongo-crash-'));
    dirs.push(dbPath);

    const first = await startServer(dbPath);
    const seedClient = connect(first.uri);
    const db = seedClient.db('crash');
    await db.collection<Doc>('groups').insertMany(
      Array.from({ length: GROUPS * GROUP }, (_, i) => ({
        _id: i,
        group: Math.floor(i / GROUP),
        version: 0,
      })),
    );
    await db
      .collection<Doc>('accounts')
      .insertMany(Array.from({ length: ACCOUNTS }, (_, a) => ({ _id: a, balance: 1_000_000 })));
    await db.collection<Doc>('ledger').createIndex({ account: 1 });

    // Kill once the burst is well under way: every kind of write has been acknowledged
    // several times and more are in flight.
    const exited = new Promise((resolve) => first.child.once('exit', resolve));
    const burst = startBurst(seedClient);
    await waitUntil(
      () =>
        burst.acked.batches.size >= 40 &&
        burst.acked.groupVersion.every((v) => v >= 3) &&
        burst.acked.transfers.every((n) => n >= 5),
      60_000,
      'the write burst to get going',
    );
    first.child.kill('SIGKILL');
    await exited;
    await burst.finished;
    await seedClient.close(true).catch(() => undefined);
    const acked = burst.acked;
    expect(acked.anomalies).toEqual([]);
    // The kill landed mid-burst: at least one multi-document insert never got its reply.
    expect(acked.batchesAttempted.size).toBeGreaterThan(acked.batches.size);

    const second = await startServer(dbPath);
    const client = connect(second.uri);
    try {
      const after = client.db('crash');

      // Multi-document inserts: acknowledged batches complete, every other batch all or nothing.
      const byBatch = new Map<number, number>();
      for (const doc of await after
        .collection<Doc>('batches')
        .find({}, { projection: { batch: 1 } })
        .toArray()) {
        byBatch.set(doc.batch as number, (byBatch.get(doc.batch as number) ?? 0) + 1);
      }
      for (const batch of acked.batches)
        expect(byBatch.get(batch), `acknowledged batch ${batch}`).toBe(BATCH);
      for (const [batch, count] of byBatch) {
        expect(acked.batchesAttempted.has(batch)).toBe(true);
        expect(count, `batch ${batch} is all or nothing`).toBe(BATCH);
      }

      // Single inserts: every acknowledged one is there.
      const singles = new Set(
        (await after.collection<Doc>('singles').find().toArray()).map((doc) => doc._id as number),
      );
      for (const n of acked.singles) expect(singles.has(n), `acknowledged insert ${n}`).toBe(true);

      // Multi-document updates: a group never mixes versions, and holds at least the acknowledged one.
      for (let group = 0; group < GROUPS; group++) {
        const versions = new Set(
          (await after.collection<Doc>('groups').find({ group }).toArray()).map(
            (doc) => doc.version as number,
          ),
        );
        expect(versions.size, `group ${group} versions ${[...versions].join(',')}`).toBe(1);
        expect([...versions][0]!).toBeGreaterThanOrEqual(acked.groupVersion[group]!);
      }
      expect(await after.collection<Doc>('groups').countDocuments()).toBe(GROUPS * GROUP);

      // Transactions: the debit and the ledger entry exist together or not at all.
      for (let account = 0; account < ACCOUNTS; account++) {
        const balance = (await after.collection<Doc>('accounts').findOne({ _id: account }))!
          .balance as number;
        const entries = await after.collection<Doc>('ledger').countDocuments({ account });
        expect(1_000_000 - balance, `account ${account}: debits match ledger entries`).toBe(entries);
        expect(entries).toBeGreaterThanOrEqual(acked.transfers[account]!);
      }

      // The recovered store keeps accepting durable writes after the torn tail.
      await after.collection<Doc>('singles').insertOne({ _id: -1, payload: 'after restart' });
    } finally {
      await client.close();
    }
    second.child.kill('SIGKILL');
    await new Promise((resolve) => second.child.once('exit', resolve));

    const third = await startServer(dbPath);
    const check = connect(third.uri);
    try {
      expect(await check.db('crash').collection<Doc>('singles').findOne({ _id: -1 })).toMatchObject({
        payload: 'after restart',
      });
    } finally {
      await check.close();
      third.child.kill('SIGKILL');
    }
  }, 120_000);
});
