// CRUD through the driver: result shapes and errors as mongod reports them.
import { MongoBulkWriteError, MongoServerError, ObjectId } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { clusterTimeFields, useServer } from './helpers/server';

const t = useServer();

describe('insert', () => {
  it('generates _id first, returns insertedIds and keeps field order', async () => {
    const coll = t.db().collection('items');
    const res = await coll.insertMany([{ name: 'a', n: 1 }, { b: 2, _id: 'given' } as never]);
    expect(res.insertedCount).toBe(2);
    expect(res.insertedIds[0]).toBeInstanceOf(ObjectId);
    const raw = await coll.find({}, { sort: { n: -1 } }).toArray();
    expect(raw.map((d) => Object.keys(d)[0])).toEqual(['_id', '_id']);
    expect(await coll.findOne({ _id: 'given' } as never)).toEqual({ _id: 'given', b: 2 });
  });

  it('reports duplicate _id as a write error with index, code, keyPattern and keyValue', async () => {
    const coll = t.db().collection('dups');
    await coll.insertOne({ _id: 1 } as never);
    const err = (await coll
      .insertMany([{ _id: 2 }, { _id: 1 }, { _id: 3 }] as never[])
      .catch((e: unknown) => e)) as MongoBulkWriteError;
    expect(err).toBeInstanceOf(MongoBulkWriteError);
    expect(err.writeErrors).toHaveLength(1);
    const [we] = err.writeErrors as never as Array<{
      index: number;
      code: number;
      errInfo: unknown;
      errmsg: string;
    }>;
    expect(we).toMatchObject({ index: 1, code: 11000 });
    expect(we?.errmsg).toMatch(
      /E11000 duplicate key error collection: .*\.dups index: _id_ dup key: \{ _id: 1 \}/,
    );
    expect(err.result.insertedCount).toBe(1); // ordered: stops at the failure
    expect(await coll.countDocuments()).toBe(2);
  });

  it('continues past errors when unordered', async () => {
    const coll = t.db().collection('unordered');
    await coll.insertOne({ _id: 1 } as never);
    const err = (await coll
      .insertMany([{ _id: 1 }, { _id: 2 }, { _id: 1 }, { _id: 3 }] as never[], { ordered: false })
      .catch((e: unknown) => e)) as MongoBulkWriteError;
    expect(err.writeErrors).toHaveLength(2);
    expect((err.writeErrors as never as Array<{ index: number }>).map((e) => e.index)).toEqual([0, 2]);
    expect(await coll.countDocuments()).toBe(3);
  });

  it('rejects an array _id', async () => {
    const coll = t.db().collection('badid');
    await expect(coll.insertOne({ _id: [1, 2] } as never)).rejects.toMatchObject({ code: 53 });
  });
});

