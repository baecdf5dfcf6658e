// Indexes: unique constraints on every write path, index management commands and index-backed lookups.
import { MongoBulkWriteError } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { useServer } from './helpers/server';

const t = useServer();

describe('unique indexes', () => {
  it('enforce uniqueness on insert, update, replace, upsert, findAndModify and bulkWrite', async () => {
    const coll = t.db().collection('users');
    await coll.createIndex({ email: 1 }, { unique: true });
    await coll.insertMany([
      { _id: 1, email: 'a@x' },
      { _id: 2, email: 'b@x' },
    ] as never[]);
    const dup = { code: 11000, keyPattern: { email: 1 }, keyValue: { email: 'a@x' } };
    await expect(coll.insertOne({ email: 'a@x' })).rejects.toMatchObject(dup);
    await expect(coll.updateOne({ _id: 2 } as never, { $set: { email: 'a@x' } })).rejects.toMatchObject(dup);
    await expect(coll.replaceOne({ _id: 2 } as never, { email: 'a@x' })).rejects.toMatchObject(dup);
    await expect(
      coll.updateOne({ _id: 3 } as never, { $set: { email: 'a@x' } }, { upsert: true }),
    ).rejects.toMatchObject(dup);
    await expect(
      coll.findOneAndUpdate({ _id: 2 } as never, { $set: { email: 'a@x' } }),
    ).rejects.toMatchObject(dup);
    const bulk = await coll
      .bulkWrite([
        { insertOne: { document: { email: 'c@x' } } },
        { updateOne: { filter: { _id: 2 }, update: { $set: { email: 'c@x' } } } },
      ] as never)
      .catch((e: unknown) => e);
    expect(bulk).toBeInstanceOf(MongoBulkWriteError);
    expect((bulk as MongoBulkWriteError).writeErrors).toEqual([
      expect.objectContaining({ index: 1, code: 11000 }),
    ]);
    await expect(
      t.client.bulkWrite([
        { name: 'insertOne', namespace: coll.namespace, document: { email: 'b@x' } as never },
      ]),
    ).rejects.toMatchObject({
      writeErrors: expect.any(Map),
    });
    const err = await coll.insertOne({ email: 'a@x' }).catch((e: unknown) => e);
    expect((err as Error).message).toBe(
      `E11000 duplicate key error collection: ${coll.namespace} index: email_1 dup key: { email: "a@x" }`,
    );
    expect(await coll.find({}, { sort: { _id: 1 } }).toArray()).toEqual([
      { _id: 1, email: 'a@x' },
      { _id: 2, email: 'b@x' },
      { _id: expect.anything(), email: 'c@x' },
    ]);
  });

  it('allows changing a document to keep its own key, and swapping keys after a delete', async () => {
    const coll = t.db().collection('swap');
    await coll.createIndex({ k: 1 }, { unique: true });
    await coll.insertMany([
      { _id: 1, k: 1 },
      { _id: 2, k: 2 },
    ] as never[]);
    await coll.updateOne({ _id: 1 } as never, { $set: { k: 1, other: true } });
    await coll.deleteOne({ _id: 2 } as never);
    await coll.updateOne({ _id: 1 } as never, { $set: { k: 2 } });
    expect(await coll.findOne({ k: 2 })).toMatchObject({ _id: 1 });
  });

  it('supports compound, sparse and partial unique indexes', async () => {
    const coll = t.db().collection('variants');
    await coll.createIndex({ a: 1, b: 1 }, { unique: true });
    await coll.createIndex({ s: 1 }, { unique: true, sparse: true });
    await coll.createIndex({ p: 1 }, { unique: true, partialFilterExpression: { active: true } });
    await coll.insertMany([
      { a: 1, b: 1 },
      { a: 1, b: 2 },
      { a: 2, b: 1 },
    ]);
    await expect(coll.insertOne({ a: 1, b: 2 })).rejects.toMatchObject({
      code: 11000,
      keyPattern: { a: 1, b: 1 },
      keyValue: { a: 1, b: 2 },
    });
    await coll.insertMany([
      { a: 3, b: 1, s: 'x' },
      { a: 4, b: 1 },
      { a: 5, b: 1 },
    ]); // missing s twice: sparse allows it
    await expect(coll.insertOne({ a: 6, s: 'x' })).rejects.toMatchObject({ code: 11000 });
    await coll.insertMany([
      { a: 7, p: 1, active: false },
      { a: 8, p: 1, active: true },
    ]);
    await expect(coll.insertOne({ a: 9, p: 1, active: true })).rejects.toMatchObject({ code: 11000 });
  });

  it('treats every element of an array as a key', async () => {
    const coll = t.db().collection('multikey');
    await coll.createIndex({ tags: 1 }, { unique: true });
    await coll.insertOne({ tags: ['a', 'b'] });
    await expect(coll.insertOne({ tags: ['c', 'b'] })).rejects.toMatchObject({
      code: 11000,
      keyValue: { tags: 'b' },
    });
    expect(await coll.find({ tags: 'b' }).toArray()).toHaveLength(1);
  });

  it('cannot be built over existing duplicates, and missing fields collide as null', async () => {
    const coll = t.db().collection('prebuilt');
    await coll.insertMany([{ x: 1 }, { x: 1 }, { y: 1 }]);
    await expect(coll.createIndex({ x: 1 }, { unique: true })).rejects.toMatchObject({ code: 11000 });
    expect((await coll.indexes()).map((i) => i.name)).toEqual(['_id_']);
    await coll.deleteMany({ x: 1 });
    await coll.createIndex({ x: 1 }, { unique: true });
    await expect(coll.insertOne({ z: 1 })).rejects.toMatchObject({ code: 11000, keyValue: { x: null } });
  });
});

