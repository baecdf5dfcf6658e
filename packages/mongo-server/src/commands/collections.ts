// Catalog commands: create, drop, listCollections, renameCollection, dropDatabase, listDatabases.
import { calculateObjectSize } from 'bson';
import { newQuery } from '../query/mingo-context';
import { isPlainObject, type Doc } from '../bson/values';
import { ErrorCodes, fail } from '../errors';
import { splitNs } from '../storage/engine';
import type { CommandContext, CommandTable } from './context';
import { cursorReply } from './read';
import { isView } from './sources';
import { collectionName, optionalDoc } from './util';

function create(ctx: CommandContext): Doc {
  const name = collectionName(ctx, 'create');
  const options: Doc = {};
  for (const [k, v] of Object.entries(ctx.cmd)) {
    if (
      k === 'create' ||
      k.startsWith('$') ||
      [
        'lsid',
        'txnNumber',
        'autocommit',
        'startTransaction',
        'writeConcern',
        'comment',
        'apiVersion',
        'apiStrict',
        'apiDeprecationErrors',
      ].includes(k)
    )
      continue;
    options[k] = v;
  }
  const existing = ctx.state.engine.getCollection(ctx.db, name);
  if (existing) {
    // mongod accepts re-creating a collection with identical options.
    if (JSON.stringify(existing.options) === JSON.stringify(options)) return {};
    fail(ErrorCodes.NamespaceExists, `Collection ${ctx.db}.${name} already exists.`);
  }
  // Inside a transaction the collection is the transaction's until it commits; an abort removes it.
  ctx.state.engine.createCollection(ctx.db, name, options, undefined, ctx.txn);
  return {};
}

function drop(ctx: CommandContext): Doc {
  const name = collectionName(ctx, 'drop');
  const coll = ctx.state.engine.getCollection(ctx.db, name);
  if (!coll) return {};
  const nIndexesWas = coll.indexes.size;
  ctx.state.engine.dropCollection(ctx.db, name);
  return { nIndexesWas, ns: coll.ns };
}

function collectionInfo(ctx: CommandContext, nameOnly: boolean): Doc[] {
  return ctx.state.engine.listCollections(ctx.db).map((c) =>
    nameOnly
      ? { name: c.name, type: isView(c) ? 'view' : 'collection' }
      : {
          name: c.name,
          type: 'collection',
          options: c.options,
          info: { readOnly: false, uuid: c.uuid },
          idIndex: { v: 2, key: { _id: 1 }, name: '_id_' },
        },
  );
}

function listCollections(ctx: CommandContext): Doc {
  const filter = optionalDoc(ctx.cmd, 'filter');
  const nameOnly = ctx.cmd.nameOnly === true;
  let infos = collectionInfo(ctx, nameOnly && !filter);
  if (filter && Object.keys(filter).length > 0) {
    const q = newQuery(filter);
    infos = infos.filter((i) => q.test(i));
    if (nameOnly) infos = infos.map((i) => ({ name: i.name, type: i.type }));
  }
  const cursor = optionalDoc(ctx.cmd, 'cursor');
  const batchSize = cursor && typeof cursor.batchSize === 'number' ? cursor.batchSize : undefined;
  const ns = `${ctx.db}.$cmd.listCollections`;
  const { batch, id } = ctx.state.cursors.open(ns, infos, batchSize, false, ctx.session?.key);
  return cursorReply(ns, batch, id, true);
}

function renameCollection(ctx: CommandContext): Doc {
  if (ctx.db !== 'admin')
    fail(ErrorCodes.Unauthorized, 'renameCollection may only be run against the admin database.');
  const from = ctx.cmd.renameCollection;
  const to = ctx.cmd.to;
  if (typeof from !== 'string' || typeof to !== 'string')
    fail(ErrorCodes.TypeMismatch, "'renameCollection' and 'to' must be namespace strings");
  const [fromDb, fromName] = splitNs(from);
  const [toDb, toName] = splitNs(to);
  if (from === to) fail(ErrorCodes.IllegalOperation, "Can't rename a collection to itself");
  ctx.state.engine.renameCollection(fromDb, fromName, toDb, toName, ctx.cmd.dropTarget === true);
  return {};
}

function dropDatabase(ctx: CommandContext): Doc {
  ctx.state.engine.dropDatabase(ctx.db);
  return {};
}

