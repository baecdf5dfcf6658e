// Behaviours found to differ from mongod while verifying the server, pinned so they stay fixed:
// projection field order and $slice-only projections, _id assignments in updates, and the
// aggregation stages mingo answers differently ($count over nothing, unknown stages, $limit),
// hints naming no index, equality against embedded documents, cursors opened with batchSize 0,
// admin-only commands, and the BSON order of embedded documents.
import { type MongoServerError } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { useServer } from './helpers/server';

const t = useServer();

async function seeded(name: string) {
  const coll = t.db().collection<Record<string, unknown>>(name);
  await coll.insertOne({ _id: 1 as never, b: 2, a: 1, c: { y: 1, x: 2 }, arr: [1, 2, 3, 4] });
  return coll;
}

function failure(promise: Promise<unknown>): Promise<MongoServerError> {
  return promise.then(
    (value) => {
      throw new Error(`expected a server error, got ${JSON.stringify(value)}`);
    },
    (error: unknown) => error as MongoServerError,
  );
}

describe('find projections', () => {
  it('keep the stored field order with _id first, at every depth', async () => {
    const coll = await seeded('order');
    const [doc] = await coll.find({}, { projection: { c: 1, a: 1 } }).toArray();
    expect(Object.keys(doc!)).toEqual(['_id', 'a', 'c']);
    expect(Object.keys(doc!.c as object)).toEqual(['y', 'x']);
    const [nested] = await coll.find({}, { projection: { 'c.x': 1, 'c.y': 1, b: 1 } }).toArray();
    expect(JSON.stringify(nested)).toBe('{"_id":1,"b":2,"c":{"y":1,"x":2}}');
  });

  it('put computed fields after included ones, in projection order', async () => {
    const coll = await seeded('computed');
    const [doc] = await coll.find({}, { projection: { total: { $add: ['$a', '$b'] }, b: 1 } }).toArray();
    expect(JSON.stringify(doc)).toBe('{"_id":1,"b":2,"total":3}');
  });

  it('keep every other field when they only $slice (and exclude)', async () => {
    const coll = await seeded('slice');
    expect(await coll.findOne({}, { projection: { arr: { $slice: 2 } } })).toEqual({
      _id: 1,
      b: 2,
      a: 1,
      c: { y: 1, x: 2 },
      arr: [1, 2],
    });
    expect(await coll.findOne({}, { projection: { arr: { $slice: [-3, 2] }, c: 0, b: 0 } })).toEqual({
      _id: 1,
      a: 1,
      arr: [2, 3],
    });
  });

  it('name the field that mixes inclusion and exclusion', async () => {
    const coll = await seeded('mixed');
    expect(await failure(coll.find({}, { projection: { a: 1, b: 0 } }).toArray())).toMatchObject({
      code: 31254,
      message: 'Cannot do exclusion on field b in inclusion projection',
    });
    expect(await failure(coll.find({}, { projection: { a: 0, b: 1 } }).toArray())).toMatchObject({
      code: 31253,
      message: 'Cannot do inclusion on field b in exclusion projection',
    });
  });
});

describe('_id in update operators', () => {
  it('setting _id to its current value is a no-op, any other value is ImmutableField', async () => {
    const coll = await seeded('immutable');
    expect(await coll.updateOne({ _id: 1 as never }, { $set: { _id: 1 as never, a: 5 } })).toMatchObject({
      matchedCount: 1,
      modifiedCount: 1,
    });
    expect(await failure(coll.updateOne({ _id: 1 as never }, { $set: { _id: 2 as never } }))).toMatchObject({
      code: 66,
      codeName: 'ImmutableField',
    });
    expect(await coll.findOne({ _id: 1 as never })).toMatchObject({ _id: 1, a: 5 });
  });

  it('an upsert may choose the new document _id through $setOnInsert, ignored on a match', async () => {
    const coll = await seeded('upsert-id');
    const inserted = await coll.updateOne(
      { a: 9 },
      { $setOnInsert: { _id: 8 as never }, $set: { z: 1 } },
      { upsert: true },
    );
    expect(inserted.upsertedId).toBe(8);
    expect(await coll.findOne({ _id: 8 as never })).toEqual({ _id: 8, a: 9, z: 1 });
    const matched = await coll.updateOne(
      { _id: 1 as never },
      { $setOnInsert: { _id: 3 as never }, $set: { z: 2 } },
      { upsert: true },
    );
    expect(matched).toMatchObject({ matchedCount: 1, upsertedCount: 0 });
  });
});

