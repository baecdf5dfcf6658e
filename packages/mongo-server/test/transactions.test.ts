// Multi-document transactions: visibility, abort, snapshot isolation, write conflicts and retries,
// through the driver's session API and mongoose's connection.transaction().
import { MongoServerError, type Collection } from 'mongodb';
import mongoose from 'mongoose';
import { describe, expect, it } from 'vitest';
import { useServer } from './helpers/server';

const t = useServer();

async function seeded(name: string, docs: object[]): Promise<Collection> {
  const coll = t.db().collection(name);
  await coll.insertMany(docs as never[]);
  return coll;
}

describe('transactions', () => {
  it('keep writes invisible to others until commit', async () => {
    const coll = await seeded('visibility', [{ _id: 1, v: 0 }]);
    const session = t.client.startSession();
    try {
      session.startTransaction();
      await coll.insertOne({ _id: 2, v: 0 } as never, { session });
      await coll.updateOne({ _id: 1 } as never, { $set: { v: 1 } }, { session });
      expect(await coll.find({}, { session, sort: { _id: 1 } }).toArray()).toEqual([
        { _id: 1, v: 1 },
        { _id: 2, v: 0 },
      ]);
      expect(await coll.find({}, { sort: { _id: 1 } }).toArray()).toEqual([{ _id: 1, v: 0 }]);
      expect(await coll.countDocuments()).toBe(1);
      await session.commitTransaction();
      expect(await coll.find({}, { sort: { _id: 1 } }).toArray()).toEqual([
        { _id: 1, v: 1 },
        { _id: 2, v: 0 },
      ]);
    } finally {
      await session.endSession();
    }
  });

  it('discard every write on abort', async () => {
    const coll = await seeded('abort', [{ _id: 1, v: 0 }]);
    const session = t.client.startSession();
    try {
      session.startTransaction();
      await coll.insertOne({ _id: 2 } as never, { session });
      await coll.deleteOne({ _id: 1 } as never, { session });
      await session.abortTransaction();
      expect(await coll.find().toArray()).toEqual([{ _id: 1, v: 0 }]);
    } finally {
      await session.endSession();
    }
  });

  it('take back a collection their writes created when they abort', async () => {
    const db = t.db();
    const session = t.client.startSession();
    try {
      session.startTransaction();
      await db.collection('created_in_txn').insertOne({ a: 1 }, { session });
      await session.abortTransaction();
      expect(await db.listCollections({ name: 'created_in_txn' }).toArray()).toEqual([]);
      session.startTransaction();
      await db.collection('kept').insertOne({ a: 1 }, { session });
      await session.commitTransaction();
      expect((await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name)).toEqual([
        'kept',
      ]);
    } finally {
      await session.endSession();
    }
  });

  it('read from the snapshot taken at their first operation', async () => {
    const coll = await seeded('snapshot', [
      { _id: 1, v: 'old' },
      { _id: 2, v: 'old' },
    ]);
    const session = t.client.startSession();
    try {
      session.startTransaction();
      expect(await coll.findOne({ _id: 1 } as never, { session })).toEqual({ _id: 1, v: 'old' });
      await coll.updateOne({ _id: 1 } as never, { $set: { v: 'new' } });
      await coll.deleteOne({ _id: 2 } as never);
      await coll.insertOne({ _id: 3, v: 'new' } as never);
      // By _id (index path), by scan and by aggregation the transaction still sees its snapshot.
      expect(await coll.findOne({ _id: 1 } as never, { session })).toEqual({ _id: 1, v: 'old' });
      expect(await coll.find({ v: 'old' }, { session, sort: { _id: 1 } }).toArray()).toEqual([
        { _id: 1, v: 'old' },
        { _id: 2, v: 'old' },
      ]);
      expect(await coll.countDocuments({}, { session })).toBe(2);
      await session.commitTransaction();
    } finally {
      await session.endSession();
    }
    expect(await coll.find({}, { sort: { _id: 1 } }).toArray()).toEqual([
      { _id: 1, v: 'new' },
      { _id: 3, v: 'new' },
    ]);
  });

  it('answer a concurrent write to the same document with WriteConflict and TransientTransactionError', async () => {
    const coll = await seeded('conflict', [{ _id: 1, v: 0 }]);
    const a = t.client.startSession();
    const b = t.client.startSession();
    try {
      a.startTransaction();
      b.startTransaction();
      await coll.updateOne({ _id: 1 } as never, { $inc: { v: 1 } }, { session: a });
      const err = (await coll
        .updateOne({ _id: 1 } as never, { $inc: { v: 10 } }, { session: b })
        .catch((e: unknown) => e)) as MongoServerError;
      expect(err).toBeInstanceOf(MongoServerError);
      expect(err.code).toBe(112);
      expect(err.codeName).toBe('WriteConflict');
      expect(err.hasErrorLabel('TransientTransactionError')).toBe(true);
      // The conflicting transaction is over; the other one commits.
      await expect(b.commitTransaction()).rejects.toMatchObject({ code: 251 });
      await a.commitTransaction();
      expect(await coll.findOne({ _id: 1 } as never)).toEqual({ _id: 1, v: 1 });
    } finally {
      await a.endSession();
      await b.endSession();
    }
  });

  it('conflict when a document changed after the snapshot was taken', async () => {
    const coll = await seeded('stale', [{ _id: 1, v: 0 }]);
    const session = t.client.startSession();
    try {
      session.startTransaction();
      await coll.findOne({ _id: 1 } as never, { session });
      await coll.updateOne({ _id: 1 } as never, { $set: { v: 5 } });
      await expect(
        coll.updateOne({ _id: 1 } as never, { $set: { v: 6 } }, { session }),
      ).rejects.toMatchObject({ code: 112 });
      await session.abortTransaction().catch(() => undefined);
    } finally {
      await session.endSession();
    }
    expect(await coll.findOne({ _id: 1 } as never)).toEqual({ _id: 1, v: 5 });
  });

  it('let withTransaction retry through a write conflict until it succeeds', async () => {
    const coll = await seeded('retry', [{ _id: 1, v: 0 }]);
    const holder = t.client.startSession();
    const retrier = t.client.startSession();
    try {
      holder.startTransaction();
      await coll.updateOne({ _id: 1 } as never, { $inc: { v: 1 } }, { session: holder });
      setTimeout(() => void holder.commitTransaction(), 150);
      let attempts = 0;
      await retrier.withTransaction(async () => {
        attempts++;
        await coll.updateOne({ _id: 1 } as never, { $inc: { v: 10 } }, { session: retrier });
      });
      expect(attempts).toBeGreaterThan(1);
      expect(await coll.findOne({ _id: 1 } as never)).toEqual({ _id: 1, v: 11 });
    } finally {
      await holder.endSession();
      await retrier.endSession();
    }
  });

  it('make a write outside any transaction wait for the transaction holding the document', async () => {
    const coll = await seeded('wait', [{ _id: 1, v: 0 }]);
    const session = t.client.startSession();
    try {
      session.startTransaction();
      await coll.updateOne({ _id: 1 } as never, { $inc: { v: 1 } }, { session });
      let done = false;
      const outside = coll.updateOne({ _id: 1 } as never, { $inc: { v: 100 } }).then(() => (done = true));
      await new Promise((r) => setTimeout(r, 100));
      expect(done).toBe(false);
      await session.commitTransaction();
      await outside;
      expect(await coll.findOne({ _id: 1 } as never)).toEqual({ _id: 1, v: 101 });
    } finally {
      await session.endSession();
    }
  });

  it('make writes taking a unique key held by an open transaction wait or conflict', async () => {
    const coll = t.db().collection('uniquehold');
    await coll.createIndex({ email: 1 }, { unique: true });
    const a = t.client.startSession();
    const b = t.client.startSession();
    try {
      a.startTransaction();
      await coll.insertOne({ _id: 1, email: 'x@y' } as never, { session: a });
      // Another transaction conflicts at once.
      b.startTransaction();
      await expect(coll.insertOne({ _id: 2, email: 'x@y' } as never, { session: b })).rejects.toMatchObject({
        code: 112,
      });
      await b.abortTransaction().catch(() => undefined);
      // A plain insert waits for the transaction, then sees the key taken.
      let settled = false;
      const outside = coll.insertOne({ _id: 3, email: 'x@y' } as never).finally(() => (settled = true));
      await new Promise((r) => setTimeout(r, 100));
      expect(settled).toBe(false);
      await a.commitTransaction();
      await expect(outside).rejects.toMatchObject({ code: 11000 });
      // After an abort the waiting write goes through.
      a.startTransaction();
      await coll.updateOne({ _id: 1 } as never, { $set: { email: 'z@y' } }, { session: a });
      const waiting = coll.insertOne({ _id: 4, email: 'z@y' } as never);
      await new Promise((r) => setTimeout(r, 50));
      await a.abortTransaction();
      await waiting;
      expect(await coll.find({}, { sort: { _id: 1 } }).toArray()).toEqual([
        { _id: 1, email: 'x@y' },
        { _id: 4, email: 'z@y' },
      ]);
    } finally {
      await a.endSession();
      await b.endSession();
    }
  });

  it('abort on a duplicate key inside the transaction', async () => {
    const coll = await seeded('txdup', [{ _id: 1 }]);
    const session = t.client.startSession();
    try {
      session.startTransaction();
      await coll.insertOne({ _id: 2 } as never, { session });
      await expect(coll.insertOne({ _id: 1 } as never, { session })).rejects.toMatchObject({ code: 11000 });
      await expect(session.commitTransaction()).rejects.toMatchObject({ code: 251 });
    } finally {
      await session.endSession();
    }
    expect(await coll.countDocuments()).toBe(1);
  });

  it('refuse commands that cannot run in a transaction and stale transaction numbers', async () => {
    const db = t.db();
    await db.collection('c').insertOne({ a: 1 });
    const session = t.client.startSession();
    try {
      session.startTransaction();
      await db.collection('c').findOne({}, { session });
      await expect(db.command({ count: 'c' }, { session })).rejects.toMatchObject({ code: 263 });
      await session.abortTransaction().catch(() => undefined);
    } finally {
      await session.endSession();
    }
  });
});

