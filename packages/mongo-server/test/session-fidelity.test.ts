// Sessions as the real driver and mongoose use them against a replica-set member: causally consistent
// reads (operationTime, $clusterTime, readConcern.afterClusterTime), an explicit `create` rolled back with
// its transaction, and writeConcern inside transactions answered with mongod's codes and labels.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Timestamp } from 'bson';
import {
  MongoClient,
  MongoServerError,
  MongoWriteConcernError,
  type CommandStartedEvent,
  type CommandSucceededEvent,
  type Document,
} from 'mongodb';
import mongoose, { Schema } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedMongo, type EmbeddedMongo } from '../src/index';
import { RawClient, opMsg } from './helpers/wire';

/** What a fault test injected and verified, printed with the test output. */
const report = (line: string): boolean => process.stdout.write(`[session] ${line}\n`);

let server: EmbeddedMongo;
let client: MongoClient;
const started: CommandStartedEvent[] = [];
const succeeded: CommandSucceededEvent[] = [];
let dbCounter = 0;
const dbName = (): string => `session_${process.pid}_${++dbCounter}`;

beforeAll(async () => {
  server = await startEmbeddedMongo({ port: 0, inMemory: true });
  client = new MongoClient(server.uri, { monitorCommands: true });
  client.on('commandStarted', (e) => started.push(e));
  client.on('commandSucceeded', (e) => succeeded.push(e));
  await client.connect();
});

afterAll(async () => {
  await client?.close();
  await server?.stop();
});

const ts = (x: Timestamp): string => `Timestamp(${x.t}, ${x.i})`;
const isTimestamp = (v: unknown): v is Timestamp => (v as { _bsontype?: string })?._bsontype === 'Timestamp';

