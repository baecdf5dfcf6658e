// aggregate through mingo's pipeline engine; the server supplies the input (narrowed by an index when the
// pipeline opens with $match), other collections for $lookup/$unionWith, and the $out/$merge writes.
import { cloneValue, isPlainObject, valuesEqual, type Doc } from '../bson/values';
import { ErrorCodes, fail } from '../errors';
import { matchingDocuments, type ScanStats } from '../query/executor';
import { isView, matchingSource, runPipeline } from './sources';
import { compileFilter } from '../query/matcher';
import { countMatching, countPipeline } from '../query/count';
import { withIdFirst } from '../query/update';
import type { CommandContext, CommandTable } from './context';
import { cursorReply } from './read';
import { checkHint, nonNegativeInt, ns, optionalDoc, letVariables } from './util';
import { insertDocument, validateNewDocument } from './write';

function sourceDocuments(
  ctx: CommandContext,
  name: string,
  pipeline: Doc[],
  variables: Doc | undefined,
  stats?: ScanStats,
): Doc[] {
  const coll = ctx.state.engine.getCollection(ctx.db, name);
  const first = pipeline[0];
  // An opening $match narrows the input through an index; the pipeline still applies it.
  const filter = first && isPlainObject(first.$match) && !isView(coll) ? first.$match : {};
  return matchingSource(ctx, name, compileFilter(filter, variables), stats);
}

async function writeOut(ctx: CommandContext, results: Doc[], target: unknown): Promise<void> {
  const engine = ctx.state.engine;
  const spec = typeof target === 'string' ? { db: ctx.db, coll: target } : (target as Doc);
  const db = String(spec.db ?? ctx.db);
  const name = String(spec.coll);
  const indexes =
    engine
      .getCollection(db, name)
      ?.listIndexSpecs()
      .filter((s) => s.name !== '_id_') ?? [];
  const tmp = `tmp.agg_out.${Date.now()}.${Math.floor(Math.random() * 1e9)}`;
  const coll = engine.createCollection(db, tmp);
  for (const spec of indexes) engine.createIndex(coll, spec);
  try {
    for (const raw of results) {
      const doc = withIdFirst(cloneValue(raw));
      validateNewDocument(doc);
      insertDocument({ ...ctx, txn: undefined }, coll, doc);
    }
  } catch (err) {
    engine.dropCollection(db, tmp);
    throw err;
  }
  engine.renameCollection(db, tmp, db, name, true);
}

async function writeMerge(ctx: CommandContext, results: Doc[], spec: Doc | string): Promise<void> {
  const engine = ctx.state.engine;
  const s: Doc = typeof spec === 'string' ? { into: spec } : spec;
  const into = typeof s.into === 'string' ? { db: ctx.db, coll: s.into } : (s.into as Doc);
  const coll = engine.ensureCollection(String(into.db ?? ctx.db), String(into.coll));
  const on = s.on === undefined ? ['_id'] : Array.isArray(s.on) ? (s.on as string[]) : [String(s.on)];
  const whenMatched = s.whenMatched ?? 'merge';
  const whenNotMatched = s.whenNotMatched ?? 'insert';
  const plain = { ...ctx, txn: undefined };
  for (const raw of results) {
    const doc = cloneValue(raw);
    const filter: Doc = {};
    for (const f of on) filter[f] = doc[f] ?? null;
    const existing = [...matchingDocuments(engine, coll, compileFilter(filter))][0];
    if (!existing) {
      if (whenNotMatched === 'discard') continue;
      if (whenNotMatched === 'fail')
        fail(
          13113,
          '$merge could not find a matching document in the target collection for at least one document in the source collection',
        );
      const inserted = withIdFirst(doc);
      insertDocument(plain, coll, inserted);
      continue;
    }
    let next: Doc;
    if (whenMatched === 'keepExisting') continue;
    if (whenMatched === 'fail') throw coll.indexes.get('_id_')!.duplicateError([existing.doc._id], coll.ns);
    if (whenMatched === 'replace')
      next = { _id: existing.doc._id, ...doc, ...(doc._id === undefined ? {} : { _id: existing.doc._id }) };
    else if (Array.isArray(whenMatched))
      next = runPipeline(ctx, [existing.doc], whenMatched as Doc[], { new: doc })[0] ?? existing.doc;
    else next = { ...existing.doc, ...doc, _id: existing.doc._id };
    if (doc._id !== undefined && !valuesEqual(doc._id, existing.doc._id) && whenMatched !== 'replace') {
      fail(
        ErrorCodes.ImmutableField,
        '$merge failed to update the matching document, did you attempt to modify the _id or the shard key?',
      );
    }
    engine.write(coll, existing.key, next);
  }
}

