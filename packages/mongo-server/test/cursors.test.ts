// Server cursors: ids, batch sizes, getMore, killCursors, singleBatch and idle/unknown cursors.
import { Long } from 'mongodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { useServer } from './helpers/server';

const t = useServer();
const DOCS = 250;
let dbName: string;

beforeAll(async () => {
  const db = t.db();
  dbName = db.databaseName;
  await db.collection('c').insertMany(Array.from({ length: DOCS }, (_, i) => ({ _id: i, v: i })) as never[]);
});

describe('cursors', () => {
  it('returns 101 documents in the first batch by default, then the rest through getMore', async () => {
    const db = t.client.db(dbName);
    const first = await db.command({ find: 'c', filter: {}, sort: { _id: 1 } });
    expect(first.cursor.firstBatch).toHaveLength(101);
    expect(first.cursor.ns).toBe(`${dbName}.c`);
    // The driver promotes the int64 id to a number; it must survive the round trip exactly.
    expect(first.cursor.id).not.toBe(0);
    const raw = await db.command({ find: 'c', batchSize: 1 }, { promoteLongs: false });
    expect(raw.cursor.id).toBeInstanceOf(Long);
    await db.command({ killCursors: 'c', cursors: [raw.cursor.id] });
    const more = await db.command({ getMore: first.cursor.id, collection: 'c' });
    expect(more.cursor.nextBatch).toHaveLength(DOCS - 101);
    expect(more.cursor.nextBatch[0]).toEqual({ _id: 101, v: 101 });
    expect(more.cursor.id).toBe(0);
    // An exhausted cursor is gone.
    await expect(db.command({ getMore: first.cursor.id, collection: 'c' })).rejects.toMatchObject({
      code: 43,
      codeName: 'CursorNotFound',
    });
  });

  it('honours batchSize on find and getMore, and the driver iterates every document once', async () => {
    const db = t.client.db(dbName);
    const first = await db.command({ find: 'c', batchSize: 10 });
    expect(first.cursor.firstBatch).toHaveLength(10);
    const next = await db.command({ getMore: first.cursor.id, collection: 'c', batchSize: 7 });
    expect(next.cursor.nextBatch).toHaveLength(7);
    await db.command({ killCursors: 'c', cursors: [first.cursor.id] });
    const seen = await db
      .collection('c')
      .find({}, { batchSize: 13, sort: { _id: -1 } })
      .map((d) => d._id)
      .toArray();
    expect(seen).toEqual(Array.from({ length: DOCS }, (_, i) => DOCS - 1 - i));
  });

  it('closes the cursor with singleBatch, a negative limit or when all results fit', async () => {
    const db = t.client.db(dbName);
    expect((await db.command({ find: 'c', batchSize: 5, singleBatch: true })).cursor).toMatchObject({
      id: 0,
    });
    expect((await db.command({ find: 'c', limit: 3 })).cursor.firstBatch).toHaveLength(3);
    expect((await db.command({ find: 'c', limit: 3 })).cursor.id).toBe(0);
    expect((await db.collection('c').find({}).limit(-4).toArray()).length).toBe(4);
  });

  it('killCursors reports killed and unknown cursors', async () => {
    const db = t.client.db(dbName);
    const { cursor } = await db.command({ find: 'c', batchSize: 1 });
    const reply = await db.command({ killCursors: 'c', cursors: [cursor.id, Long.fromNumber(12345)] });
    expect(reply.cursorsKilled).toEqual([cursor.id]);
    expect(reply.cursorsNotFound).toEqual([12345]);
    await expect(db.command({ getMore: cursor.id, collection: 'c' })).rejects.toMatchObject({ code: 43 });
  });

  it('refuses a getMore for another namespace', async () => {
    const db = t.client.db(dbName);
    const { cursor } = await db.command({ find: 'c', batchSize: 1 });
    await expect(db.command({ getMore: cursor.id, collection: 'other' })).rejects.toMatchObject({ code: 13 });
    await db.command({ killCursors: 'c', cursors: [cursor.id] });
  });

  it('pages aggregate and listCollections results through cursors too', async () => {
    const db = t.client.db(dbName);
    const agg = await db.command({
      aggregate: 'c',
      pipeline: [{ $match: { v: { $gte: 100 } } }],
      cursor: { batchSize: 50 },
    });
    expect(agg.cursor.firstBatch).toHaveLength(50);
    const rest = await db.command({ getMore: agg.cursor.id, collection: 'c' });
    expect(rest.cursor.nextBatch).toHaveLength(100);
    expect(
      await db
        .collection('c')
        .aggregate([{ $skip: 10 }], { batchSize: 3 })
        .toArray(),
    ).toHaveLength(DOCS - 10);
  });
});

describe('idle cursors', () => {
  const idle = useServer({ cursorTimeoutMs: 200 });

  it('are closed after the idle timeout, while a cursor in use stays open', async () => {
    const db = idle.db();
    await db.collection('c').insertMany(Array.from({ length: 10 }, (_, i) => ({ _id: i })) as never[]);
    const stale = await db.command({ find: 'c', batchSize: 1 });
    const busy = await db.command({ find: 'c', batchSize: 1 });
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 100));
      await db.command({ getMore: busy.cursor.id, collection: 'c', batchSize: 1 });
    }
    await expect(db.command({ getMore: stale.cursor.id, collection: 'c' })).rejects.toMatchObject({
      code: 43,
    });
  });
});
