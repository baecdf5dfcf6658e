// insert, update, delete and findAndModify. Each single-document change runs synchronously between
// reading the document and installing the new version, which makes it atomic against other connections.
import { calculateObjectSize } from 'bson';
import { isPlainObject, valuesEqual, type Doc } from '../bson/values';
import { ErrorCodes, MongoCommandError, fail, toCommandError } from '../errors';
import { matchingDocuments } from '../query/executor';
import { compileFilter } from '../query/matcher';
import { projectDocuments } from '../query/projection';
import { parseSort, sortDocuments } from '../query/sort';
import {
  applyUpdate,
  buildUpsertDocument,
  isOperatorUpdate,
  validateUpdateSpec,
  withIdFirst,
  type UpdateSpec,
} from '../query/update';
import { idKey, type Collection } from '../storage/collection';
import { MAX_BSON_OBJECT_SIZE, MAX_WRITE_BATCH_SIZE } from '../wire/messages';
import type { CommandContext, CommandTable } from './context';
import { assertNotView } from './sources';
import { validateDocument } from './validation';
import {
  checkHint,
  collectionName,
  docArray,
  optionalDoc,
  waitForLock,
  writeBlocker,
  letVariables,
} from './util';

export interface WriteError {
  index: number;
  code: number;
  errmsg: string;
  [k: string]: unknown;
}

export function writeErrorOf(index: number, err: unknown): WriteError {
  const e = toCommandError(err);
  return { index, code: e.code, codeName: e.codeName, errmsg: e.message, ...e.extra };
}

/** Errors that end a transaction must surface as the command's error, not as a per-statement writeError. */
export function mustPropagate(ctx: CommandContext, err: unknown): boolean {
  if (!(err instanceof MongoCommandError)) return false;
  return (
    err.labels.includes('TransientTransactionError') || (ctx.txn !== undefined && ctx.txn.state !== 'active')
  );
}

function checkBatch(items: unknown[]): void {
  if (items.length > MAX_WRITE_BATCH_SIZE)
    fail(
      ErrorCodes.InvalidLength,
      `Write batch sizes must be between 1 and ${MAX_WRITE_BATCH_SIZE}. Got ${items.length} operations.`,
    );
}

export function validateNewDocument(doc: Doc): void {
  if (calculateObjectSize(doc) > MAX_BSON_OBJECT_SIZE)
    fail(ErrorCodes.BSONObjectTooLarge, 'object to insert too large');
  const id = doc._id;
  if (Array.isArray(id)) fail(ErrorCodes.InvalidIdField, `The '_id' value cannot be of type array`);
  if (id instanceof RegExp) fail(ErrorCodes.InvalidIdField, `The '_id' value cannot be of type regex`);
  if (isPlainObject(id) && Object.keys(id).some((k) => k.startsWith('$')))
    fail(ErrorCodes.DollarPrefixedFieldName, `_id fields may not contain '$'-prefixed fields`);
}

/** Inserts one new document (rejecting a duplicate _id the way the _id index would). */
export function insertDocument(ctx: CommandContext, coll: Collection, doc: Doc): void {
  const key = idKey(doc._id);
  const engine = ctx.state.engine;
  const existing = engine.read(coll, key, ctx.txn);
  if (existing)
    throw (coll.indexes.get('_id_') ?? fail(ErrorCodes.InternalError, 'missing _id index')).duplicateError(
      [doc._id],
      coll.ns,
    );
  validateDocument(ctx, coll, doc, null);
  engine.write(coll, key, doc, ctx.txn);
}

async function insert(ctx: CommandContext): Promise<Doc> {
  const name = collectionName(ctx, 'insert');
  const documents = docArray(ctx.cmd, 'documents');
  checkBatch(documents);
  const ordered = ctx.cmd.ordered !== false;
  assertNotView(ctx.state.engine.getCollection(ctx.db, name));
  const coll = ctx.state.engine.ensureCollection(ctx.db, name, ctx.txn);
  let n = 0;
  const writeErrors: WriteError[] = [];
  for (let i = 0; i < documents.length; i++) {
    try {
      const doc = withIdFirst(documents[i] as Doc);
      validateNewDocument(doc);
      if (writeBlocker(ctx, coll, idKey(doc._id), doc)) await waitForLock(ctx, coll, idKey(doc._id), doc);
      insertDocument(ctx, coll, doc);
      n++;
    } catch (err) {
      if (mustPropagate(ctx, err)) throw err;
      writeErrors.push(writeErrorOf(i, err));
      if (ordered) break;
    }
  }
  ctx.state.opcounters.insert += n;
  return writeErrors.length > 0 ? { n, writeErrors } : { n };
}