describe('index management', () => {
  it('createIndexes, listIndexes and dropIndexes behave as in mongod', async () => {
    const db = t.db();
    const coll = db.collection('mgmt');
    const reply = await db.command({ createIndexes: 'mgmt', indexes: [{ key: { a: 1 }, name: 'a_1' }] });
    expect(reply).toMatchObject({
      ok: 1,
      numIndexesBefore: 1,
      numIndexesAfter: 2,
      createdCollectionAutomatically: true,
    });
    const again = await db.command({ createIndexes: 'mgmt', indexes: [{ key: { a: 1 }, name: 'a_1' }] });
    expect(again).toMatchObject({
      numIndexesBefore: 2,
      numIndexesAfter: 2,
      note: 'all indexes already exist',
    });
    await expect(
      db.command({ createIndexes: 'mgmt', indexes: [{ key: { b: 1 }, name: 'a_1' }] }),
    ).rejects.toMatchObject({ code: 86 });
    await expect(
      db.command({ createIndexes: 'mgmt', indexes: [{ key: { a: 1 }, name: 'other' }] }),
    ).rejects.toMatchObject({ code: 85 });
    await coll.createIndex({ b: -1, c: 1 }, { name: 'bc' });
    expect(await coll.indexes()).toEqual([
      { v: 2, key: { _id: 1 }, name: '_id_' },
      { v: 2, key: { a: 1 }, name: 'a_1' },
      { v: 2, key: { b: -1, c: 1 }, name: 'bc' },
    ]);
    await expect(coll.dropIndex('_id_')).rejects.toMatchObject({ code: 72 });
    await expect(coll.dropIndex('nope')).rejects.toMatchObject({ code: 27 });
    await coll.dropIndex('a_1');
    await db.command({ dropIndexes: 'mgmt', index: '*' });
    expect((await coll.indexes()).map((i) => i.name)).toEqual(['_id_']);
    await expect(db.collection('missing').indexes()).rejects.toMatchObject({ code: 26 });
  });
});

