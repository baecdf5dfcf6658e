// Where read commands get their documents: collections (through the planner) or read-only views
// (create with viewOn + pipeline), whose pipelines run over their source. Writes to views are refused.
import { cloneValue, type Doc } from '../bson/values';
import { ErrorCodes, fail } from '../errors';
import { matchingDocuments, type ScanStats } from '../query/executor';
import { compileFilter, type Matcher } from '../query/matcher';
import { newAggregator } from '../query/mingo-context';
import type { Collection } from '../storage/collection';
import type { CommandContext } from './context';

export const CommandNotSupportedOnView = 166;

export function isView(coll: Collection | undefined): boolean {
  return coll !== undefined && typeof coll.options.viewOn === 'string';
}

export function assertNotView(coll: Collection | undefined): void {
  if (coll && isView(coll))
    fail(CommandNotSupportedOnView, `Namespace ${coll.ns} is a view, not a collection`, {
      codeName: 'CommandNotSupportedOnView',
    });
}

/** Other collections of the database as $lookup, $unionWith and $graphLookup see them. */
function resolver(ctx: CommandContext): (name: string) => Doc[] {
  // Copies: stages after a join may rewrite joined documents in place, and stored versions are shared.
  return (name: string) => allDocuments(ctx, name).map(cloneValue);
}

export function runPipeline(ctx: CommandContext, source: Doc[], pipeline: Doc[], variables?: Doc): Doc[] {
  checkStageArguments(pipeline);
  try {
    // CLONE_INPUT (1): stages that rewrite documents in place must not touch stored versions.
    return newAggregator(pipeline, {
      collectionResolver: resolver(ctx),
      variables,
      processingMode: 1,
    } as never).run(source) as Doc[];
  } catch (err) {
    const message = (err as Error).message;
    const unknownStage = /^unregistered pipeline operator (\$\w+)/.exec(message);
    if (unknownStage)
      fail(40324, `Unrecognized pipeline stage name: '${unknownStage[1]}'`, { codeName: 'Location40324' });
    fail(ErrorCodes.BadValue, message);
  }
}

/** Stage arguments mongod rejects where mingo would quietly return nothing. */
function checkStageArguments(pipeline: Doc[]): void {
  for (const stage of pipeline) {
    if ('$limit' in stage) {
      const limit = stage.$limit;
      if (
        typeof limit !== 'number' &&
        typeof (limit as { valueOf?: () => unknown })?.valueOf?.() !== 'number'
      ) {
        fail(15957, 'the limit must be specified as a number', { codeName: 'Location15957' });
      }
      if (Number(limit) <= 0) fail(15958, 'the limit must be positive', { codeName: 'Location15958' });
    }
  }
}

export function allDocuments(ctx: CommandContext, name: string): Doc[] {
  return matchingSource(ctx, name, compileFilter({}));
}

/** Documents of a collection or view that match, as the command's transaction (if any) sees them. */
export function matchingSource(
  ctx: CommandContext,
  name: string,
  matcher: Matcher,
  stats?: ScanStats,
  depth = 0,
): Doc[] {
  const coll = ctx.state.engine.getCollection(ctx.db, name);
  if (!coll) return [];
  if (!isView(coll))
    return [...matchingDocuments(ctx.state.engine, coll, matcher, ctx.txn, stats)].map((m) => m.doc);
  if (depth > 20)
    fail(ErrorCodes.BadValue, 'View depth too deep or view cycle detected; maximum depth is 20');
  const source = matchingSource(ctx, String(coll.options.viewOn), compileFilter({}), stats, depth + 1);
  const pipeline = Array.isArray(coll.options.pipeline) ? (coll.options.pipeline as Doc[]) : [];
  const docs = pipeline.length > 0 ? runPipeline(ctx, source, pipeline) : source;
  return docs.filter((d) => matcher.test(d));
}
