// The embedded server on a worker thread (what `npm start` runs): the same server and data
// directory as on the main thread, start errors that say what went wrong, one server per data
// directory across threads of one process, and every acknowledged write kept when the process is
// SIGKILLed.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MongoClient } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { startEmbeddedMongo, startEmbeddedMongoThread } from '../src/index';
import { useTempDirs } from './helpers/server';

const dataDir = useTempDirs();

async function withClient<T>(uri: string, use: (client: MongoClient) => Promise<T>): Promise<T> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5_000, retryWrites: false });
  try {
    return await use(client);
  } finally {
    await client.close();
  }
}

describe('startEmbeddedMongoThread', () => {
  it('serves the driver from its thread and keeps what it wrote in its data directory', async () => {
    const dbPath = dataDir();
    const first = await startEmbeddedMongoThread({ port: 0, dbPath });
    expect(first.uri).toMatch(/^mongodb:\/\/127\.0\.0\.1:\d+\/\?replicaSet=novamart$/);
    await withClient(first.uri, async (client) => {
      const items = client.db('shop').collection<{ _id: string; n: number }>('items');
      await items.insertMany([
        { _id: 'a', n: 1 },
        { _id: 'b', n: 2 },
      ]);
      const session = client.startSession();
      await session.withTransaction(async () => {
        await items.updateOne({ _id: 'a' }, { $inc: { n: 10 } }, { session });
      });
      await session.endSession();
    });
    await first.stop();

    // The same directory opened on the main thread: one format, one journal.
    const second = await startEmbeddedMongo({ port: 0, dbPath });
    const docs = await withClient(second.uri, (client) =>
      client.db('shop').collection('items').find().sort({ _id: 1 }).toArray(),
    );
    await second.stop();
    expect(docs).toEqual([
      { _id: 'a', n: 11 },
      { _id: 'b', n: 2 },
    ]);
  });

  it('rejects a taken port with the code EADDRINUSE', async () => {
    const holder = await startEmbeddedMongo({ port: 0, inMemory: true });
    try {
      const error = await startEmbeddedMongoThread({ port: holder.port, inMemory: true }).then(
        (mongo) => mongo.stop().then(() => new Error('started on a taken port')),
        (e: Error & { code?: string }) => e,
      );
      expect((error as Error & { code?: string }).code).toBe('EADDRINUSE');
    } finally {
      await holder.stop();
    }
  });

  it('refuses a data directory another thread of this process holds, both ways', async () => {
    const dbPath = dataDir();
    const threaded = await startEmbeddedMongoThread({ port: 0, dbPath });
    const onMain = await startEmbeddedMongo({ port: 0, dbPath }).then(
      (mongo) => mongo.stop().then(() => new Error('opened a directory the thread holds')),
      (e: Error) => e,
    );
    expect(onMain.message).toContain('DBPathInUse');
    await threaded.stop();

    const main = await startEmbeddedMongo({ port: 0, dbPath });
    const onThread = await startEmbeddedMongoThread({ port: 0, dbPath }).then(
      (mongo) => mongo.stop().then(() => new Error('opened a directory the main thread holds')),
      (e: Error) => e,
    );
    await main.stop();
    expect(onThread.message).toContain('DBPathInUse');
  });

  it('keeps every acknowledged write when the process running the thread is SIGKILLed', async () => {
    const dbPath = dataDir();
    const script = join(dataDir(), 'start-thread.mts');
    writeFileSync(
      script,
      `import { startEmbeddedMongoThread } from ${JSON.stringify(fileURLToPath(new URL('../src/index.ts', import.meta.url)))};
const mongo = await startEmbeddedMongoThread({ port: 0, dbPath: process.env.DB_PATH });
console.log('URI ' + mongo.uri);
`,
    );
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      env: { ...process.env, DB_PATH: dbPath },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const uri = await new Promise<string>((resolve, reject) => {
      let output = '';
      const timer = setTimeout(() => reject(new Error(`no URI printed:\n${output}`)), 30_000);
      const collect = (chunk: Buffer) => {
        output += chunk.toString();
        const match = /URI (\S+)/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      };
      child.stdout.on('data', collect);
      child.stderr.on('data', collect);
      child.on('exit', (code) => reject(new Error(`exited ${code} before it was ready:\n${output}`)));
    });

    const acknowledged: number[] = [];
    const client = new MongoClient(uri, { serverSelectionTimeoutMS: 2_000, retryWrites: false });
    const items = client.db('shop').collection<{ _id: number }>('items');
    let killed = false;
    const writer = (async () => {
      for (let i = 0; !killed; i++) {
        try {
          await items.insertOne({ _id: i });
          acknowledged.push(i);
        } catch {
          return;
        }
      }
    })();
    while (acknowledged.length < 200) await new Promise((r) => setTimeout(r, 5));
    killed = true;
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    await writer;
    await client.close().catch(() => undefined);

    // The killed process's lock is taken over; every write it acknowledged is there.
    const restarted = await startEmbeddedMongo({ port: 0, dbPath });
    const ids = await withClient(restarted.uri, (c) =>
      c.db('shop').collection<{ _id: number }>('items').distinct('_id'),
    );
    await restarted.stop();
    expect(acknowledged.length).toBeGreaterThanOrEqual(200);
    expect(ids).toEqual(expect.arrayContaining(acknowledged));
  });
});