describe('find', () => {
  it('applies filter, projection, sort, skip and limit', async () => {
    const coll = t.db().collection('people');
    await coll.insertMany([
      { _id: 1, name: 'ann', age: 30, tags: ['a', 'b'], address: { city: 'Oslo' } },
      { _id: 2, name: 'bob', age: 25, tags: ['b'], address: { city: 'Rome' } },
      { _id: 3, name: 'cid', age: 35, tags: [], address: { city: 'Oslo' } },
      { _id: 4, name: 'dan', age: 25 },
    ] as never[]);
    expect(
      await coll
        .find(
          { age: { $gte: 25 } },
          { sort: { age: -1, name: 1 }, skip: 1, limit: 2, projection: { name: 1 } },
        )
        .toArray(),
    ).toEqual([
      { _id: 1, name: 'ann' },
      { _id: 2, name: 'bob' },
    ]);
    expect(
      await coll
        .find({ 'address.city': 'Oslo' }, { projection: { _id: 0, name: 1, 'address.city': 1 } })
        .toArray(),
    ).toEqual([
      { name: 'ann', address: { city: 'Oslo' } },
      { name: 'cid', address: { city: 'Oslo' } },
    ]);
    expect(
      await coll
        .find({ tags: 'b' })
        .map((d) => d._id)
        .toArray(),
    ).toEqual([1, 2]);
    expect(
      await coll
        .find({ tags: { $size: 0 } })
        .map((d) => d._id)
        .toArray(),
    ).toEqual([3]);
    expect(
      await coll
        .find({ address: { $exists: false } })
        .map((d) => d._id)
        .toArray(),
    ).toEqual([4]);
    expect(
      await coll
        .find({}, { projection: { tags: { $slice: 1 }, _id: 0, name: 1 }, sort: { _id: 1 }, limit: 1 })
        .toArray(),
    ).toEqual([{ name: 'ann', tags: ['a'] }]);
  });

  it('sorts in BSON type order with arrays by their extreme element', async () => {
    const coll = t.db().collection('order');
    await coll.insertMany([
      { _id: 1, v: 'b' },
      { _id: 2, v: 10 },
      { _id: 3, v: null },
      { _id: 4 },
      { _id: 5, v: [3, 20] },
      { _id: 6, v: new Date(0) },
      { _id: 7, v: true },
      { _id: 8, v: { x: 1 } },
    ] as never[]);
    const asc = await coll
      .find({}, { sort: { v: 1, _id: 1 } })
      .map((d) => d._id)
      .toArray();
    expect(asc).toEqual([3, 4, 5, 2, 1, 8, 7, 6]);
    const desc = await coll
      .find({ v: { $type: 'number' } }, { sort: { v: -1 } })
      .map((d) => d._id)
      .toArray();
    expect(desc).toEqual([5, 2]);
  });

  it('rejects mixing inclusion and exclusion in a projection', async () => {
    const coll = t.db().collection('proj');
    await coll.insertOne({ a: 1, b: 2 });
    await expect(coll.find({}, { projection: { a: 1, b: 0 } }).toArray()).rejects.toBeInstanceOf(
      MongoServerError,
    );
  });

  it('rejects an unknown query operator with BadValue', async () => {
    const coll = t.db().collection('badq');
    await coll.insertOne({ a: 1 });
    await expect(coll.find({ a: { $frob: 1 } } as never).toArray()).rejects.toMatchObject({ code: 2 });
  });
});

