// Durability on a dbPath: restart keeps data, indexes and catalog changes; recovery drops a torn tail;
// compaction folds the journal into a snapshot; --in-memory writes nothing.
import { appendFileSync, existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { startEmbeddedMongo, type EmbeddedMongoOptions } from '../src/index';
import { useTempDirs } from './helpers/server';

const tempDir = useTempDirs();

async function withServer<T>(
  options: EmbeddedMongoOptions,
  fn: (client: MongoClient) => Promise<T>,
): Promise<T> {
  const server = await startEmbeddedMongo({ port: 0, ...options });
  const client = new MongoClient(server.uri);
  try {
    return await fn(client);
  } finally {
    await client.close();
    await server.stop();
  }
}

describe('persistence', () => {
  it('keeps documents, indexes and catalog changes across a restart', async () => {
    const dbPath = tempDir();
    await withServer({ dbPath }, async (client) => {
      const db = client.db('shop');
      await db.collection('users').createIndex({ email: 1 }, { unique: true });
      await db.collection('users').insertMany([
        { _id: 1, email: 'a@x', n: 1 },
        { _id: 2, email: 'b@x', n: 1 },
      ] as never[]);
      await db.collection('users').updateOne({ _id: 1 } as never, { $inc: { n: 41 } });
      await db.collection('users').deleteOne({ _id: 2 } as never);
      await db.createCollection('validated', { validator: { qty: { $gte: 0 } } });
      await db.collection('temp').insertOne({ x: 1 });
      await db.collection('temp').drop();
      await db.collection('old').insertOne({ y: 1 });
      await db.renameCollection('old', 'renamed');
      const session = client.startSession();
      await session.withTransaction(async () => {
        await db.collection('users').insertOne({ _id: 3, email: 'c@x' } as never, { session });
      });
      await session.endSession();
      const open = client.startSession();
      open.startTransaction();
      await db.collection('users').insertOne({ _id: 4, email: 'uncommitted' } as never, { session: open });
      // stop() without committing: the open transaction must not survive.
    });
    await withServer({ dbPath }, async (client) => {
      const db = client.db('shop');
      expect(
        await db
          .collection('users')
          .find({}, { sort: { _id: 1 } })
          .toArray(),
      ).toEqual([
        { _id: 1, email: 'a@x', n: 42 },
        { _id: 3, email: 'c@x' },
      ]);
      await expect(db.collection('users').insertOne({ email: 'a@x' })).rejects.toMatchObject({ code: 11000 });
      await expect(db.collection('validated').insertOne({ qty: -1 })).rejects.toMatchObject({ code: 121 });
      expect((await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).sort()).toEqual([
        'renamed',
        'users',
        'validated',
      ]);
      expect(await db.collection('renamed').findOne({}, { projection: { _id: 0 } })).toEqual({ y: 1 });
    });
  });

  it('recovers a committed transaction that swapped unique keys between documents', async () => {
    const dbPath = tempDir();
    await withServer({ dbPath }, async (client) => {
      const coll = client.db('d').collection('slots');
      await coll.createIndex({ slot: 1 }, { unique: true });
      await coll.insertMany([
        { _id: 'a', slot: 1 },
        { _id: 'b', slot: 2 },
      ] as never[]);
      const session = client.startSession();
      await session.withTransaction(async () => {
        await coll.updateOne({ _id: 'a' } as never, { $set: { slot: 3 } }, { session });
        await coll.updateOne({ _id: 'b' } as never, { $set: { slot: 1 } }, { session });
        await coll.updateOne({ _id: 'a' } as never, { $set: { slot: 2 } }, { session });
      });
      await session.endSession();
    });
    await withServer({ dbPath }, async (client) => {
      const coll = client.db('d').collection('slots');
      expect(await coll.find({}, { sort: { _id: 1 } }).toArray()).toEqual([
        { _id: 'a', slot: 2 },
        { _id: 'b', slot: 1 },
      ]);
      await expect(coll.insertOne({ slot: 1 })).rejects.toMatchObject({ code: 11000 });
    });
  });

  it('drops a torn tail left by a crash and keeps appending after the last good record', async () => {
    const dbPath = tempDir();
    await withServer({ dbPath }, async (client) => {
      await client
        .db('d')
        .collection('c')
        .insertMany([{ _id: 1 }, { _id: 2 }] as never[]);
    });
    const journal = readdirSync(dbPath).find((f) => f.startsWith('journal.')) as string;
    const goodSize = statSync(join(dbPath, journal)).size;
    // Half a record: a length that promises more bytes than exist, then garbage.
    const torn = Buffer.alloc(12);
    torn.writeUInt32LE(500, 0);
    appendFileSync(join(dbPath, journal), torn);
    await withServer({ dbPath }, async (client) => {
      const coll = client.db('d').collection('c');
      expect(await coll.countDocuments()).toBe(2);
      expect(statSync(join(dbPath, journal)).size).toBe(goodSize);
      await coll.insertOne({ _id: 3 } as never);
    });
    // A record with a bad checksum is a torn tail too.
    const corrupt = Buffer.alloc(20, 7);
    corrupt.writeUInt32LE(12, 0);
    appendFileSync(join(dbPath, journal), corrupt);
    await withServer({ dbPath }, async (client) => {
      expect(
        await client
          .db('d')
          .collection('c')
          .find()
          .map((d) => d._id)
          .toArray(),
      ).toEqual([1, 2, 3]);
    });
  });

  it('compacts the journal into a snapshot and recovers from it', async () => {
    const dbPath = tempDir();
    await withServer({ dbPath, compactJournalBytes: 16 * 1024 }, async (client) => {
      const coll = client.db('d').collection('c');
      await coll.createIndex({ k: 1 }, { unique: true });
      for (let i = 0; i < 300; i++)
        await coll.insertOne({ _id: i, k: `key-${i}`, pad: 'x'.repeat(100) } as never);
      for (let i = 0; i < 300; i += 2) await coll.deleteOne({ _id: i } as never);
      await coll.updateMany({}, { $set: { updated: true } });
    });
    const files = readdirSync(dbPath);
    expect(files.some((f) => /^snapshot\.\d+$/.test(f))).toBe(true);
    const journals = files.filter((f) => /^journal\.\d+$/.test(f));
    expect(journals).toHaveLength(1);
    expect(journals[0]).not.toBe('journal.0');
    await withServer({ dbPath }, async (client) => {
      const coll = client.db('d').collection('c');
      expect(await coll.countDocuments()).toBe(150);
      expect(await coll.countDocuments({ updated: true })).toBe(150);
      expect(await coll.findOne({ _id: 7 } as never)).toMatchObject({ k: 'key-7', updated: true });
      await expect(coll.insertOne({ k: 'key-7' })).rejects.toMatchObject({ code: 11000 });
    });
  });

  it('refuses a second server on a data directory in use, and frees it on stop', async () => {
    const dbPath = tempDir();
    const first = await startEmbeddedMongo({ port: 0, dbPath });
    await expect(startEmbeddedMongo({ port: 0, dbPath })).rejects.toThrow(/DBPathInUse/);
    await first.stop();
    const second = await startEmbeddedMongo({ port: 0, dbPath });
    await second.stop();
  });

  it('releases the data directory when the port is taken', async () => {
    const dbPath = tempDir();
    const holder = await startEmbeddedMongo({ port: 0 });
    await expect(startEmbeddedMongo({ port: holder.port, dbPath })).rejects.toThrow(/EADDRINUSE/);
    await holder.stop();
    const server = await startEmbeddedMongo({ port: 0, dbPath });
    await server.stop();
  });

  it('loses nothing when compaction runs under concurrent writers', async () => {
    const dbPath = tempDir();
    const expected = new Map<number, number>();
    await withServer({ dbPath, compactJournalBytes: 8 * 1024 }, async (client) => {
      const coll = client.db('d').collection('c');
      await Promise.all(
        Array.from({ length: 8 }, async (_, w) => {
          for (let i = 0; i < 60; i++) {
            const id = w * 1000 + (i % 20);
            await coll.updateOne({ _id: id } as never, { $inc: { n: 1 } }, { upsert: true });
            expected.set(id, (expected.get(id) ?? 0) + 1);
          }
        }),
      );
    });
    expect(readdirSync(dbPath).some((f) => /^snapshot\.\d+$/.test(f))).toBe(true);
    await withServer({ dbPath }, async (client) => {
      const docs = await client.db('d').collection('c').find().toArray();
      expect(new Map(docs.map((d) => [d._id as unknown as number, d.n as number]))).toEqual(expected);
    });
  });

  it('writes nothing to disk in memory mode', async () => {
    const dbPath = tempDir();
    await withServer({ dbPath, inMemory: true }, async (client) => {
      await client.db('d').collection('c').insertOne({ a: 1 });
    });
    expect(existsSync(dbPath) ? readdirSync(dbPath) : []).toEqual([]);
  });
});