describe('aggregation', () => {
  it('$project keeps the stored order and appends computed fields', async () => {
    const coll = await seeded('agg-order');
    const [doc] = await coll
      .aggregate([{ $project: { twice: { $multiply: ['$a', 2] }, c: 1, a: 1 } }])
      .toArray();
    expect(JSON.stringify(doc)).toBe('{"_id":1,"a":1,"c":{"y":1,"x":2},"twice":2}');
  });

  it('$bucket outputs only buckets holding documents, the default one too', async () => {
    const coll = t.db().collection<Record<string, unknown>>('buckets');
    await coll.insertMany([{ p: 5 }, { p: 7 }, { p: 25 }, { p: 99 }, { p: 'n/a' }]);
    const bucket = (extra: Record<string, unknown>) =>
      coll.aggregate([{ $bucket: { groupBy: '$p', boundaries: [0, 10, 20, 30, 40], ...extra } }]).toArray();
    expect(await bucket({ default: 'other' })).toEqual([
      { _id: 0, count: 2 },
      { _id: 20, count: 1 },
      { _id: 'other', count: 2 },
    ]);
    // With an output of the caller's own: an empty bucket is left out even where its sum would be 0.
    expect(await bucket({ default: 'other', output: { total: { $sum: 0 } } })).toEqual([
      { _id: 0, total: 0 },
      { _id: 20, total: 0 },
      { _id: 'other', total: 0 },
    ]);
    await coll.deleteMany({ p: { $in: [99, 'n/a'] } });
    expect(await bucket({ default: 'other' })).toEqual([
      { _id: 0, count: 2 },
      { _id: 20, count: 1 },
    ]);
    // Inside $facet, as a catalog's price bands are counted.
    expect(
      await coll
        .aggregate([{ $facet: { bands: [{ $bucket: { groupBy: '$p', boundaries: [0, 10, 20, 30] } }] } }])
        .toArray(),
    ).toEqual([
      {
        bands: [
          { _id: 0, count: 2 },
          { _id: 20, count: 1 },
        ],
      },
    ]);
  });

  it('$count over no documents outputs no document', async () => {
    const coll = await seeded('count');
    expect(await coll.aggregate([{ $match: { a: 42 } }, { $count: 'n' }]).toArray()).toEqual([]);
    expect(await coll.aggregate([{ $count: 'n' }]).toArray()).toEqual([{ n: 1 }]);
    expect(
      await coll.aggregate([{ $facet: { none: [{ $match: { a: 42 } }, { $count: 'n' }] } }]).toArray(),
    ).toEqual([{ none: [] }]);
  });

  it('rejects unknown stages and a non-positive $limit with mongod codes', async () => {
    const coll = await seeded('stages');
    expect(await failure(coll.aggregate([{ $bogus: {} }]).toArray())).toMatchObject({
      code: 40324,
      message: "Unrecognized pipeline stage name: '$bogus'",
    });
    expect(await failure(coll.aggregate([{ $limit: 0 }]).toArray())).toMatchObject({ code: 15958 });
  });
});

describe('hints', () => {
  it('accept an index by name or key pattern and refuse one that does not exist', async () => {
    const coll = await seeded('hints');
    await coll.createIndex({ a: 1 });
    expect(await coll.find({}, { hint: 'a_1' }).toArray()).toHaveLength(1);
    expect(await coll.find({}, { hint: { a: 1 } }).toArray()).toHaveLength(1);
    expect(await coll.countDocuments({}, { hint: { $natural: 1 } })).toBe(1);
    const missing = 'hint provided does not correspond to an existing index';
    expect(await failure(coll.find({}, { hint: 'b_1' }).toArray())).toMatchObject({
      code: 2,
      message: missing,
    });
    expect(await failure(coll.find({}, { hint: { a: -1 } }).toArray())).toMatchObject({ code: 2 });
    expect(await failure(coll.aggregate([], { hint: 'b_1' }).toArray())).toMatchObject({ code: 2 });
    expect(
      await failure(coll.updateOne({ _id: 1 as never }, { $set: { z: 1 } }, { hint: 'b_1' })),
    ).toMatchObject({ code: 2 });
    expect(await failure(coll.deleteOne({ _id: 1 as never }, { hint: { b: 1 } }))).toMatchObject({ code: 2 });
    expect(await coll.findOne({ _id: 1 as never })).not.toHaveProperty('z');
  });
});

