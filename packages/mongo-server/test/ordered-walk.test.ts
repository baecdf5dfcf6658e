// Equality-plus-sort queries walk a compound index and stop at the limit; counts come from an
// index's per-key counts or a scan that copies nothing. Every answer is compared with the same query
// answered without the shortcut (a sort of everything the filter matches).
import { ObjectId } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { useServer } from './helpers/server';

const t = useServer();

interface Product {
  _id: ObjectId;
  active: boolean | boolean[];
  category: string;
  createdAt: Date;
  price: number;
}

function products(count: number): Product[] {
  const start = Date.UTC(2026, 0, 1);
  return Array.from({ length: count }, (_, n) => ({
    _id: new ObjectId(),
    active: n % 10 !== 9,
    category: `c${n % 3}`,
    // Repeated timestamps: _id breaks the ties, as the catalog's keyset does.
    createdAt: new Date(start + Math.floor(n / 4) * 1000),
    price: (n * 37) % 500,
  }));
}

/** The reference: every match sorted in memory by (createdAt, _id) descending. */
function newestFirst(docs: Product[], keep: (d: Product) => boolean): string[] {
  return docs
    .filter(keep)
    .sort(
      (a, b) =>
        b.createdAt.getTime() - a.createdAt.getTime() ||
        b._id.toHexString().localeCompare(a._id.toHexString()),
    )
    .map((d) => d._id.toHexString());
}

const ids = (docs: { _id: ObjectId }[]) => docs.map((d) => d._id.toHexString());

describe('an equality-plus-sort query on a compound index', () => {
  it('walks the index in sort order, stops at the limit, and pages by keyset without repeats or gaps', async () => {
    const coll = t.db().collection<Product>('products');
    await coll.createIndex({ active: 1, createdAt: -1, _id: -1 });
    await coll.createIndex({ active: 1, category: 1, createdAt: -1, _id: -1 });
    await coll.createIndex({ active: 1, price: 1, _id: 1 });
    const docs = products(2_000);
    await coll.insertMany(docs);

    const sort = { createdAt: -1, _id: -1 } as const;
    const page = await coll.find({ active: true }, { sort, limit: 21 }).toArray();
    expect(ids(page)).toEqual(newestFirst(docs, (d) => d.active === true).slice(0, 21));
    const plan = await coll.find({ active: true }, { sort, limit: 21 }).explain('executionStats');
    expect(plan.queryPlanner.winningPlan.inputStage.indexName).toBe('active_1_createdAt_-1__id_-1');
    expect(plan.executionStats.totalDocsExamined).toBe(21);

    // The longest equality prefix wins.
    const inCategory = await coll
      .find({ active: true, category: 'c1' }, { sort, limit: 5 })
      .explain('executionStats');
    expect(inCategory.queryPlanner.winningPlan.inputStage.indexName).toBe(
      'active_1_category_1_createdAt_-1__id_-1',
    );
    expect(inCategory.executionStats.totalDocsExamined).toBe(5);

    // Keyset pages: the walk resumes at the cursor and reads only the page (plus its tied entries).
    const expected = newestFirst(docs, (d) => d.active === true);
    const seen: string[] = [];
    let last: Product | undefined;
    for (let i = 0; i < 6; i++) {
      const filter = last
        ? {
            active: true,
            $or: [
              { createdAt: { $lt: last.createdAt } },
              { createdAt: last.createdAt, _id: { $lt: last._id } },
            ],
          }
        : { active: true };
      const rows = await coll.find(filter, { sort, limit: 50 }).toArray();
      const stats = await coll.find(filter, { sort, limit: 50 }).explain('executionStats');
      expect(stats.executionStats.totalDocsExamined).toBeLessThanOrEqual(54);
      seen.push(...ids(rows));
      last = rows.at(-1);
    }
    expect(seen).toEqual(expected.slice(0, 300));

    // Ascending on another index; skip is honoured.
    const cheapest = await coll
      .find({ active: false }, { sort: { price: 1, _id: 1 }, skip: 3, limit: 7 })
      .toArray();
    const reference = docs
      .filter((d) => d.active === false)
      .sort((a, b) => a.price - b.price || a._id.toHexString().localeCompare(b._id.toHexString()))
      .slice(3, 10);
    expect(ids(cheapest)).toEqual(ids(reference));
  });

  it('sees later writes, and answers inside a transaction as the transaction sees the data', async () => {
    const db = t.db();
    const coll = db.collection<Product>('products');
    await coll.createIndex({ active: 1, createdAt: -1, _id: -1 });
    const docs = products(100);
    await coll.insertMany(docs);
    const newest = { ...products(1)[0]!, active: true, createdAt: new Date(Date.UTC(2030, 0, 1)) };
    await coll.insertOne(newest);
    const sort = { createdAt: -1, _id: -1 } as const;
    expect(ids(await coll.find({ active: true }, { sort, limit: 1 }).toArray())).toEqual([
      newest._id.toHexString(),
    ]);
    await coll.updateOne({ _id: newest._id }, { $set: { active: false } });
    expect(await coll.countDocuments({ active: true })).toBe(90);
    expect(ids(await coll.find({ active: true }, { sort, limit: 3 }).toArray())).toEqual(
      newestFirst(docs, (d) => d.active === true).slice(0, 3),
    );

    const session = t.client.startSession();
    try {
      await session.withTransaction(async () => {
        await coll.updateOne({ _id: newest._id }, { $set: { active: true } }, { session });
        expect(await coll.countDocuments({ active: true }, { session })).toBe(91);
        const inTxn = await coll.find({ active: true }, { sort, limit: 1, session }).toArray();
        expect(ids(inTxn)).toEqual([newest._id.toHexString()]);
        // Outside the transaction nothing changed yet.
        expect(await coll.countDocuments({ active: true })).toBe(90);
      });
    } finally {
      await session.endSession();
    }
    expect(await coll.countDocuments({ active: true })).toBe(91);
  });

  it('answers a walk of a multikey index in mongod’s array order: by the smallest, or largest, element', async () => {
    // An array puts a document under several keys of the walk; it must stand once, where its
    // smallest (ascending) or largest (descending) element puts it.
    const coll = t.db().collection<{ _id: string; tag: string; rank: number | number[] }>('ranked');
    await coll.createIndex({ tag: 1, rank: 1 });
    await coll.insertMany([
      { _id: 'spread', tag: 'a', rank: [5, 1] },
      { _id: 'three', tag: 'a', rank: 3 },
      { _id: 'pair', tag: 'a', rank: [2, 4] },
      { _id: 'other', tag: 'b', rank: 0 },
    ]);
    const order = async (direction: 1 | -1) =>
      (await coll.find({ tag: 'a' }, { sort: { rank: direction }, limit: 3 }).toArray()).map((d) => d._id);
    expect(await order(1)).toEqual(['spread', 'pair', 'three']);
    expect(await order(-1)).toEqual(['spread', 'pair', 'three']);
  });
});