describe('mongoose transactions', () => {
  it('commit with connection.transaction() and roll back when the callback throws', async () => {
    const conn = await mongoose.createConnection(t.server.uri, { dbName: t.db().databaseName }).asPromise();
    try {
      const Account = conn.model(
        'Account',
        new mongoose.Schema({ owner: { type: String, unique: true }, balance: Number }),
      );
      await Account.init();
      await Account.create([
        { owner: 'a', balance: 100 },
        { owner: 'b', balance: 0 },
      ]);
      await conn.transaction(async (session) => {
        await Account.updateOne({ owner: 'a' }, { $inc: { balance: -30 } }, { session });
        await Account.updateOne({ owner: 'b' }, { $inc: { balance: 30 } }, { session });
      });
      await expect(
        conn.transaction(async (session) => {
          await Account.updateOne({ owner: 'a' }, { $inc: { balance: -50 } }, { session });
          await Account.create([{ owner: 'b', balance: 1 }], { session });
        }),
      ).rejects.toMatchObject({ code: 11000 });
      const balances = await Account.find().sort({ owner: 1 }).lean();
      expect(balances.map((d) => [d.owner, d.balance])).toEqual([
        ['a', 70],
        ['b', 30],
      ]);
      const session = await conn.startSession();
      await session.withTransaction(async () => {
        await Account.updateOne({ owner: 'b' }, { $inc: { balance: 5 } }, { session });
      });
      await session.endSession();
      expect((await Account.findOne({ owner: 'b' }).lean())?.balance).toBe(35);
    } finally {
      await conn.close();
    }
  });
});
