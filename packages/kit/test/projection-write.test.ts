import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Schema, type Connection, type Model } from 'mongoose';
import { connectMongo, upsertIfNewer, upsertIfNewerReturning } from '../src/index';
import { startEmbeddedMongoForTests, uniqueDbName, type TestMongo } from '../src/testing';

interface Row {
  _id: string;
  value?: number;
  at?: Date;
  revision?: number;
}

describe('upsertIfNewer: a projection row written in one command, newest stamp wins', () => {
  let mongo: TestMongo;
  let conn: Connection;
  let Rows: Model<Row>;
  let commands = 0;

  beforeAll(async () => {
    mongo = await startEmbeddedMongoForTests();
    conn = await connectMongo({ url: mongo.uri, dbName: uniqueDbName('projection_write') });
    conn.getClient().on('commandStarted', () => commands++);
    Rows = conn.model<Row>(
      'Row',
      new Schema<Row>({ _id: String, value: Number, at: Date, revision: Number }, { versionKey: false }),
    );
  });
  afterAll(async () => {
    await conn?.close();
    await mongo?.stop();
  });

  const at = (seconds: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, seconds));
  const byTime = (seconds: number) => ({ field: 'at', value: at(seconds), sameApplies: true });
  const read = (id: string) => Rows.findById(id).lean();

  it('inserts a missing row, takes a newer stamp and refuses an older one: one command per applied write', async () => {
    commands = 0;
    expect(await upsertIfNewer(Rows, 'a', byTime(10), { $set: { value: 1, at: at(10) } })).toBe(true);
    expect(await upsertIfNewer(Rows, 'a', byTime(20), { $set: { value: 2, at: at(20) } })).toBe(true);
    expect(await upsertIfNewer(Rows, 'a', byTime(15), { $set: { value: 3, at: at(15) } })).toBe(false);
    // An applied write is one command; a refused one two (the collision is checked once more against
    // the row that now certainly exists).
    expect(commands).toBe(4);
    expect(await read('a')).toMatchObject({ value: 2, at: at(20) });
  });

  it('applies the same stamp again when told so, and treats it as a repeat otherwise', async () => {
    expect(await upsertIfNewer(Rows, 'b', byTime(5), { $set: { value: 1, at: at(5) } })).toBe(true);
    expect(await upsertIfNewer(Rows, 'b', byTime(5), { $set: { value: 1, at: at(5) } })).toBe(true);
    const byRevision = (revision: number) => ({ field: 'revision', value: revision, sameApplies: false });
    expect(await upsertIfNewer(Rows, 'c', byRevision(1), { $set: { revision: 1, value: 1 } })).toBe(true);
    expect(await upsertIfNewer(Rows, 'c', byRevision(1), { $set: { revision: 1, value: 9 } })).toBe(false);
    expect(await upsertIfNewer(Rows, 'c', byRevision(2), { $set: { revision: 2, value: 2 } })).toBe(true);
    expect(await read('c')).toMatchObject({ revision: 2, value: 2 });
  });

  it('writes a row whose other facts exist but whose stamp does not yet', async () => {
    await Rows.create({ _id: 'd', revision: 7 });
    expect(await upsertIfNewer(Rows, 'd', byTime(1), { $set: { value: 4, at: at(1) } })).toBe(true);
    expect(await read('d')).toMatchObject({ revision: 7, value: 4 });
  });

  it('answers the row as written in the same one command, or null when it holds a newer stamp', async () => {
    await Rows.create({ _id: 'f', revision: 3 });
    commands = 0;
    const written = await upsertIfNewerReturning(Rows, 'f', byTime(10), { $set: { value: 1, at: at(10) } });
    expect(commands).toBe(1);
    expect(written).toMatchObject({ _id: 'f', revision: 3, value: 1, at: at(10) });
    expect(await upsertIfNewerReturning(Rows, 'f', byTime(5), { $set: { value: 2, at: at(5) } })).toBeNull();
    expect(await read('f')).toMatchObject({ value: 1, at: at(10) });
  });

  it('keeps the newest of concurrent writes whatever order they land in', async () => {
    const writes = [3, 9, 1, 7, 5].map((s) =>
      upsertIfNewer(Rows, 'e', byTime(s), { $set: { value: s, at: at(s) } }),
    );
    await Promise.all(writes);
    expect(await read('e')).toMatchObject({ value: 9, at: at(9) });
  });
});