describe('counts', () => {
  it('answer countDocuments and count from the index, and match a scan when the index cannot answer', async () => {
    const coll = t.db().collection<Product>('products');
    await coll.createIndex({ active: 1, createdAt: -1, _id: -1 });
    await coll.createIndex({ category: 1 });
    const docs = products(1_000);
    await coll.insertMany(docs);
    const active = docs.filter((d) => d.active === true).length;
    expect(await coll.countDocuments({ active: true })).toBe(active);
    expect(await coll.countDocuments({ active: { $eq: false } })).toBe(1_000 - active);
    expect(await coll.countDocuments({ active: true }, { skip: 10, limit: 50 })).toBe(50);
    expect(await coll.countDocuments({ active: true }, { skip: active - 3 })).toBe(3);
    expect(await coll.countDocuments({ category: 'c2' })).toBe(
      docs.filter((d) => d.category === 'c2').length,
    );
    expect(await coll.countDocuments({ category: 'none' })).toBe(0);
    expect(await coll.countDocuments({ active: true, category: 'c0' })).toBe(
      docs.filter((d) => d.active === true && d.category === 'c0').length,
    );
    expect(await coll.countDocuments({ price: { $lt: 100 } })).toBe(docs.filter((d) => d.price < 100).length);
    expect(await coll.countDocuments({})).toBe(1_000);
    // Legacy count takes the same path.
    expect(await coll.count({ active: true })).toBe(active);
    // The driver's result shape is the pipeline's: nothing for no match, else { _id: 1, n }.
    const raw = await coll
      .aggregate([{ $match: { active: true } }, { $group: { _id: 1, n: { $sum: 1 } } }])
      .toArray();
    expect(raw).toEqual([{ _id: 1, n: active }]);
    expect(
      await coll
        .aggregate([{ $match: { category: 'none' } }, { $group: { _id: 1, n: { $sum: 1 } } }])
        .toArray(),
    ).toEqual([]);

    // Once a document holds an array in the indexed field, counts fall back to an exact scan.
    await coll.insertOne({ ...products(1)[0]!, active: [true, false] });
    expect(await coll.countDocuments({ active: true })).toBe(active + 1);
    expect(await coll.countDocuments({ active: false })).toBe(1_000 - active + 1);
    // And walks return each document once.
    const walked = await coll
      .find({ active: true }, { sort: { createdAt: -1, _id: -1 }, limit: 2_000 })
      .toArray();
    expect(new Set(ids(walked)).size).toBe(walked.length);
    expect(walked.length).toBe(active + 1);
  });

  it('count numbers of every BSON numeric type as equal, as matching does', async () => {
    const coll = t.db().collection('nums');
    await coll.createIndex({ n: 1 });
    await coll.insertMany([{ n: 1 }, { n: 1.0 }, { n: 2 }, { n: 'x' }]);
    expect(await coll.countDocuments({ n: 1 })).toBe(2);
    expect(await coll.countDocuments({ n: 'x' })).toBe(1);
    expect(await coll.countDocuments({ n: 3 })).toBe(0);
  });
});