export interface UpdateStatement {
  q: Doc;
  u: UpdateSpec;
  upsert: boolean;
  multi: boolean;
  arrayFilters: Doc[] | undefined;
  sort: Doc | undefined;
  /** Command-level `let` variables, usable as $$name in $expr and pipeline updates. */
  variables: Doc | undefined;
}

export function parseUpdateStatement(raw: Doc, variables: Doc | undefined): UpdateStatement {
  const q = raw.q === undefined ? {} : raw.q;
  if (!isPlainObject(q))
    fail(ErrorCodes.TypeMismatch, "BSON field 'update.updates.q' is the wrong type, expected type 'object'");
  if (raw.u === undefined)
    fail(ErrorCodes.Location40414, "BSON field 'update.updates.u' is missing but a required field", {
      codeName: 'Location40414',
    });
  validateUpdateSpec(raw.u);
  const multi = raw.multi === true;
  if (multi && !Array.isArray(raw.u) && !isOperatorUpdate(raw.u) && Object.keys(raw.u).length > 0) {
    fail(ErrorCodes.FailedToParse, 'multi update is not supported for replacement-style update');
  }
  if (raw.arrayFilters !== undefined && !Array.isArray(raw.arrayFilters))
    fail(ErrorCodes.TypeMismatch, "BSON field 'arrayFilters' is the wrong type, expected type 'array'");
  return {
    q,
    u: raw.u,
    upsert: raw.upsert === true,
    multi,
    arrayFilters: raw.arrayFilters as Doc[] | undefined,
    sort: optionalDoc(raw, 'sort'),
    variables,
  };
}

export interface UpdateOutcome {
  matched: number;
  modified: number;
  upsertedId?: unknown;
  before?: Doc;
  after?: Doc;
}

/**
 * Applies one update statement. Matching documents are found first, then each is re-read and re-checked
 * right before it is changed (after waiting for any transaction holding it), as mongod's yield-and-retry does.
 */
export async function runUpdate(
  ctx: CommandContext,
  coll: Collection,
  st: UpdateStatement,
  pick?: (docs: Doc[]) => Doc[],
): Promise<UpdateOutcome> {
  const engine = ctx.state.engine;
  const matcher = compileFilter(st.q, st.variables);
  let candidates = [...matchingDocuments(engine, coll, matcher, ctx.txn)];
  if (st.sort) {
    const spec = parseSort(st.sort);
    if (spec) {
      const order = sortDocuments(
        candidates.map((c) => c.doc),
        spec,
      );
      candidates = order.map((d) => candidates.find((c) => c.doc === d) as (typeof candidates)[number]);
    }
  }
  if (pick) {
    const chosen = new Set(pick(candidates.map((c) => c.doc)));
    candidates = candidates.filter((c) => chosen.has(c.doc));
  }
  const outcome: UpdateOutcome = { matched: 0, modified: 0 };
  candidates: for (const { key } of candidates) {
    let doc: Doc | null;
    let next: Doc;
    // Read, compute and write with no await in between (atomic); wait and redo if a transaction blocks.
    for (;;) {
      const holder = writeBlocker(ctx, coll, key);
      if (holder) {
        await holder.done;
        continue;
      }
      doc = engine.read(coll, key, ctx.txn);
      if (!doc || !matcher.test(doc)) continue candidates;
      next = applyUpdate(doc, st.u, {
        filter: st.q,
        arrayFilters: st.arrayFilters,
        inserting: false,
        variables: st.variables,
      });
      const uniqueHolder = writeBlocker(ctx, coll, key, next);
      if (!uniqueHolder) break;
      await uniqueHolder.done;
    }
    if (calculateObjectSize(next) > MAX_BSON_OBJECT_SIZE)
      fail(ErrorCodes.BSONObjectTooLarge, 'Resulting document after update is larger than 16777216');
    outcome.matched++;
    outcome.before = doc;
    outcome.after = doc;
    if (!deepSame(doc, next)) {
      validateDocument(ctx, coll, next, doc);
      engine.write(coll, key, next, ctx.txn);
      outcome.modified++;
      outcome.after = next;
    }
    if (!st.multi) break;
  }
  if (outcome.matched === 0 && st.upsert) {
    const doc = buildUpsertDocument(st.q, st.u, {
      filter: st.q,
      arrayFilters: st.arrayFilters,
      variables: st.variables,
    });
    validateNewDocument(doc);
    if (writeBlocker(ctx, coll, idKey(doc._id), doc)) {
      await waitForLock(ctx, coll, idKey(doc._id), doc);
      // While we waited, a transaction may have committed a document that matches: update it instead.
      if (matchingDocuments(engine, coll, matcher, ctx.txn).next().done !== true)
        return runUpdate(ctx, coll, st, pick);
    }
    insertDocument(ctx, coll, doc);
    outcome.upsertedId = doc._id;
    outcome.after = doc;
  }
  return outcome;
}

