// Runs a filter against a collection as a given transaction (or the latest state) sees it, through the
// index the planner picks. Counts examined documents per collection so index use is observable.
import type { Doc } from '../bson/values';
import type { Collection } from '../storage/collection';
import type { StorageEngine } from '../storage/engine';
import type { Transaction } from '../storage/transaction';
import { compileFilter, type Matcher } from './matcher';
import { planQuery } from './planner';

export interface Match {
  key: string;
  doc: Doc;
}

export interface ScanStats {
  docsExamined: number;
  indexName: string | undefined;
}

export function* matchingDocuments(
  engine: StorageEngine,
  coll: Collection,
  matcher: Matcher,
  txn?: Transaction,
  stats?: ScanStats,
): Generator<Match> {
  const plan = planQuery(coll, matcher.filter);
  if (stats) stats.indexName = plan.indexName;
  let keys: Iterable<string>;
  if (plan.keys) {
    const extra = engine.snapshotExtraKeys(coll, txn);
    keys = extra.length > 0 ? new Set([...plan.keys, ...extra]) : plan.keys;
  } else {
    keys = engine.allKeys(coll, txn);
  }
  for (const key of keys) {
    const doc = engine.read(coll, key, txn);
    if (!doc) continue;
    coll.docsExamined++;
    if (stats) stats.docsExamined++;
    if (matcher.test(doc)) yield { key, doc };
  }
}

export function findAll(
  engine: StorageEngine,
  coll: Collection | undefined,
  filter: unknown,
  txn?: Transaction,
  stats?: ScanStats,
): Match[] {
  if (!coll) return [];
  return [...matchingDocuments(engine, coll, compileFilter(filter), txn, stats)];
}