function listDatabases(ctx: CommandContext): Doc {
  if (ctx.db !== 'admin')
    fail(ErrorCodes.Unauthorized, 'listDatabases may only be run against the admin database.');
  const engine = ctx.state.engine;
  let dbs = [...engine.databases.entries()].map(([name, colls]) => {
    let size = 0;
    for (const c of colls.values())
      for (const v of c.records.values()) if (v.doc) size += calculateObjectSize(v.doc);
    return { name, sizeOnDisk: size, empty: size === 0 };
  });
  const filter = optionalDoc(ctx.cmd, 'filter');
  if (filter && Object.keys(filter).length > 0) {
    const q = newQuery(filter);
    dbs = dbs.filter((d) => q.test(d));
  }
  if (ctx.cmd.nameOnly === true) return { databases: dbs.map((d) => ({ name: d.name })) };
  return { databases: dbs, totalSize: dbs.reduce((s, d) => s + d.sizeOnDisk, 0), totalSizeMb: 0 };
}

function collStats(ctx: CommandContext, field: string): Doc {
  const name = collectionName(ctx, field);
  const coll = ctx.state.engine.getCollection(ctx.db, name);
  if (!coll) return { ns: `${ctx.db}.${name}`, count: 0, size: 0, nindexes: 0 };
  let size = 0;
  for (const v of coll.records.values()) if (v.doc) size += calculateObjectSize(v.doc);
  const indexSizes: Doc = {};
  for (const i of coll.indexes.values()) indexSizes[i.name] = i.keyCount * 16;
  return {
    ns: coll.ns,
    count: coll.liveCount,
    size,
    avgObjSize: coll.liveCount ? Math.round(size / coll.liveCount) : 0,
    storageSize: size,
    nindexes: coll.indexes.size,
    indexSizes,
    totalIndexSize: Object.values(indexSizes).reduce((a: number, b) => a + (b as number), 0),
  };
}

function dbStats(ctx: CommandContext): Doc {
  const colls = ctx.state.engine.listCollections(ctx.db);
  let objects = 0;
  let dataSize = 0;
  let indexes = 0;
  for (const c of colls) {
    objects += c.liveCount;
    indexes += c.indexes.size;
    for (const v of c.records.values()) if (v.doc) dataSize += calculateObjectSize(v.doc);
  }
  return {
    db: ctx.db,
    collections: colls.length,
    views: 0,
    objects,
    avgObjSize: objects ? dataSize / objects : 0,
    dataSize,
    storageSize: dataSize,
    indexes,
    indexSize: 0,
  };
}

function collMod(ctx: CommandContext): Doc {
  const name = collectionName(ctx, 'collMod');
  const coll = ctx.state.engine.getCollection(ctx.db, name);
  if (!coll) fail(ErrorCodes.NamespaceNotFound, `ns does not exist: ${ctx.db}.${name}`);
  const index = ctx.cmd.index;
  if (isPlainObject(index)) {
    const target = [...coll.indexes.values()].find(
      (i) =>
        i.name === index.name ||
        (isPlainObject(index.keyPattern) && JSON.stringify(i.spec.key) === JSON.stringify(index.keyPattern)),
    );
    if (!target)
      fail(
        ErrorCodes.IndexNotFound,
        `cannot find index ${JSON.stringify(index.name ?? index.keyPattern)} for ns ${coll.ns}`,
      );
    const old = target.spec.expireAfterSeconds;
    if (typeof index.expireAfterSeconds === 'number') {
      target.spec.expireAfterSeconds = index.expireAfterSeconds;
      ctx.state.engine.dropIndex(coll, target.name);
      ctx.state.engine.createIndex(coll, target.spec);
      return { expireAfterSeconds_old: old, expireAfterSeconds_new: index.expireAfterSeconds };
    }
    return {};
  }
  const options = { ...coll.options };
  for (const k of ['validator', 'validationLevel', 'validationAction', 'viewOn', 'pipeline'])
    if (ctx.cmd[k] !== undefined) options[k] = ctx.cmd[k];
  ctx.state.engine.setCollectionOptions(coll, options);
  return {};
}

export const collectionCommands: CommandTable = {
  create: { run: create, writes: true, inTransaction: true },
  drop: { run: drop, writes: true },
  listcollections: { run: listCollections },
  renamecollection: { run: renameCollection, writes: true },
  dropdatabase: { run: dropDatabase, writes: true },
  listdatabases: { run: listDatabases },
  collstats: { run: (ctx) => collStats(ctx, 'collStats') },
  dbstats: { run: dbStats },
  collmod: { run: collMod, writes: true },
};