describe('index-backed lookups', () => {
  it('finds by _id and by a unique key without scanning the collection', async () => {
    const coll = t.db().collection('big');
    await coll.createIndex({ sku: 1 }, { unique: true });
    await coll.createIndex({ price: 1 });
    await coll.insertMany(
      Array.from({ length: 5_000 }, (_, i) => ({ _id: i, sku: `S${i}`, price: i % 100 })) as never[],
    );

    const byId = await coll.find({ _id: 4321 } as never).explain('executionStats');
    expect(byId.queryPlanner.winningPlan.inputStage).toMatchObject({ stage: 'IXSCAN', indexName: '_id_' });
    expect(byId.executionStats).toMatchObject({ nReturned: 1, totalDocsExamined: 1 });

    const bySku = await coll.find({ sku: 'S77' }).explain('executionStats');
    expect(bySku.queryPlanner.winningPlan.inputStage).toMatchObject({ stage: 'IXSCAN', indexName: 'sku_1' });
    expect(bySku.executionStats.totalDocsExamined).toBe(1);

    const range = await coll.find({ price: { $gte: 10, $lt: 12 } }).explain('executionStats');
    expect(range.executionStats).toMatchObject({ nReturned: 100, totalDocsExamined: 100 });

    const inList = await coll.find({ _id: { $in: [1, 2, 3] } } as never).explain('executionStats');
    expect(inList.executionStats.totalDocsExamined).toBe(3);

    const either = await coll.find({ $or: [{ _id: 10 }, { sku: 'S20' }] } as never).explain('executionStats');
    expect(either.executionStats).toMatchObject({ nReturned: 2, totalDocsExamined: 2 });

    const scan = await coll.find({ unindexed: 1 }).explain('executionStats');
    expect(scan.queryPlanner.winningPlan.stage).toBe('COLLSCAN');
    expect(scan.executionStats.totalDocsExamined).toBe(5_000);
  });

  it('serves a sorted query with a limit from an index without sorting the collection', async () => {
    const coll = t.db().collection('sorted');
    await coll.createIndex({ at: -1 });
    const docs = Array.from({ length: 3_000 }, (_, i) => ({
      _id: i,
      at: (i * 7919) % 3_000,
      kind: i % 3 === 0 ? 'x' : 'y',
    }));
    docs.push(
      { _id: 5_000, at: undefined as never, kind: 'x' },
      { _id: 5_001, at: [10_000, -1] as never, kind: 'x' },
    );
    await coll.insertMany(docs as never[]);
    const newest = await coll.find({ kind: 'x' }, { sort: { at: -1 }, limit: 3, skip: 1 }).toArray();
    const all = await coll.find({ kind: 'x' }).toArray();
    const expected = all
      .map((d) => ({ d, k: Array.isArray(d.at) ? Math.max(...(d.at as number[])) : (d.at ?? -Infinity) }))
      .sort((a, b) => (b.k as number) - (a.k as number))
      .slice(1, 4)
      .map((x) => x.d);
    expect(newest).toEqual(expected);
    const oldest = await coll
      .find({}, { sort: { at: 1 }, limit: 2 })
      .map((d) => d._id)
      .toArray();
    expect(oldest).toEqual([5_000, 5_001]); // missing sorts first, then the array by its smallest element
    const explained = await coll
      .find({ kind: 'x' }, { sort: { at: -1 }, limit: 3 })
      .explain('executionStats');
    expect(explained.queryPlanner.winningPlan.inputStage).toMatchObject({
      stage: 'IXSCAN',
      indexName: 'at_-1',
    });
    expect(explained.executionStats.totalDocsExamined).toBeLessThan(20);
  });

  it('uses the index for updates, deletes and findAndModify by _id too', async () => {
    const coll = t.db().collection('writes');
    await coll.insertMany(Array.from({ length: 2_000 }, (_, i) => ({ _id: i, n: 0 })) as never[]);
    const scanned = async () =>
      (await t.client.db('admin').command({ serverStatus: 1 })).metrics.queryExecutor
        .scannedObjects as number;
    const before = await scanned();
    await coll.updateOne({ _id: 1500 } as never, { $inc: { n: 1 } });
    await coll.findOneAndUpdate({ _id: 1501 } as never, { $inc: { n: 1 } });
    await coll.deleteOne({ _id: 1502 } as never);
    await coll.findOne({ _id: 1503 } as never);
    // Four operations by _id examined four documents, not 4 x 2,000.
    expect((await scanned()) - before).toBe(4);
    const explained = await t.client
      .db(coll.dbName)
      .command({ explain: { find: 'writes', filter: { _id: 1500 } }, verbosity: 'executionStats' });
    expect(explained.executionStats.totalDocsExamined).toBe(1);
    expect(await coll.findOne({ _id: 1500 } as never)).toEqual({ _id: 1500, n: 1 });
  });
});
