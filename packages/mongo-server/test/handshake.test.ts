// Handshake and admin commands as the driver and tools see them.
import { describe, expect, it } from 'vitest';
import { MongoServerError } from 'mongodb';
import { clusterTimeFields, useServer } from './helpers/server';
import { RawClient, opMsg, opQuery } from './helpers/wire';

const t = useServer();

describe('handshake', () => {
  it('presents a single-member replica set primary', async () => {
    const hello = await t.client.db('admin').command({ hello: 1 });
    const me = new URL(t.server.uri).host;
    expect(hello).toMatchObject({
      ok: 1,
      isWritablePrimary: true,
      secondary: false,
      setName: 'novamart',
      hosts: [me],
      primary: me,
      me,
      logicalSessionTimeoutMinutes: 30,
      minWireVersion: 0,
      maxBsonObjectSize: 16 * 1024 * 1024,
      maxMessageSizeBytes: 48_000_000,
      maxWriteBatchSize: 100_000,
    });
    expect(hello.compression).toBeUndefined();
    expect(hello.localTime).toBeInstanceOf(Date);
  });

  it('claims a wire version that matches the version buildInfo reports', async () => {
    const admin = t.client.db('admin');
    const hello = await admin.command({ hello: 1 });
    const info = await admin.command({ buildInfo: 1 });
    expect(info.version).toMatch(/^8\.0\./);
    expect(info.versionArray.slice(0, 2)).toEqual([8, 0]);
    expect(hello.maxWireVersion).toBe(25); // MongoDB 8.0
  });

  it('answers the legacy isMaster handshake over OP_QUERY with OP_REPLY', async () => {
    const raw = await RawClient.open(t.server.port);
    try {
      raw.send(
        opQuery('admin.$cmd', { isMaster: 1, client: { driver: { name: 'legacy', version: '0' } } }, 7),
      );
      const reply = await raw.reply();
      expect(reply?.opCode).toBe(1);
      expect(reply?.responseTo).toBe(7);
      expect(reply?.doc).toMatchObject({ ok: 1, ismaster: true, setName: 'novamart' });
      // The same connection then speaks OP_MSG.
      raw.send(opMsg({ ping: 1, $db: 'admin' }, 8));
      const pong = await raw.reply();
      expect(pong).toMatchObject({ opCode: 2013, responseTo: 8, doc: { ok: 1 } });
    } finally {
      raw.close();
    }
  });

  it('applies unacknowledged (w: 0, moreToCome) writes without replying', async () => {
    const coll = t.db().collection('fireandforget');
    await coll.insertOne({ _id: 1 } as never, { writeConcern: { w: 0 } });
    // Nothing acknowledges a w: 0 write; wait until it is visible.
    for (let i = 0; i < 100 && (await coll.countDocuments()) === 0; i++)
      await new Promise((r) => setTimeout(r, 10));
    const raw = await RawClient.open(t.server.port);
    try {
      raw.send(opMsg({ insert: 'fireandforget', documents: [{ _id: 2 }], $db: coll.dbName }, 61, 1 << 1));
      raw.send(opMsg({ find: 'fireandforget', filter: {}, sort: { _id: 1 }, $db: coll.dbName }, 62));
      const reply = await raw.reply();
      // The only reply is the find's: the flagged insert was applied silently, in order.
      expect(reply?.responseTo).toBe(62);
      expect(reply?.doc.cursor.firstBatch).toEqual([{ _id: 1 }, { _id: 2 }]);
    } finally {
      raw.close();
    }
  });

  it('connects with the URI it reports, through mongoose-style dbName selection', async () => {
    expect(t.server.uri).toMatch(/^mongodb:\/\/127\.0\.0\.1:\d+\/\?replicaSet=novamart$/);
    expect(await t.client.db('anything').command({ ping: 1 })).toEqual({ ok: 1, ...clusterTimeFields() });
  });
});

describe('admin commands', () => {
  it('serverStatus, connectionStatus, getParameter, hostInfo', async () => {
    const admin = t.client.db('admin');
    const status = await admin.command({ serverStatus: 1 });
    expect(status).toMatchObject({ ok: 1, process: 'mongod' });
    expect(status.connections.current).toBeGreaterThan(0);
    expect(typeof status.uptime).toBe('number');
    expect(await admin.command({ connectionStatus: 1 })).toMatchObject({
      ok: 1,
      authInfo: { authenticatedUsers: [] },
    });
    const fcv = await admin.command({ getParameter: 1, featureCompatibilityVersion: 1 });
    expect(fcv.featureCompatibilityVersion).toEqual({ version: '8.0' });
  });

  it('listDatabases reflects databases with data and honours nameOnly', async () => {
    const db = t.db();
    await db.collection('c').insertOne({ a: 1 });
    const { databases } = await t.client.db('admin').command({ listDatabases: 1 });
    expect(databases).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: db.databaseName, empty: false })]),
    );
    const names = await t.client.db('admin').command({ listDatabases: 1, nameOnly: true });
    expect(names.databases).toEqual(expect.arrayContaining([{ name: db.databaseName }]));
  });

  it('endSessions and killSessions end server sessions and their transactions', async () => {
    const db = t.db();
    const coll = db.collection('s');
    await coll.insertOne({ _id: 1, v: 0 } as never);
    const session = t.client.startSession();
    session.startTransaction();
    await coll.updateOne({ _id: 1 } as never, { $set: { v: 1 } }, { session });
    await t.client.db('admin').command({ killSessions: [session.id] });
    await expect(session.commitTransaction()).rejects.toMatchObject({ code: 251 });
    await session.endSession();
    expect(await coll.findOne({ _id: 1 } as never)).toEqual({ _id: 1, v: 0 });
    expect(await t.client.db('admin').command({ endSessions: [{ id: session.id?.id }] })).toEqual({
      ok: 1,
      ...clusterTimeFields(),
    });
  });

  it('answers an unknown command with CommandNotFound (59)', async () => {
    const err = await t.client
      .db('admin')
      .command({ frobnicate: 1 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MongoServerError);
    expect(err).toMatchObject({
      code: 59,
      codeName: 'CommandNotFound',
      errmsg: "no such command: 'frobnicate'",
    });
  });
});