describe('causally consistent sessions', () => {
  it('gets operationTime and $clusterTime on replies, and sends afterClusterTime that the server honours', async () => {
    const db = client.db(dbName());
    const session = client.startSession({ causalConsistency: true });
    try {
      started.length = 0;
      succeeded.length = 0;
      await db.collection('c').insertOne({ _id: 1, v: 'written' } as never, { session });
      const insertReply = succeeded.find((e) => e.commandName === 'insert')?.reply as Document;
      expect(isTimestamp(insertReply.operationTime)).toBe(true);
      expect(isTimestamp(insertReply.$clusterTime?.clusterTime)).toBe(true);
      expect(session.operationTime?.equals(insertReply.operationTime)).toBe(true);

      const found = await db.collection('c').findOne({ _id: 1 } as never, { session });
      expect(found).toEqual({ _id: 1, v: 'written' });
      const find = started.find((e) => e.commandName === 'find')?.command as Document;
      expect(isTimestamp(find.readConcern?.afterClusterTime)).toBe(true);
      expect(find.readConcern.afterClusterTime.equals(insertReply.operationTime)).toBe(true);
      // The driver gossips the cluster time back.
      expect(isTimestamp(find.$clusterTime?.clusterTime)).toBe(true);
      report(
        `insert operationTime ${ts(insertReply.operationTime)}; next find sent readConcern.afterClusterTime ${ts(find.readConcern.afterClusterTime)} and read its write`,
      );

      // Every later write gets a later operationTime.
      await db.collection('c').updateOne({ _id: 1 } as never, { $set: { v: 'again' } }, { session });
      const updateReply = succeeded.filter((e) => e.commandName === 'update').at(-1)?.reply as Document;
      expect(updateReply.operationTime.greaterThan(insertReply.operationTime)).toBe(true);
    } finally {
      await session.endSession();
    }
  });

  it('refuses an afterClusterTime it has not reached, and one of the wrong type, as mongod does', async () => {
    const db = client.db(dbName());
    await db.collection('c').insertOne({ x: 1 });
    const future = new Timestamp({ t: Math.floor(Date.now() / 1000) + 3600, i: 1 });
    const err = await db
      .command({ find: 'c', readConcern: { afterClusterTime: future } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MongoServerError);
    expect(err).toMatchObject({ code: 72, codeName: 'InvalidOptions' });
    expect((err as Error).message).toMatch(/must not be greater than the current clusterTime/);
    await expect(db.command({ find: 'c', readConcern: { afterClusterTime: 5 } })).rejects.toMatchObject({
      code: 14,
      codeName: 'TypeMismatch',
    });
    report(
      `afterClusterTime in the future -> ${(err as MongoServerError).codeName}; wrong type -> TypeMismatch`,
    );
  });

  it('advances its clock to a gossiped $clusterTime, so a session from before a restart keeps reading', async () => {
    // A client that talked to this server before a restart holds a cluster time the new process has not
    // reached; it gossips it with every command, and its afterClusterTime is then accepted.
    const ahead = new Timestamp({ t: Math.floor(Date.now() / 1000) + 60, i: 7 });
    const raw = await RawClient.open(server.port);
    try {
      raw.send(
        opMsg({
          find: 'c',
          filter: {},
          readConcern: { afterClusterTime: ahead },
          $clusterTime: { clusterTime: ahead, signature: { hash: Buffer.alloc(20), keyId: 0 } },
          $db: dbName(),
        }),
      );
      const reply = (await raw.reply())?.doc as Document;
      expect(reply.ok).toBe(1);
      expect(reply.operationTime.greaterThanOrEqual(ahead)).toBe(true);
      expect(reply.$clusterTime.clusterTime.greaterThanOrEqual(ahead)).toBe(true);
      report(
        `gossiped ${ts(ahead)}, read with afterClusterTime at it: ok, operationTime ${ts(reply.operationTime)}`,
      );
    } finally {
      raw.close();
    }
  });

  it('works through mongoose: a causally consistent session reads after its own write', async () => {
    const conn = await mongoose
      .createConnection(server.uri, { dbName: dbName(), monitorCommands: true })
      .asPromise();
    try {
      const seen: Document[] = [];
      conn.getClient().on('commandStarted', (e: CommandStartedEvent) => seen.push(e.command));
      const Order = conn.model('Order', new Schema({ ref: String, status: String }));
      const session = await conn.startSession({ causalConsistency: true });
      try {
        await Order.create([{ ref: 'o-1', status: 'PAID' }], { session });
        const order = await Order.findOne({ ref: 'o-1' }).session(session).lean();
        expect(order?.status).toBe('PAID');
        const find = seen.find((c) => c.find === 'orders');
        expect(isTimestamp(find?.readConcern?.afterClusterTime)).toBe(true);
        expect(find?.readConcern.afterClusterTime.equals(session.operationTime)).toBe(true);
        report(`mongoose find sent afterClusterTime ${ts(find?.readConcern.afterClusterTime)}`);
      } finally {
        await session.endSession();
      }
    } finally {
      await conn.close();
    }
  });
});

describe('create inside a transaction', () => {
  it('is rolled back when the transaction aborts, and kept when it commits (also across a restart)', async () => {
    const dbPath = mkdtempSync(join(tmpdir(), 'novamart-mongo-txn-create-'));
    try {
      const persistent = await startEmbeddedMongo({ port: 0, dbPath });
      const c = new MongoClient(persistent.uri);
      const db = c.db('shop');
      const names = async (): Promise<string[]> =>
        (await db.listCollections({}, { nameOnly: true }).toArray()).map((x) => x.name).sort();
      try {
        await db.collection('existing').insertOne({ a: 1 });
        const session = c.startSession();
        session.startTransaction();
        await db.createCollection('rolledBack', { session, validator: { qty: { $gte: 0 } } });
        await db.collection('rolledBack').createIndex({ qty: 1 }, { session });
        await db.collection('rolledBack').insertOne({ qty: 1 }, { session });
        await db.collection('implicit').insertOne({ b: 1 }, { session });
        await session.abortTransaction();
        expect(await names()).toEqual(['existing']);
        report('injected: create + createIndex + insert + implicit create in a transaction, then abort');

        await session.withTransaction(async () => {
          await db.createCollection('kept', { session, validator: { qty: { $gte: 0 } } });
          await db.collection('kept').insertOne({ qty: 2 }, { session });
        });
        await session.endSession();
        expect(await names()).toEqual(['existing', 'kept']);
      } finally {
        await c.close();
        await persistent.stop();
      }
      const again = await startEmbeddedMongo({ port: 0, dbPath });
      const c2 = new MongoClient(again.uri);
      try {
        const db2 = c2.db('shop');
        expect(
          (await db2.listCollections({}, { nameOnly: true }).toArray()).map((x) => x.name).sort(),
        ).toEqual(['existing', 'kept']);
        // The committed create kept its options through the journal.
        await expect(db2.collection('kept').insertOne({ qty: -1 })).rejects.toMatchObject({ code: 121 });
        expect(await db2.collection('kept').countDocuments()).toBe(1);
        report(
          'verified: aborted collections gone (also after restart); committed one kept with its validator',
        );
      } finally {
        await c2.close();
        await again.stop();
      }
    } finally {
      rmSync(dbPath, { recursive: true, force: true });
    }
  });

  it('is rolled back through mongoose when the transaction callback throws', async () => {
    const conn = await mongoose.createConnection(server.uri, { dbName: dbName() }).asPromise();
    try {
      const session = await conn.startSession();
      await expect(
        session.withTransaction(async () => {
          await conn.createCollection('audit', { session });
          throw new Error('business rule failed');
        }),
      ).rejects.toThrow('business rule failed');
      await session.endSession();
      const names = (await conn.db!.listCollections().toArray()).map((c) => c.name);
      expect(names).not.toContain('audit');
      report(`mongoose: collections after the aborted transaction: ${JSON.stringify(names)}`);
    } finally {
      await conn.close();
    }
  });
});

describe('writeConcern inside a transaction', () => {
  it('answers an unsatisfiable commit writeConcern with UnsatisfiableWriteConcern, which withTransaction surfaces', async () => {
    const db = client.db(dbName());
    await db.createCollection('c');
    const session = client.startSession();
    try {
      started.length = 0;
      const err = await session
        .withTransaction(async () => db.collection('c').insertOne({ _id: 1 } as never, { session }), {
          writeConcern: { w: 5 },
        })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MongoWriteConcernError);
      const wce = err as MongoWriteConcernError;
      expect(wce.code).toBe(100);
      expect(wce.codeName).toBe('UnsatisfiableWriteConcern');
      expect(wce.hasErrorLabel('UnknownTransactionCommitResult')).toBe(false);
      expect(wce.hasErrorLabel('TransientTransactionError')).toBe(false);
      // The driver did not retry the commit: mongod's code tells it the result is known.
      expect(started.filter((e) => e.commandName === 'commitTransaction')).toHaveLength(1);
      // As on mongod, the transaction is committed locally; only the acknowledgement failed.
      expect(await db.collection('c').countDocuments()).toBe(1);
      report(
        `commit with w:5 -> ${wce.name} code ${wce.code} ${wce.codeName} "${wce.message}", labels ${JSON.stringify(wce.errorLabels)}`,
      );
    } finally {
      await session.endSession();
    }
  });

  it('refuses a writeConcern on a statement inside a transaction with InvalidOptions and keeps the transaction', async () => {
    const db = client.db(dbName());
    await db.createCollection('c');
    const session = client.startSession();
    try {
      session.startTransaction();
      await db.collection('c').insertOne({ _id: 1 } as never, { session });
      const err = await db
        .command({ insert: 'c', documents: [{ _id: 2 }], writeConcern: { w: 1 } }, { session })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MongoServerError);
      expect(err).toMatchObject({ code: 72, codeName: 'InvalidOptions' });
      expect((err as Error).message).toBe('Cannot set write concern after starting a transaction.');
      const rc = await db
        .command({ find: 'c', readConcern: { level: 'local' } }, { session })
        .catch((e: unknown) => e);
      expect(rc).toMatchObject({ code: 72, codeName: 'InvalidOptions' });
      await session.commitTransaction();
      expect(await db.collection('c').find().toArray()).toEqual([{ _id: 1 }]);
      report(
        `statement with writeConcern in a transaction -> ${(err as MongoServerError).codeName}: "${(err as Error).message}"; transaction still committed`,
      );
    } finally {
      await session.endSession();
    }
  });

  it('through mongoose: conn.transaction with an unsatisfiable writeConcern rejects with the driver error', async () => {
    const conn = await mongoose.createConnection(server.uri, { dbName: dbName() }).asPromise();
    try {
      const Payment = conn.model('Payment', new Schema({ ref: String }));
      await Payment.createCollection();
      const err = await conn
        .transaction(
          async (session) => {
            await Payment.create([{ ref: 'p-1' }], { session });
          },
          { writeConcern: { w: 5 } },
        )
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MongoWriteConcernError);
      expect(err).toMatchObject({ code: 100, codeName: 'UnsatisfiableWriteConcern' });
      report(
        `mongoose transaction with w:5 -> ${(err as Error).name} ${(err as MongoWriteConcernError).codeName}`,
      );
    } finally {
      await conn.close();
    }
  });

  it('reports an unknown tag or too many members outside transactions as a writeConcernError, write applied', async () => {
    const db = client.db(dbName());
    await expect(
      db.collection('c').insertOne({ _id: 1 } as never, { writeConcern: { w: 3 } }),
    ).rejects.toMatchObject({
      code: 100,
      codeName: 'UnsatisfiableWriteConcern',
    });
    // A tag name (the driver's types only know 'majority').
    await expect(
      db.collection('c').insertOne({ _id: 2 } as never, { writeConcern: { w: 'eastCoast' as 'majority' } }),
    ).rejects.toMatchObject({ code: 79, codeName: 'UnknownReplWriteConcern' });
    expect(await db.collection('c').countDocuments()).toBe(2);
    await expect(
      db.collection('c').insertOne({ _id: 3 } as never, { writeConcern: { w: 'majority' } }),
    ).resolves.toBeTruthy();
    await expect(
      db.command({ insert: 'c', documents: [{ _id: 4 }], writeConcern: { w: -1 } }),
    ).rejects.toMatchObject({
      code: 9,
      codeName: 'FailedToParse',
    });
  });
});