async function aggregate(ctx: CommandContext): Promise<Doc> {
  const target = ctx.cmd.aggregate;
  const pipeline = ctx.cmd.pipeline;
  if (!Array.isArray(pipeline))
    fail(ErrorCodes.TypeMismatch, "BSON field 'aggregate.pipeline' is the wrong type, expected type 'array'");
  for (const stage of pipeline) {
    if (!isPlainObject(stage) || Object.keys(stage).length !== 1)
      fail(40323, 'A pipeline stage specification object must contain exactly one field.', {
        codeName: 'Location40323',
      });
    // Say so plainly rather than let a watch() call fail with a puzzling "unknown stage".
    if ('$changeStream' in stage)
      fail(115, 'Change streams ($changeStream, watch()) are not supported by the embedded NovaMart server', {
        codeName: 'CommandNotSupported',
      });
  }
  const stages = pipeline as Doc[];
  const cursorSpec = optionalDoc(ctx.cmd, 'cursor');
  if (!cursorSpec && ctx.cmd.explain !== true)
    fail(
      ErrorCodes.FailedToParse,
      "The 'cursor' option is required, except for aggregate with the explain argument",
    );
  const last = stages[stages.length - 1];
  const outStage = last && ('$out' in last || '$merge' in last) ? last : undefined;
  for (let i = 0; i < stages.length - 1; i++) {
    const k = Object.keys(stages[i] as Doc)[0];
    if (k === '$out' || k === '$merge')
      fail(40601, `${k} can only be the final stage in the pipeline`, { codeName: 'Location40601' });
  }
  const readConcern = optionalDoc(ctx.cmd, 'readConcern');
  if (outStage && readConcern?.level === 'linearizable')
    fail(
      ErrorCodes.InvalidOptions,
      `cannot use ${Object.keys(outStage)[0]} with readConcern level linearizable`,
    );
  if (outStage && ctx.txn)
    fail(
      ErrorCodes.OperationNotSupportedInTransaction,
      `${Object.keys(outStage)[0]} cannot be used in a transaction`,
    );
  const body = outStage ? stages.slice(0, -1) : [...stages];
  const counting = typeof target === 'string' && !outStage ? countPipeline(body) : undefined;
  const countColl = counting ? ctx.state.engine.getCollection(ctx.db, target as string) : undefined;
  if (counting && !isView(countColl) && ctx.cmd.explain !== true && letVariables(ctx.cmd) === undefined) {
    // countDocuments: counted from an index or a scan that copies nothing, as the pipeline would.
    checkHint(countColl, ctx.cmd.hint);
    let n = countColl ? countMatching(ctx.state.engine, countColl, counting.filter, ctx.txn) : 0;
    n = Math.max(0, n - counting.skip);
    if (counting.limit !== undefined) n = Math.min(n, counting.limit);
    ctx.state.opcounters.command++;
    const results = n > 0 ? [{ _id: counting.id, [counting.field]: n }] : [];
    const batchSize = cursorSpec ? nonNegativeInt(cursorSpec, 'batchSize') : undefined;
    const { batch, id } = ctx.state.cursors.open(
      ns(ctx, target as string),
      results,
      batchSize,
      false,
      ctx.session?.key,
    );
    return cursorReply(ns(ctx, target as string), batch, id, true);
  }
  let source: Doc[];
  let name: string;
  if (typeof target === 'string') {
    name = target;
    checkHint(ctx.state.engine.getCollection(ctx.db, name), ctx.cmd.hint);
    source = sourceDocuments(ctx, name, body, letVariables(ctx.cmd));
  } else if (target === 1) {
    name = '$cmd.aggregate';
    const first = body[0] ? Object.keys(body[0])[0] : undefined;
    if (first === '$documents') source = [];
    else if (first === '$listLocalSessions') {
      source = ctx.state.sessions.list();
      body.shift();
    } else if (first === '$currentOp') {
      source = [];
      body.shift();
    } else {
      fail(
        ErrorCodes.InvalidNamespace,
        `{aggregate: 1} is not valid for '${first ?? ''}'; a collection is required.`,
      );
    }
  } else {
    fail(
      ErrorCodes.TypeMismatch,
      "BSON field 'aggregate.aggregate' is the wrong type, expected type 'string'",
    );
  }
  const variables = letVariables(ctx.cmd);
  const results = runPipeline(ctx, source, body, variables);
  ctx.state.opcounters.command++;
  if (outStage) {
    if ('$out' in outStage) await writeOut(ctx, results, outStage.$out);
    else await writeMerge(ctx, results, outStage.$merge as Doc);
    return cursorReply(ns(ctx, name), [], ctx.state.cursors.open(ns(ctx, name), [], 0, true).id, true);
  }
  const batchSize = cursorSpec ? nonNegativeInt(cursorSpec, 'batchSize') : undefined;
  const { batch, id } = ctx.state.cursors.open(ns(ctx, name), results, batchSize, false, ctx.session?.key);
  return cursorReply(ns(ctx, name), batch, id, true);
}

export const aggregateCommands: CommandTable = {
  aggregate: { run: aggregate, inTransaction: true, writes: true },
};
