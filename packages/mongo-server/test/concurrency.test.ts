// Single-document atomicity under many concurrent clients: no lost updates, and conditional
// decrements never overshoot.
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useServer } from './helpers/server';

const t = useServer();
const clients: MongoClient[] = [];

beforeAll(async () => {
  for (let i = 0; i < 5; i++) {
    const c = new MongoClient(t.server.uri, { maxPoolSize: 20 });
    await c.connect();
    clients.push(c);
  }
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
});

describe('concurrency', () => {
  it('loses no $inc among 50 concurrent findAndModify calls from several clients', async () => {
    const dbName = t.db().databaseName;
    await t.client
      .db(dbName)
      .collection('counters')
      .insertOne({ _id: 'orders', seq: 0 } as never);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        (clients[i % clients.length] as MongoClient)
          .db(dbName)
          .collection('counters')
          .findOneAndUpdate({ _id: 'orders' } as never, { $inc: { seq: 1 } }, { returnDocument: 'after' }),
      ),
    );
    expect(await t.client.db(dbName).collection('counters').findOne()).toEqual({ _id: 'orders', seq: 50 });
    // Every caller saw a distinct value: each increment was applied to the result of the previous one.
    expect(new Set(results.map((r) => r?.seq)).size).toBe(50);
  });

  it('never drives stock negative with a conditional $inc', async () => {
    const dbName = t.db().databaseName;
    const stock = t.client.db(dbName).collection('stock');
    await stock.insertOne({ _id: 'sku', available: 37 } as never);
    const outcomes = await Promise.all(
      Array.from({ length: 60 }, (_, i) => {
        const q = (i % 3) + 1;
        return (clients[i % clients.length] as MongoClient)
          .db(dbName)
          .collection('stock')
          .updateOne({ _id: 'sku', available: { $gte: q } } as never, { $inc: { available: -q } })
          .then((r) => (r.modifiedCount === 1 ? q : 0));
      }),
    );
    const reserved = outcomes.reduce((a, b) => a + b, 0);
    const doc = await stock.findOne();
    expect(doc?.available).toBeGreaterThanOrEqual(0);
    expect(reserved + (doc?.available as number)).toBe(37);
  });

  it('keeps a unique index consistent when many clients insert the same key at once', async () => {
    const dbName = t.db().databaseName;
    const coll = t.client.db(dbName).collection('emails');
    await coll.createIndex({ email: 1 }, { unique: true });
    const settled = await Promise.allSettled(
      Array.from({ length: 30 }, (_, i) =>
        (clients[i % clients.length] as MongoClient)
          .db(dbName)
          .collection('emails')
          .insertOne({ email: 'same@x' }),
      ),
    );
    expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(1);
    expect(await coll.countDocuments()).toBe(1);
  });
});
