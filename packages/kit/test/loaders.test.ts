import { Schema, Types, type Connection, type Model } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoaderRegistry, commandStats, connectMongo, loadByIds, runWithRequestId } from '../src/index';
import { startEmbeddedMongoForTests, uniqueDbName, type TestMongo } from '../src/testing/index';

interface Item {
  _id: Types.ObjectId;
  sku: string;
  name: string;
}

describe('loaders', () => {
  let server: TestMongo;
  let conn: Connection;
  let ids: Types.ObjectId[];
  const Item = (): Model<Item> =>
    (conn.models.Item as Model<Item> | undefined) ??
    conn.model<Item>('Item', new Schema<Item>({ sku: { type: String, unique: true }, name: String }));

  beforeAll(async () => {
    server = await startEmbeddedMongoForTests();
    conn = await connectMongo({ url: server.uri, dbName: uniqueDbName('kit_loaders') });
    const docs = await Item().create([
      { sku: 'A', name: 'alpha' },
      { sku: 'B', name: 'beta' },
      { sku: 'C', name: 'gamma' },
    ]);
    ids = docs.map((d) => d._id);
  });
  afterAll(async () => {
    await conn?.close();
    await server?.stop();
  });

  it('loads by id in input order, null for missing or malformed ids, in one command', async () => {
    const missing = new Types.ObjectId();
    const result = await runWithRequestId('loaders-1', () =>
      loadByIds<Item>(Item(), [ids[2]!.toString(), 'not-an-object-id', ids[0]!, missing, ids[2]!.toString()]),
    );
    expect(result.map((r) => r?.name ?? null)).toEqual(['gamma', null, 'alpha', null, 'gamma']);
    expect(commandStats.forRequest('loaders-1')).toMatchObject({ total: 1, byCommand: { find: 1 } });
  });

  it('loads by another key and can hydrate documents', async () => {
    const lean = await loadByIds<Item>(Item(), ['B', 'Z'], 'sku');
    expect(lean.map((r) => r?.name ?? null)).toEqual(['beta', null]);
    expect(lean[0]).not.toHaveProperty('$isNew');
    const docs = await loadByIds<Item>(Item(), ['A'], 'sku', { lean: false });
    expect(docs[0]).toHaveProperty('id', ids[0]!.toString());
  });

  it('makes no query when every id is malformed', async () => {
    const result = await runWithRequestId('loaders-2', () => loadByIds<Item>(Item(), ['x', 'y']));
    expect(result).toEqual([null, null]);
    expect(commandStats.forRequest('loaders-2').total).toBe(0);
  });

  it('keeps one DataLoader per name, batching loads of one tick', async () => {
    const registry = new LoaderRegistry();
    const batches: string[][] = [];
    const get = () =>
      registry.get<string, string>(
        'upper',
        async (keys) => (batches.push([...keys]), keys.map((k) => k.toUpperCase())),
      );
    expect(get()).toBe(get());
    expect(await Promise.all([get().load('a'), get().load('b'), get().load('a')])).toEqual(['A', 'B', 'A']);
    expect(batches).toEqual([['a', 'b']]);
    expect(new LoaderRegistry().get('upper', async (keys: readonly string[]) => keys)).not.toBe(get());
  });
});