/** Same document including field order and exact types, as mongod decides whether an update modified. */
function deepSame(a: Doc, b: Doc): boolean {
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (let i = 0; i < ka.length; i++) {
    if (ka[i] !== kb[i]) return false;
    const x = a[ka[i] as string];
    const y = b[kb[i] as string];
    if (isPlainObject(x) && isPlainObject(y)) {
      if (!deepSame(x, y)) return false;
    } else if (Array.isArray(x) && Array.isArray(y)) {
      if (x.length !== y.length || !x.every((v, j) => deepSame({ v }, { v: y[j] }))) return false;
    } else if (!valuesEqual(x, y)) return false;
  }
  return true;
}

async function update(ctx: CommandContext): Promise<Doc> {
  const name = collectionName(ctx, 'update');
  const updates = docArray(ctx.cmd, 'updates');
  checkBatch(updates);
  const ordered = ctx.cmd.ordered !== false;
  const engine = ctx.state.engine;
  assertNotView(engine.getCollection(ctx.db, name));
  let n = 0;
  let nModified = 0;
  const upserted: Doc[] = [];
  const writeErrors: WriteError[] = [];
  for (let i = 0; i < updates.length; i++) {
    try {
      const st = parseUpdateStatement(updates[i] as Doc, letVariables(ctx.cmd));
      const coll = st.upsert
        ? engine.ensureCollection(ctx.db, name, ctx.txn)
        : engine.getCollection(ctx.db, name);
      if (!coll) continue;
      checkHint(coll, (updates[i] as Doc).hint);
      const r = await runUpdate(ctx, coll, st);
      n += r.matched;
      nModified += r.modified;
      if (r.upsertedId !== undefined) {
        n++;
        upserted.push({ index: i, _id: r.upsertedId });
      }
    } catch (err) {
      if (mustPropagate(ctx, err)) throw err;
      writeErrors.push(writeErrorOf(i, err));
      if (ordered) break;
    }
  }
  ctx.state.opcounters.update += updates.length;
  const reply: Doc = { n, nModified };
  if (upserted.length > 0) reply.upserted = upserted;
  if (writeErrors.length > 0) reply.writeErrors = writeErrors;
  return reply;
}

/** Deletes the first (`justOne`) or every matching document; returns how many were deleted. */
export async function deleteMatching(
  ctx: CommandContext,
  coll: Collection,
  q: Doc,
  justOne: boolean,
  variables: Doc | undefined,
): Promise<number> {
  const engine = ctx.state.engine;
  const matcher = compileFilter(q, variables);
  const candidates = [...matchingDocuments(engine, coll, matcher, ctx.txn)];
  let n = 0;
  for (const { key } of candidates) {
    if (!ctx.txn && engine.lockHolder(coll, key)) await waitForLock(ctx, coll, key);
    const doc = engine.read(coll, key, ctx.txn);
    if (!doc || !matcher.test(doc)) continue;
    engine.write(coll, key, null, ctx.txn);
    n++;
    if (justOne) break;
  }
  return n;
}

async function remove(ctx: CommandContext): Promise<Doc> {
  const name = collectionName(ctx, 'delete');
  const deletes = docArray(ctx.cmd, 'deletes');
  checkBatch(deletes);
  const ordered = ctx.cmd.ordered !== false;
  const engine = ctx.state.engine;
  const coll = engine.getCollection(ctx.db, name);
  assertNotView(coll);
  let n = 0;
  const writeErrors: WriteError[] = [];
  for (let i = 0; i < deletes.length; i++) {
    try {
      const st = deletes[i] as Doc;
      const q = st.q === undefined ? {} : st.q;
      if (!isPlainObject(q))
        fail(
          ErrorCodes.TypeMismatch,
          "BSON field 'delete.deletes.q' is the wrong type, expected type 'object'",
        );
      const limit = Number(st.limit ?? 0);
      if (limit !== 0 && limit !== 1)
        fail(ErrorCodes.FailedToParse, `The limit field in delete objects must be 0 or 1. Got ${limit}`);
      if (!coll) continue;
      checkHint(coll, st.hint);
      n += await deleteMatching(ctx, coll, q, limit === 1, letVariables(ctx.cmd));
    } catch (err) {
      if (mustPropagate(ctx, err)) throw err;
      writeErrors.push(writeErrorOf(i, err));
      if (ordered) break;
    }
  }
  ctx.state.opcounters.delete += n;
  return writeErrors.length > 0 ? { n, writeErrors } : { n };
}

