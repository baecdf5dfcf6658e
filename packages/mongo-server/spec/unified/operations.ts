// Entity operations: each unified-format operation mapped onto the Node.js driver's API, with
// its result turned into the document the format expects.
import {
  type AbstractCursor,
  type AnyBulkWriteOperation,
  type BulkWriteResult,
  type ClientSession,
  type Collection,
  type Db,
  type MongoClient,
} from 'mongodb';
import { commonOptions, type Entity, type EntityMap } from './entities';
import { type Operation } from './types';

export interface OperationResult {
  value: unknown;
  /** The value is an array of root-level documents (a fully iterated cursor). */
  rootDocuments?: boolean;
  /** The value is a driver object (cursor) that may be saved as an entity. */
  entity?: Entity;
}

/** Runs the callback operations of withTransaction; supplied by the runner. */
export type NestedOperationRunner = (operation: Operation) => Promise<void>;

export class UnsupportedOperationError extends Error {}

export async function executeEntityOperation(
  operation: Operation,
  entities: EntityMap,
  runNested: NestedOperationRunner,
): Promise<OperationResult> {
  const target = entities.entity(operation.object);
  const args = prepareArguments(operation.arguments ?? {}, entities);
  switch (target.kind) {
    case 'collection':
      return collectionOperation(operation.name, target.collection, args);
    case 'database':
      return databaseOperation(operation.name, target.db, args);
    case 'client':
      return clientOperation(operation.name, target.client, args);
    case 'session':
      return sessionOperation(operation.name, target.session, args, runNested);
    case 'cursor':
      return cursorOperation(operation.name, target.cursor);
    default:
      throw new UnsupportedOperationError(`operation ${operation.name} on a ${target.kind} entity`);
  }
}

function prepareArguments(raw: Record<string, any>, entities: EntityMap): Record<string, any> {
  const args = commonOptions(raw);
  if (typeof raw.session === 'string') args.session = entities.session(raw.session);
  if (typeof raw.returnDocument === 'string') {
    const value = raw.returnDocument.toLowerCase();
    if (value !== 'before' && value !== 'after')
      throw new Error(`invalid returnDocument ${raw.returnDocument}`);
    args.returnDocument = value;
  }
  return args;
}

/** Splits the named positional arguments off the options object. */
function take(args: Record<string, any>, ...names: string[]): [any[], Record<string, any>] {
  const options = { ...args };
  const positional = names.map((name) => {
    const value = options[name];
    delete options[name];
    return value;
  });
  return [positional, options];
}

