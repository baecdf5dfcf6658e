// The MongoDB 8.0 client-level bulkWrite command: mixed inserts, updates and deletes across namespaces
// in one command, answered with per-operation results through a cursor.
import { isPlainObject, type Doc } from '../bson/values';
import { ErrorCodes, fail } from '../errors';
import { splitNs } from '../storage/engine';
import { withIdFirst } from '../query/update';
import { idKey } from '../storage/collection';
import type { CommandContext, CommandTable } from './context';
import { assertNotView } from './sources';
import {
  deleteMatching,
  insertDocument,
  mustPropagate,
  parseUpdateStatement,
  runUpdate,
  validateNewDocument,
  writeErrorOf,
} from './write';
import { checkHint, docArray, waitForLock, letVariables } from './util';

async function bulkWrite(ctx: CommandContext): Promise<Doc> {
  if (ctx.db !== 'admin')
    fail(ErrorCodes.Unauthorized, 'bulkWrite may only be run against the admin database.');
  const ops = docArray(ctx.cmd, 'ops');
  const nsInfo = docArray(ctx.cmd, 'nsInfo');
  const ordered = ctx.cmd.ordered !== false;
  const errorsOnly = ctx.cmd.errorsOnly === true;
  const variables = letVariables(ctx.cmd);
  const engine = ctx.state.engine;
  const totals = { nErrors: 0, nInserted: 0, nMatched: 0, nModified: 0, nUpserted: 0, nDeleted: 0 };
  const results: Doc[] = [];

  for (let idx = 0; idx < ops.length; idx++) {
    const op = ops[idx] as Doc;
    const kind = Object.keys(op)[0];
    try {
      const nsIndex = Number(op[kind as string]);
      const ns = nsInfo[nsIndex]?.ns;
      if (typeof ns !== 'string')
        fail(ErrorCodes.BadValue, `BulkWrite ops entry ${idx} has an invalid nsInfo index ${nsIndex}`);
      const [db, name] = splitNs(ns);
      const opCtx: CommandContext = { ...ctx, db };
      assertNotView(engine.getCollection(db, name));
      if (kind === 'insert') {
        if (!isPlainObject(op.document))
          fail(
            ErrorCodes.TypeMismatch,
            "BSON field 'bulkWrite.ops.document' is the wrong type, expected type 'object'",
          );
        const doc = withIdFirst(op.document);
        validateNewDocument(doc);
        const coll = engine.ensureCollection(db, name, ctx.txn);
        await waitForLock(opCtx, coll, idKey(doc._id), doc);
        insertDocument(opCtx, coll, doc);
        totals.nInserted++;
        if (!errorsOnly) results.push({ ok: 1, idx, n: 1 });
      } else if (kind === 'update') {
        const st = parseUpdateStatement(
          {
            q: op.filter,
            u: op.updateMods,
            upsert: op.upsert,
            multi: op.multi,
            arrayFilters: op.arrayFilters,
            sort: op.sort,
          },
          variables,
        );
        const coll = st.upsert ? engine.ensureCollection(db, name, ctx.txn) : engine.getCollection(db, name);
        checkHint(coll, op.hint);
        const r = coll ? await runUpdate(opCtx, coll, st) : { matched: 0, modified: 0 };
        totals.nMatched += r.matched;
        totals.nModified += r.modified;
        const item: Doc = { ok: 1, idx, n: r.matched, nModified: r.modified };
        if ('upsertedId' in r && r.upsertedId !== undefined) {
          totals.nUpserted++;
          item.n = 1;
          item.upserted = { _id: r.upsertedId };
        }
        if (!errorsOnly) results.push(item);
      } else if (kind === 'delete') {
        const filter = op.filter === undefined ? {} : op.filter;
        if (!isPlainObject(filter))
          fail(
            ErrorCodes.TypeMismatch,
            "BSON field 'bulkWrite.ops.filter' is the wrong type, expected type 'object'",
          );
        const coll = engine.getCollection(db, name);
        checkHint(coll, op.hint);
        const n = coll ? await deleteMatching(opCtx, coll, filter, op.multi !== true, variables) : 0;
        totals.nDeleted += n;
        if (!errorsOnly) results.push({ ok: 1, idx, n });
      } else {
        fail(ErrorCodes.FailedToParse, `Unrecognized bulkWrite operation: ${kind ?? ''}`);
      }
    } catch (err) {
      if (mustPropagate(ctx, err)) throw err;
      const { index: _index, ...error } = writeErrorOf(idx, err);
      totals.nErrors++;
      results.push({ ok: 0, idx, n: 0, ...error });
      if (ordered) break;
    }
  }
  const ns = 'admin.$cmd.bulkWrite';
  // Every per-operation result in the first batch (bounded by the reply size only).
  const { batch, id } = ctx.state.cursors.open(ns, results, Number.MAX_SAFE_INTEGER, false, ctx.session?.key);
  return { cursor: { id, firstBatch: batch, ns }, ...totals };
}

export const bulkWriteCommands: CommandTable = {
  bulkwrite: { run: bulkWrite, writes: true, inTransaction: true, retryable: true },
};