async function findAndModify(ctx: CommandContext): Promise<Doc> {
  const name =
    typeof ctx.cmd.findAndModify === 'string' ? ctx.cmd.findAndModify : collectionName(ctx, 'findandmodify');
  const cmd = ctx.cmd;
  const query = optionalDoc(cmd, 'query') ?? {};
  const sort = optionalDoc(cmd, 'sort');
  const fields = optionalDoc(cmd, 'fields');
  const isRemove = cmd.remove === true;
  const hasUpdate = cmd.update !== undefined;
  if (isRemove && hasUpdate) fail(ErrorCodes.FailedToParse, 'Cannot specify both an update and remove=true');
  if (!isRemove && !hasUpdate)
    fail(ErrorCodes.FailedToParse, 'Either an update or remove=true must be specified');
  if (isRemove && cmd.upsert === true)
    fail(ErrorCodes.FailedToParse, 'Cannot specify both upsert=true and remove=true');
  if (isRemove && cmd.new === true)
    fail(
      ErrorCodes.FailedToParse,
      "Cannot specify both new=true and remove=true; 'remove' always returns the deleted document",
    );
  const engine = ctx.state.engine;
  assertNotView(engine.getCollection(ctx.db, name));
  checkHint(engine.getCollection(ctx.db, name), cmd.hint);
  const returnNew = cmd.new === true;
  const project = (doc: Doc | undefined): Doc | null =>
    doc ? (projectDocuments([doc], fields, query)[0] ?? null) : null;

  if (isRemove) {
    const coll = engine.getCollection(ctx.db, name);
    if (!coll) return { lastErrorObject: { n: 0 }, value: null };
    const matcher = compileFilter(query, letVariables(cmd));
    let docs = [...matchingDocuments(engine, coll, matcher, ctx.txn)];
    const spec = parseSort(sort);
    if (spec) {
      const sorted = sortDocuments(
        docs.map((d) => d.doc),
        spec,
      );
      docs = sorted.map((d) => docs.find((m) => m.doc === d) as (typeof docs)[number]);
    }
    for (const { key } of docs) {
      if (!ctx.txn && engine.lockHolder(coll, key)) await waitForLock(ctx, coll, key);
      const doc = engine.read(coll, key, ctx.txn);
      if (!doc || !matcher.test(doc)) continue;
      engine.write(coll, key, null, ctx.txn);
      ctx.state.opcounters.delete++;
      return { lastErrorObject: { n: 1 }, value: project(doc) };
    }
    return { lastErrorObject: { n: 0 }, value: null };
  }

  validateUpdateSpec(cmd.update);
  if (cmd.arrayFilters !== undefined && !Array.isArray(cmd.arrayFilters))
    fail(ErrorCodes.TypeMismatch, "BSON field 'arrayFilters' is the wrong type, expected type 'array'");
  const st: UpdateStatement = {
    q: query,
    u: cmd.update as UpdateSpec,
    upsert: cmd.upsert === true,
    multi: false,
    arrayFilters: cmd.arrayFilters as Doc[] | undefined,
    sort,
    variables: letVariables(cmd),
  };
  const coll = st.upsert
    ? engine.ensureCollection(ctx.db, name, ctx.txn)
    : engine.getCollection(ctx.db, name);
  if (!coll) return { lastErrorObject: { n: 0, updatedExisting: false }, value: null };
  const r = await runUpdate(ctx, coll, st);
  ctx.state.opcounters.update++;
  if (r.upsertedId !== undefined) {
    return {
      lastErrorObject: { n: 1, updatedExisting: false, upserted: r.upsertedId },
      value: returnNew ? project(r.after) : null,
    };
  }
  if (r.matched === 0) return { lastErrorObject: { n: 0, updatedExisting: false }, value: null };
  return { lastErrorObject: { n: 1, updatedExisting: true }, value: project(returnNew ? r.after : r.before) };
}

export const writeCommands: CommandTable = {
  insert: { run: insert, writes: true, inTransaction: true, retryable: true },
  update: { run: update, writes: true, inTransaction: true, retryable: true },
  delete: { run: remove, writes: true, inTransaction: true, retryable: true },
  findandmodify: { run: findAndModify, writes: true, inTransaction: true, retryable: true },
};