async function collectionOperation(
  name: string,
  collection: Collection,
  args: Record<string, any>,
): Promise<OperationResult> {
  switch (name) {
    case 'aggregate': {
      const [[pipeline], options] = take(args, 'pipeline');
      return { value: await collection.aggregate(pipeline, options).toArray(), rootDocuments: true };
    }
    case 'bulkWrite': {
      const [[requests], options] = take(args, 'requests');
      const result = await collection.bulkWrite(requests.map(toBulkWriteModel), options);
      return { value: bulkWriteResultDocument(result) };
    }
    case 'countDocuments': {
      const [[filter], options] = take(args, 'filter');
      return { value: await collection.countDocuments(filter, options) };
    }
    case 'count': {
      const [[filter], options] = take(args, 'filter');
      return { value: await collection.count(filter, options) };
    }
    case 'estimatedDocumentCount':
      return { value: await collection.estimatedDocumentCount(args) };
    case 'distinct': {
      const [[fieldName, filter], options] = take(args, 'fieldName', 'filter');
      return { value: await collection.distinct(fieldName, filter ?? {}, options) };
    }
    case 'find': {
      const [[filter], options] = take(args, 'filter');
      return { value: await collection.find(filter ?? {}, options).toArray(), rootDocuments: true };
    }
    case 'findOne': {
      const [[filter], options] = take(args, 'filter');
      return { value: await collection.findOne(filter ?? {}, options) };
    }
    case 'createFindCursor': {
      const [[filter], options] = take(args, 'filter');
      const cursor = collection.find(filter ?? {}, options);
      // The format wants the server-side cursor to exist once this operation returns.
      await cursor.hasNext();
      return { value: cursor, entity: { kind: 'cursor', cursor } };
    }
    case 'findOneAndDelete': {
      const [[filter], options] = take(args, 'filter');
      return { value: await collection.findOneAndDelete(filter, options) };
    }
    case 'findOneAndReplace': {
      const [[filter, replacement], options] = take(args, 'filter', 'replacement');
      return { value: await collection.findOneAndReplace(filter, replacement, options) };
    }
    case 'findOneAndUpdate': {
      const [[filter, update], options] = take(args, 'filter', 'update');
      return { value: await collection.findOneAndUpdate(filter, update, options) };
    }
    case 'insertOne': {
      const [[document], options] = take(args, 'document');
      return { value: { ...(await collection.insertOne(document, options)) } };
    }
    case 'insertMany': {
      const [[documents], options] = take(args, 'documents');
      return { value: { ...(await collection.insertMany(documents, options)) } };
    }
    case 'replaceOne': {
      const [[filter, replacement], options] = take(args, 'filter', 'replacement');
      return { value: { ...(await collection.replaceOne(filter, replacement, options)) } };
    }
    case 'updateOne': {
      const [[filter, update], options] = take(args, 'filter', 'update');
      return { value: { ...(await collection.updateOne(filter, update, options)) } };
    }
    case 'updateMany': {
      const [[filter, update], options] = take(args, 'filter', 'update');
      return { value: { ...(await collection.updateMany(filter, update, options)) } };
    }
    case 'deleteOne': {
      const [[filter], options] = take(args, 'filter');
      return { value: { ...(await collection.deleteOne(filter, options)) } };
    }
    case 'deleteMany': {
      const [[filter], options] = take(args, 'filter');
      return { value: { ...(await collection.deleteMany(filter, options)) } };
    }
    case 'createIndex': {
      const [[keys], options] = take(args, 'keys');
      return { value: await collection.createIndex(keys, options) };
    }
    case 'listIndexes':
      return { value: await collection.listIndexes(args).toArray(), rootDocuments: true };
    case 'listIndexNames': {
      const indexes = await collection.listIndexes(args).toArray();
      return { value: indexes.map((index) => index.name) };
    }
    case 'dropIndex': {
      const [[indexName], options] = take(args, 'name');
      return { value: await collection.dropIndex(indexName, options) };
    }
    case 'dropIndexes':
      return { value: await collection.dropIndexes(args) };
    case 'rename': {
      const [[to], options] = take(args, 'to');
      await collection.rename(to, options);
      return { value: undefined };
    }
    case 'drop':
      return { value: await collection.drop(args) };
    default:
      throw new UnsupportedOperationError(`collection operation ${name}`);
  }
}

async function databaseOperation(name: string, db: Db, args: Record<string, any>): Promise<OperationResult> {
  switch (name) {
    case 'aggregate': {
      const [[pipeline], options] = take(args, 'pipeline');
      return { value: await db.aggregate(pipeline, options).toArray(), rootDocuments: true };
    }
    case 'createCollection': {
      const [[collectionName], options] = take(args, 'collection');
      await db.createCollection(collectionName, options);
      return { value: undefined };
    }
    case 'dropCollection': {
      const [[collectionName], options] = take(args, 'collection');
      return { value: await db.dropCollection(collectionName, options) };
    }
    case 'listCollections': {
      const [[filter], options] = take(args, 'filter');
      return { value: await db.listCollections(filter ?? {}, options).toArray(), rootDocuments: true };
    }
    case 'listCollectionNames': {
      const [[filter], options] = take(args, 'filter');
      const collections = await db.listCollections(filter ?? {}, { ...options, nameOnly: true }).toArray();
      return { value: collections.map((collection) => collection.name) };
    }
    case 'runCommand': {
      const [[command], options] = take(args, 'command', 'commandName');
      return { value: await db.command(command, options) };
    }
    case 'runCursorCommand': {
      const [[command], options] = take(args, 'command', 'commandName');
      return { value: await db.runCursorCommand(command, options).toArray(), rootDocuments: true };
    }
    case 'createCommandCursor': {
      const [[command], options] = take(args, 'command', 'commandName');
      const cursor = db.runCursorCommand(command, options);
      await cursor.hasNext();
      return { value: cursor, entity: { kind: 'cursor', cursor } };
    }
    case 'modifyCollection': {
      const [[collectionName], options] = take(args, 'collection');
      const { session, ...fields } = options;
      return { value: await db.command({ collMod: collectionName, ...fields }, { session }) };
    }
    case 'dropDatabase':
      return { value: await db.dropDatabase(args) };
    default:
      throw new UnsupportedOperationError(`database operation ${name}`);
  }
}

