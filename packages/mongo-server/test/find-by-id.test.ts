// find by _id alone (what findOne and mongoose's findById send) is answered by a direct record
// lookup; it must answer exactly as the general find path (and mongod) does.
import { Long, MongoClient, ObjectId, type Document } from 'mongodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { useServer } from './helpers/server';

const t = useServer();
let dbName: string;
const oid = new ObjectId();
const when = new Date(Date.UTC(2026, 0, 1));

beforeAll(async () => {
  const db = t.db();
  dbName = db.databaseName;
  await db.collection('items').insertMany([
    { _id: oid, kind: 'objectId' },
    { _id: 'sku-1', kind: 'string' },
    { _id: 7, kind: 'int' },
    { _id: Long.fromNumber(8), kind: 'long' },
    { _id: when, kind: 'date' },
    { _id: true, kind: 'boolean' },
    { _id: { a: 1, b: 2 }, kind: 'document' },
  ] as never[]);
  await db.createCollection('itemView', { viewOn: 'items', pipeline: [{ $match: { kind: 'string' } }] });
});

/** The reply's cursor for `filter`, by the direct lookup and by the general path (`skip: 0` takes it). */
async function bothWays(filter: Document, options: Document = {}, collection = 'items') {
  const db = t.client.db(dbName);
  const command = { find: collection, filter, limit: 1, singleBatch: true, ...options };
  const direct = await db.command(command);
  const general = await db.command({ ...command, skip: 0 });
  return { direct: direct.cursor as Document, general: general.cursor as Document };
}

describe('find by _id', () => {
  it('answers with the one document, cursor id 0 and the namespace, as the general path does', async () => {
    for (const id of [oid, 'sku-1', 7, 8, 8.0, when, true, { a: 1, b: 2 }]) {
      const { direct, general } = await bothWays({ _id: id });
      expect(direct).toEqual(general);
      expect(direct.firstBatch).toHaveLength(1);
      expect(direct.id).toBe(0);
      expect(direct.ns).toBe(`${dbName}.items`);
    }
  });

  it('answers an empty first batch for a missing _id or a missing collection', async () => {
    for (const [filter, collection] of [
      [{ _id: new ObjectId() }, 'items'],
      [{ _id: 'sku-2' }, 'items'],
      [{ _id: { b: 2, a: 1 } }, 'items'],
      [{ _id: oid }, 'nothingHere'],
    ] as const) {
      const { direct, general } = await bothWays(filter, {}, collection);
      expect(direct).toEqual(general);
      expect(direct).toMatchObject({ firstBatch: [], id: 0 });
    }
  });

  it('reads through views and keeps batchSize 0 an open cursor, as the general path does', async () => {
    const db = t.client.db(dbName);
    const viaView = await bothWays({ _id: 'sku-1' }, {}, 'itemView');
    expect(viaView.direct).toEqual(viaView.general);
    expect(viaView.direct.firstBatch).toEqual([{ _id: 'sku-1', kind: 'string' }]);
    expect((await bothWays({ _id: oid }, {}, 'itemView')).direct.firstBatch).toEqual([]);

    const deferred = await db.command({ find: 'items', filter: { _id: 7 }, batchSize: 0 });
    expect(deferred.cursor.firstBatch).toEqual([]);
    expect(deferred.cursor.id).not.toBe(0);
    const more = await db.command({ getMore: deferred.cursor.id, collection: 'items' });
    expect(more.cursor).toMatchObject({ nextBatch: [{ _id: 7, kind: 'int' }], id: 0 });
  });

  it('is what findOne sends, and the driver needs no killCursors after it', async () => {
    const sent: string[] = [];
    const monitored = new MongoClient(t.server.uri, { monitorCommands: true });
    monitored.on('commandStarted', (event) => sent.push(event.commandName));
    try {
      const items = monitored.db(dbName).collection('items');
      expect(await items.findOne({ _id: oid })).toEqual({ _id: oid, kind: 'objectId' });
      expect(await items.findOne({ _id: 'nope' } as never)).toBeNull();
    } finally {
      await monitored.close();
    }
    expect(sent.filter((name) => name === 'find' || name === 'killCursors')).toEqual(['find', 'find']);
  });

  it("sees a transaction's own writes and not another's uncommitted ones", async () => {
    const coll = t.client.db(dbName).collection('items');
    const session = t.client.startSession();
    try {
      session.startTransaction();
      await coll.insertOne({ _id: 'in-txn', kind: 'string' } as never, { session });
      await coll.deleteOne({ _id: 7 } as never, { session });
      expect(await coll.findOne({ _id: 'in-txn' } as never, { session })).toEqual({
        _id: 'in-txn',
        kind: 'string',
      });
      expect(await coll.findOne({ _id: 7 } as never, { session })).toBeNull();
      expect(await coll.findOne({ _id: 'in-txn' } as never)).toBeNull();
      expect(await coll.findOne({ _id: 7 } as never)).toEqual({ _id: 7, kind: 'int' });
      await session.abortTransaction();
    } finally {
      await session.endSession();
    }
  });
});