describe('update', () => {
  it('reports n, nModified and upserted as mongod does', async () => {
    const db = t.db();
    const coll = db.collection('u');
    await coll.insertMany([
      { _id: 1, x: 1 },
      { _id: 2, x: 1 },
      { _id: 3, x: 2 },
    ] as never[]);
    const reply = await db.command({
      update: 'u',
      updates: [
        { q: { x: 1 }, u: { $set: { y: 1 } }, multi: true },
        { q: { x: 2 }, u: { $set: { x: 2 } } },
        { q: { _id: 9 }, u: { $set: { z: 1 } }, upsert: true },
      ],
    });
    expect(reply).toEqual({
      n: 4,
      nModified: 2,
      upserted: [{ index: 2, _id: 9 }],
      ok: 1,
      ...clusterTimeFields(),
    });
    expect(await coll.findOne({ _id: 9 } as never)).toEqual({ _id: 9, z: 1 });
  });

  it('upserts from the filter equality fields with $setOnInsert only on insert', async () => {
    const coll = t.db().collection('upsert');
    const first = await coll.updateOne(
      { sku: 'A', qty: { $gt: 0 } },
      { $inc: { qty: 5 }, $setOnInsert: { created: true } },
      { upsert: true },
    );
    expect(first.upsertedCount).toBe(1);
    const doc = await coll.findOne({ sku: 'A' });
    expect(doc).toMatchObject({ sku: 'A', qty: 5, created: true });
    await coll.updateOne(
      { sku: 'A' },
      { $inc: { qty: 1 }, $setOnInsert: { created: false } },
      { upsert: true },
    );
    expect(await coll.findOne({ sku: 'A' })).toMatchObject({ qty: 6, created: true });
  });

  it('updates array elements with arrayFilters and the positional operator', async () => {
    const coll = t.db().collection('arrays');
    await coll.insertOne({
      _id: 1,
      grades: [80, 95, 100],
      items: [
        { sku: 'a', q: 1 },
        { sku: 'b', q: 2 },
      ],
    } as never);
    await coll.updateOne(
      { _id: 1 } as never,
      { $set: { 'grades.$[g]': 100 } },
      { arrayFilters: [{ g: { $gte: 90 } }] },
    );
    await coll.updateOne({ _id: 1, 'items.sku': 'b' } as never, { $inc: { 'items.$.q': 10 } });
    expect(await coll.findOne({ _id: 1 } as never)).toEqual({
      _id: 1,
      grades: [80, 100, 100],
      items: [
        { sku: 'a', q: 1 },
        { sku: 'b', q: 12 },
      ],
    });
  });

  it('runs pipeline updates', async () => {
    const coll = t.db().collection('pipe');
    await coll.insertOne({ _id: 1, price: 10, qty: 3 } as never);
    await coll.updateOne({ _id: 1 } as never, [
      { $set: { total: { $multiply: ['$price', '$qty'] } } },
      { $unset: 'qty' },
    ]);
    expect(await coll.findOne({ _id: 1 } as never)).toEqual({ _id: 1, price: 10, total: 30 });
  });

  it('replaces documents keeping _id, and refuses to change _id', async () => {
    const coll = t.db().collection('replace');
    await coll.insertOne({ _id: 1, a: 1, b: 2 } as never);
    await coll.replaceOne({ _id: 1 } as never, { c: 3 });
    expect(await coll.findOne({ _id: 1 } as never)).toEqual({ _id: 1, c: 3 });
    await expect(coll.replaceOne({ _id: 1 } as never, { _id: 2, c: 3 } as never)).rejects.toMatchObject({
      code: 66,
    });
    await expect(coll.updateOne({ _id: 1 } as never, { $set: { _id: 5 } } as never)).rejects.toMatchObject({
      code: 66,
    });
  });

  it('rejects invalid update documents with mongod codes', async () => {
    const db = t.db();
    const coll = db.collection('invalid');
    await coll.insertOne({ _id: 1, s: 'text', n: 1 } as never);
    const run = (u: unknown) => db.command({ update: 'invalid', updates: [{ q: { _id: 1 }, u }] });
    expect((await run({ $frob: { a: 1 } })).writeErrors[0]).toMatchObject({ code: 9 });
    expect((await run({ $inc: { s: 1 } })).writeErrors[0]).toMatchObject({ code: 14 });
    expect((await run({ $inc: { n: 'x' } })).writeErrors[0]).toMatchObject({ code: 14 });
    expect((await run({ $set: { a: 1 }, $unset: { a: '' } })).writeErrors[0]).toMatchObject({ code: 40 });
    expect((await run({ $push: { s: 1 } })).writeErrors[0]).toMatchObject({ code: 2 });
    expect((await run({ $set: 5 })).writeErrors[0]).toMatchObject({ code: 9 });
    expect(await coll.findOne({ _id: 1 } as never)).toEqual({ _id: 1, s: 'text', n: 1 });
  });

  it('counts a no-op update as matched but not modified', async () => {
    const coll = t.db().collection('noop');
    await coll.insertOne({ _id: 1, a: 1 } as never);
    expect(await coll.updateOne({ _id: 1 } as never, { $set: { a: 1 } })).toMatchObject({
      matchedCount: 1,
      modifiedCount: 0,
    });
  });
});

describe('delete', () => {
  it('deletes one (limit 1) or all (limit 0)', async () => {
    const coll = t.db().collection('del');
    await coll.insertMany([{ k: 1 }, { k: 1 }, { k: 1 }, { k: 2 }]);
    expect((await coll.deleteOne({ k: 1 })).deletedCount).toBe(1);
    expect((await coll.deleteMany({ k: 1 })).deletedCount).toBe(2);
    expect(await coll.countDocuments()).toBe(1);
  });
});