describe('equality against embedded documents', () => {
  it('is field-order sensitive, for implicit equality, $eq, $ne, $in and $nin', async () => {
    const coll = t.db().collection<Record<string, unknown>>('embedded');
    await coll.insertMany([
      { _id: 1 as never, o: { x: 1, y: 2 } },
      { _id: 2 as never, o: { y: 2, x: 1 } },
      { _id: 3 as never, o: null },
    ]);
    const ids = async (filter: Record<string, unknown>) =>
      (await coll.find(filter, { sort: { _id: 1 } }).toArray()).map((doc) => doc._id);
    expect(await ids({ o: { x: 1, y: 2 } })).toEqual([1]);
    expect(await ids({ o: { $eq: { y: 2, x: 1 } } })).toEqual([2]);
    expect(await ids({ o: { $ne: { x: 1, y: 2 } } })).toEqual([2, 3]);
    expect(await ids({ o: { $in: [{ y: 2, x: 1 }, null] } })).toEqual([2, 3]);
    expect(await ids({ o: { $nin: [{ x: 1, y: 2 }] } })).toEqual([2, 3]);
    expect(await ids({ $or: [{ o: { y: 2, x: 1 } }] })).toEqual([2]);
    expect(await failure(coll.find({ o: { $in: 'x' } }).toArray())).toMatchObject({
      code: 2,
      message: '$in needs an array',
    });
  });
});

describe('cursors', () => {
  it('batchSize 0 opens a cursor with an empty first batch; getMore brings the documents', async () => {
    const db = t.db();
    await db.collection('zero').insertMany([{ _id: 1 }, { _id: 2 }] as never[]);
    const first = await db.command({ find: 'zero', batchSize: 0 });
    expect(first.cursor.firstBatch).toEqual([]);
    expect(Number(first.cursor.id)).not.toBe(0);
    const more = await db.command({ getMore: first.cursor.id, collection: 'zero' });
    expect(more.cursor.nextBatch).toEqual([{ _id: 1 }, { _id: 2 }]);
    expect(Number(more.cursor.id)).toBe(0);
    expect(await db.collection('zero').find({}, { batchSize: 0 }).toArray()).toHaveLength(2);
  });
});

describe('admin commands', () => {
  it('getParameter and listDatabases run against admin only; an unknown parameter is refused', async () => {
    const admin = t.client.db('admin');
    expect(await admin.command({ getParameter: 1, featureCompatibilityVersion: 1 })).toMatchObject({ ok: 1 });
    expect(await failure(admin.command({ getParameter: 1, noSuchParameter: 1 }))).toMatchObject({
      code: 72,
      message: 'no option found to get',
    });
    expect(await failure(t.db().command({ getParameter: 1, featureCompatibilityVersion: 1 }))).toMatchObject({
      code: 13,
    });
    expect(await failure(t.db().command({ listDatabases: 1 }))).toMatchObject({
      code: 13,
      message: 'listDatabases may only be run against the admin database.',
    });
  });
});

describe('BSON order of embedded documents', () => {
  it('compares element by element: type, then field name, then value', async () => {
    const coll = t.db().collection<Record<string, unknown>>('objorder');
    await coll.insertMany([
      { _id: 1 as never, o: { a: 'x' } },
      { _id: 2 as never, o: { b: 1 } },
      { _id: 3 as never, o: { a: 5 } },
      { _id: 4 as never, o: { a: 5, b: 0 } },
    ]);
    const sorted = await coll.find({}, { sort: { o: 1 } }).toArray();
    expect(sorted.map((doc) => doc._id)).toEqual([3, 4, 2, 1]);
    const greater = await coll.find({ o: { $gt: { a: 5 } } }, { sort: { _id: 1 } }).toArray();
    expect(greater.map((doc) => doc._id)).toEqual([1, 2, 4]);
  });
});