async function clientOperation(
  name: string,
  client: MongoClient,
  args: Record<string, any>,
): Promise<OperationResult> {
  switch (name) {
    case 'listDatabases': {
      const [[filter], options] = take(args, 'filter');
      const result = await client
        .db('admin')
        .admin()
        .listDatabases({ ...options, filter });
      return { value: result.databases, rootDocuments: true };
    }
    case 'listDatabaseNames': {
      const result = await client
        .db('admin')
        .admin()
        .listDatabases({ ...args, nameOnly: true });
      return { value: result.databases.map((database) => database.name) };
    }
    case 'clientBulkWrite': {
      const [[models], options] = take(args, 'models');
      const result = await client.bulkWrite(models.map(toClientBulkWriteModel), options);
      return { value: clientBulkWriteResultDocument(result) };
    }
    case 'close':
      await client.close();
      return { value: undefined };
    default:
      throw new UnsupportedOperationError(`client operation ${name}`);
  }
}

async function sessionOperation(
  name: string,
  session: ClientSession,
  args: Record<string, any>,
  runNested: NestedOperationRunner,
): Promise<OperationResult> {
  switch (name) {
    case 'startTransaction':
      session.startTransaction(args);
      return { value: undefined };
    case 'commitTransaction':
      await session.commitTransaction();
      return { value: undefined };
    case 'abortTransaction':
      await session.abortTransaction();
      return { value: undefined };
    case 'endSession':
      await session.endSession();
      return { value: undefined };
    case 'withTransaction': {
      const [[callback], options] = take(args, 'callback');
      await session.withTransaction(async () => {
        for (const nested of callback as Operation[]) await runNested(nested);
      }, options);
      return { value: undefined };
    }
    default:
      throw new UnsupportedOperationError(`session operation ${name}`);
  }
}

async function cursorOperation(name: string, cursor: AbstractCursor): Promise<OperationResult> {
  switch (name) {
    case 'iterateUntilDocumentOrError': {
      const document = await cursor.next();
      if (document === null) throw new Error('cursor exhausted before a document was returned');
      return { value: document };
    }
    case 'iterateOnce':
      return { value: (await cursor.tryNext()) ?? undefined };
    case 'close':
      await cursor.close().catch(() => undefined);
      return { value: undefined };
    default:
      throw new UnsupportedOperationError(`cursor operation ${name}`);
  }
}

/** `{ insertOne: { document } }` and friends: the driver takes the same shape. */
function toBulkWriteModel(request: Record<string, any>): AnyBulkWriteOperation {
  const [kind, body] = Object.entries(request)[0] as [string, Record<string, any>];
  return { [kind]: { ...body } } as AnyBulkWriteOperation;
}

function toClientBulkWriteModel(model: Record<string, any>): any {
  const [kind, body] = Object.entries(model)[0] as [string, Record<string, any>];
  return { name: kind, ...body };
}

export function bulkWriteResultDocument(result: BulkWriteResult): Record<string, unknown> {
  return {
    insertedCount: result.insertedCount,
    matchedCount: result.matchedCount,
    modifiedCount: result.modifiedCount,
    deletedCount: result.deletedCount,
    upsertedCount: result.upsertedCount,
    upsertedIds: { ...result.upsertedIds },
    insertedIds: { ...result.insertedIds },
  };
}

export function clientBulkWriteResultDocument(result: any): Record<string, unknown> {
  const verbose = (
    results: Map<number, any> | undefined,
    toDocument: (value: any) => Record<string, unknown>,
  ) =>
    results
      ? Object.fromEntries([...results].map(([index, value]) => [String(index), toDocument(value)]))
      : undefined;
  return {
    insertedCount: result.insertedCount,
    upsertedCount: result.upsertedCount,
    matchedCount: result.matchedCount,
    modifiedCount: result.modifiedCount,
    deletedCount: result.deletedCount,
    // The CRUD spec's result models; the driver's objects carry extras (didUpsert).
    insertResults: verbose(result.insertResults, (value) => ({ insertedId: value.insertedId })),
    updateResults: verbose(result.updateResults, (value) => ({
      matchedCount: value.matchedCount,
      modifiedCount: value.modifiedCount,
      upsertedId: value.upsertedId,
    })),
    deleteResults: verbose(result.deleteResults, (value) => ({ deletedCount: value.deletedCount })),
  };
}