describe('findAndModify', () => {
  it('returns the old or new document, sorts, projects and upserts', async () => {
    const coll = t.db().collection('fam');
    await coll.insertMany([
      { _id: 1, q: 5 },
      { _id: 2, q: 9 },
    ] as never[]);
    expect(await coll.findOneAndUpdate({}, { $inc: { q: 1 } }, { sort: { q: -1 } })).toEqual({
      _id: 2,
      q: 9,
    });
    expect(
      await coll.findOneAndUpdate(
        { _id: 1 } as never,
        { $inc: { q: 1 } },
        { returnDocument: 'after', projection: { _id: 0 } },
      ),
    ).toEqual({ q: 6 });
    const upserted = await coll.findOneAndUpdate(
      { _id: 3 } as never,
      { $set: { q: 0 } },
      { upsert: true, returnDocument: 'after', includeResultMetadata: true },
    );
    expect(upserted.value).toEqual({ _id: 3, q: 0 });
    expect(upserted.lastErrorObject).toEqual({ n: 1, updatedExisting: false, upserted: 3 });
    expect(await coll.findOneAndDelete({ q: { $lt: 1 } })).toEqual({ _id: 3, q: 0 });
    expect(
      await coll.findOneAndReplace({ _id: 1 } as never, { r: true }, { returnDocument: 'after' }),
    ).toEqual({ _id: 1, r: true });
    expect(await coll.findOneAndUpdate({ _id: 99 } as never, { $set: { a: 1 } })).toBeNull();
  });
});

describe('count, distinct, aggregate', () => {
  it('counts with query, skip and limit and lists distinct values unwinding arrays', async () => {
    const db = t.db();
    const coll = db.collection('cd');
    await coll.insertMany([
      { c: 'red', t: ['a', 'b'] },
      { c: 'blue', t: ['b'] },
      { c: 'red', t: 'c' },
      { c: 'green' },
    ]);
    expect(await coll.countDocuments({ c: 'red' })).toBe(2);
    expect(await coll.estimatedDocumentCount()).toBe(4);
    expect((await db.command({ count: 'cd', query: {}, skip: 1, limit: 2 })).n).toBe(2);
    expect((await coll.distinct('c')).sort()).toEqual(['blue', 'green', 'red']);
    expect((await coll.distinct('t', { c: 'red' })).sort()).toEqual(['a', 'b', 'c']);
  });

  it('runs the common pipeline stages', async () => {
    const db = t.db();
    const orders = db.collection('orders');
    const customers = db.collection('customers');
    await customers.insertMany([
      { _id: 1, name: 'ann' },
      { _id: 2, name: 'bob' },
    ] as never[]);
    await orders.insertMany([
      {
        _id: 1,
        cust: 1,
        items: [
          { sku: 'a', qty: 2 },
          { sku: 'b', qty: 1 },
        ],
        total: 30,
      },
      { _id: 2, cust: 2, items: [{ sku: 'a', qty: 1 }], total: 10 },
      { _id: 3, cust: 1, items: [], total: 5 },
    ] as never[]);
    const byCustomer = await orders
      .aggregate([
        { $match: { total: { $gte: 5 } } },
        { $group: { _id: '$cust', spent: { $sum: '$total' }, n: { $sum: 1 } } },
        { $lookup: { from: 'customers', localField: '_id', foreignField: '_id', as: 'customer' } },
        { $unwind: '$customer' },
        { $project: { _id: 0, name: '$customer.name', spent: 1, n: 1 } },
        { $sort: { spent: -1 } },
      ])
      .toArray();
    expect(byCustomer).toEqual([
      { spent: 35, n: 2, name: 'ann' },
      { spent: 10, n: 1, name: 'bob' },
    ]);
    const skus = await orders.aggregate([{ $unwind: '$items' }, { $sortByCount: '$items.sku' }]).toArray();
    expect(skus).toEqual([
      { _id: 'a', count: 2 },
      { _id: 'b', count: 1 },
    ]);
    const [facets] = await orders
      .aggregate([
        { $facet: { big: [{ $match: { total: { $gt: 20 } } }, { $count: 'n' }], all: [{ $count: 'n' }] } },
      ])
      .toArray();
    expect(facets).toEqual({ big: [{ n: 1 }], all: [{ n: 3 }] });
    const shaped = await orders
      .aggregate([
        { $match: { _id: 1 } },
        { $addFields: { lines: { $size: '$items' } } },
        { $unset: 'items' },
        { $replaceRoot: { newRoot: { id: '$_id', lines: '$lines' } } },
        { $skip: 0 },
        { $limit: 5 },
      ])
      .toArray();
    expect(shaped).toEqual([{ id: 1, lines: 2 }]);
  });

  it('never changes stored documents while rewriting them in a pipeline', async () => {
    const db = t.db();
    await db.collection('catalog').insertOne({ _id: 'p1', info: { name: 'original' } } as never);
    await db.collection('lines').insertOne({ _id: 1, product: 'p1', nested: { x: 0 } } as never);
    const out = await db
      .collection('lines')
      .aggregate([
        { $lookup: { from: 'catalog', localField: 'product', foreignField: '_id', as: 'entry' } },
        { $unwind: '$entry' },
        { $set: { 'entry.info.name': 'changed', 'nested.x': 1 } },
      ])
      .toArray();
    expect(out[0]).toMatchObject({ entry: { info: { name: 'changed' } }, nested: { x: 1 } });
    expect(await db.collection('catalog').findOne()).toEqual({ _id: 'p1', info: { name: 'original' } });
    expect(await db.collection('lines').findOne()).toEqual({ _id: 1, product: 'p1', nested: { x: 0 } });
  });

  it('refuses change streams with a clear CommandNotSupported', async () => {
    const stream = t.db().collection('watched').watch();
    await expect(stream.tryNext()).rejects.toMatchObject({ code: 115, codeName: 'CommandNotSupported' });
    await stream.close();
  });

  it('writes results with $out and $merge', async () => {
    const db = t.db();
    const src = db.collection('src');
    await src.insertMany([
      { _id: 1, v: 1 },
      { _id: 2, v: 2 },
    ] as never[]);
    await src.aggregate([{ $match: { v: { $gt: 1 } } }, { $out: 'outc' }]).toArray();
    expect(await db.collection('outc').find().toArray()).toEqual([{ _id: 2, v: 2 }]);
    await src.aggregate([{ $project: { w: '$v' } }, { $merge: { into: 'outc' } }]).toArray();
    expect(
      await db
        .collection('outc')
        .find({}, { sort: { _id: 1 } })
        .toArray(),
    ).toEqual([
      { _id: 1, w: 1 },
      { _id: 2, v: 2, w: 2 },
    ]);
  });
});

