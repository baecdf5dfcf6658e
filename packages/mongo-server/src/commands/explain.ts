// explain for find/aggregate/count: reports the chosen index and documents examined (executionStats),
// the way applications and tests check that a query is index-backed.
import { isPlainObject, type Doc } from '../bson/values';
import { ErrorCodes, fail } from '../errors';
import type { ScanStats } from '../query/executor';
import { SERVER_VERSION } from './handshake';
import type { CommandContext, CommandTable } from './context';
import { runFind } from './read';

function explain(ctx: CommandContext): Doc {
  const inner = ctx.cmd.explain;
  if (!isPlainObject(inner))
    fail(ErrorCodes.TypeMismatch, "BSON field 'explain.explain' is the wrong type, expected type 'object'");
  const innerName = Object.keys(inner)[0]?.toLowerCase();
  const stats: ScanStats = { docsExamined: 0, indexName: undefined };
  let nReturned = 0;
  let collName: string;
  if (innerName === 'find') {
    collName = String(inner.find);
    nReturned = runFind(ctx, collName, inner, stats).length;
  } else if (innerName === 'count' || innerName === 'distinct' || innerName === 'aggregate') {
    collName = String(inner[Object.keys(inner)[0] as string]);
    const filter =
      innerName === 'aggregate'
        ? Array.isArray(inner.pipeline) &&
          isPlainObject(inner.pipeline[0]) &&
          isPlainObject(inner.pipeline[0].$match)
          ? inner.pipeline[0].$match
          : {}
        : (inner.query ?? {});
    nReturned = runFind(ctx, collName, { filter }, stats).length;
  } else {
    fail(ErrorCodes.IllegalOperation, `Explain for ${innerName ?? ''} is not supported`);
  }
  const inputStage = stats.indexName
    ? {
        stage: 'IXSCAN',
        indexName: stats.indexName,
        keyPattern: ctx.state.engine.getCollection(ctx.db, collName)?.indexes.get(stats.indexName)?.spec.key,
      }
    : { stage: 'COLLSCAN' };
  const winningPlan = stats.indexName ? { stage: 'FETCH', inputStage } : inputStage;
  return {
    explainVersion: '1',
    queryPlanner: { namespace: `${ctx.db}.${collName}`, winningPlan, rejectedPlans: [] },
    executionStats: {
      executionSuccess: true,
      nReturned,
      totalDocsExamined: stats.docsExamined,
      totalKeysExamined: stats.indexName ? stats.docsExamined : 0,
      executionStages: winningPlan,
    },
    serverInfo: { host: ctx.me, version: SERVER_VERSION },
    command: inner,
  };
}

export const explainCommands: CommandTable = {
  explain: { run: explain },
};