describe('capped collections', () => {
  it('keep the newest documents within max and size, in insertion order', async () => {
    const db = t.db();
    const byCount = await db.createCollection('log', { capped: true, size: 100_000, max: 5 });
    for (let i = 0; i < 8; i++) await byCount.insertOne({ _id: i } as never);
    expect(
      await byCount
        .find()
        .map((d) => d._id)
        .toArray(),
    ).toEqual([3, 4, 5, 6, 7]);
    const bySize = await db.createCollection('small', { capped: true, size: 4096 });
    for (let i = 0; i < 10; i++) await bySize.insertOne({ _id: i, pad: 'x'.repeat(1000) } as never);
    const left = await bySize
      .find()
      .map((d) => d._id)
      .toArray();
    expect(left).toEqual([6, 7, 8, 9]);
  });

  it('refuse writes inside a transaction', async () => {
    const db = t.db();
    const coll = await db.createCollection('cappedtx', { capped: true, size: 4096 });
    const session = t.client.startSession();
    try {
      session.startTransaction();
      await expect(coll.insertOne({ a: 1 }, { session })).rejects.toMatchObject({ code: 263 });
    } finally {
      await session.abortTransaction().catch(() => undefined);
      await session.endSession();
    }
  });
});

describe('collections', () => {
  it('creates, lists (filter, nameOnly), renames and drops collections', async () => {
    const db = t.db();
    await db.createCollection('a');
    await expect(db.createCollection('a', { capped: true, size: 1000 })).rejects.toMatchObject({ code: 48 });
    await db.collection('b').insertOne({ x: 1 });
    expect((await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).sort()).toEqual([
      'a',
      'b',
    ]);
    expect(await db.listCollections({ name: 'b' }).toArray()).toEqual([
      expect.objectContaining({ name: 'b', type: 'collection', idIndex: expect.anything() }),
    ]);
    await db.renameCollection('b', 'c');
    expect(await db.collection('c').countDocuments()).toBe(1);
    await expect(db.renameCollection('missing', 'd')).rejects.toMatchObject({ code: 26 });
    expect(await db.dropCollection('c')).toBe(true);
    await db.dropDatabase();
    expect(await db.listCollections().toArray()).toEqual([]);
  });
});
