// Argument parsing helpers shared by the command modules; errors match mongod's IDL messages.
import { evaluateLet } from '../query/mingo-context';
import { queryError } from '../query/matcher';
import { isPlainObject, toNumber, isNumeric, valuesEqual, type Doc } from '../bson/values';
import { ErrorCodes, fail } from '../errors';
import type { Collection } from '../storage/collection';
import type { Transaction } from '../storage/transaction';
import type { CommandContext } from './context';

export function collectionName(ctx: CommandContext, field: string): string {
  const name = ctx.cmd[field];
  if (typeof name !== 'string')
    fail(ErrorCodes.InvalidNamespace, `collection name has invalid type ${typeof name}`);
  if (name.length === 0) fail(ErrorCodes.InvalidNamespace, `Invalid namespace specified '${ctx.db}.'`);
  return name;
}

export function optionalDoc(cmd: Doc, field: string): Doc | undefined {
  const v = cmd[field];
  if (v === undefined || v === null) return undefined;
  if (!isPlainObject(v))
    fail(ErrorCodes.TypeMismatch, `BSON field '${field}' is the wrong type, expected type 'object'`);
  return v;
}

export function optionalInt(cmd: Doc, field: string): number | undefined {
  const v = cmd[field];
  if (v === undefined || v === null) return undefined;
  if (!isNumeric(v))
    fail(ErrorCodes.TypeMismatch, `BSON field '${field}' is the wrong type, expected a number`);
  return Math.trunc(toNumber(v));
}

export function nonNegativeInt(cmd: Doc, field: string): number | undefined {
  const v = optionalInt(cmd, field);
  if (v !== undefined && v < 0)
    fail(ErrorCodes.BadValue, `${field} value must be non-negative, but received: ${v}`);
  return v;
}

export function docArray(cmd: Doc, field: string): Doc[] {
  const v = cmd[field];
  if (!Array.isArray(v))
    fail(ErrorCodes.TypeMismatch, `BSON field '${field}' is the wrong type, expected type 'array'`);
  for (const d of v)
    if (!isPlainObject(d))
      fail(
        ErrorCodes.TypeMismatch,
        `BSON field '${field}' element is the wrong type, expected type 'object'`,
      );
  return v as Doc[];
}

/**
 * A hint names an existing index, by name or by key pattern, or is {$natural: 1|-1}. mongod
 * answers anything else with BadValue; the hint itself only steers its planner, so a valid one
 * changes nothing here.
 */
export function checkHint(coll: Collection | undefined, hint: unknown): void {
  if (hint === undefined || hint === null || !coll) return;
  const indexes = [...coll.indexes.values()];
  let known: boolean;
  if (typeof hint === 'string') known = indexes.some((index) => index.name === hint);
  else if (isPlainObject(hint)) {
    const keys = Object.keys(hint);
    known =
      keys.length === 0 ||
      (keys.length === 1 && keys[0] === '$natural') ||
      indexes.some((index) => sameKeyPattern(index.spec.key, hint));
  } else {
    fail(ErrorCodes.FailedToParse, 'hint must be either a string or nested object');
  }
  if (!known) fail(ErrorCodes.BadValue, 'hint provided does not correspond to an existing index');
}

function sameKeyPattern(a: Doc, b: Doc): boolean {
  const aKeys = Object.keys(a);
  const bKeys = Object.keys(b);
  return (
    aKeys.length === bKeys.length && aKeys.every((key, i) => key === bKeys[i] && valuesEqual(a[key], b[key]))
  );
}

export function getCollection(ctx: CommandContext, name: string): Collection | undefined {
  return ctx.state.engine.getCollection(ctx.db, name);
}

export function ns(ctx: CommandContext, name: string): string {
  return `${ctx.db}.${name}`;
}

/**
 * The transaction a write outside transactions must wait for: the one holding the document, or one
 * whose uncommitted writes hold a unique key the new version (`doc`) would take.
 */
export function writeBlocker(
  ctx: CommandContext,
  coll: Collection,
  key: string,
  doc?: Doc,
): Transaction | undefined {
  if (ctx.txn) return undefined;
  const engine = ctx.state.engine;
  return engine.lockHolder(coll, key) ?? (doc ? engine.uniqueKeyHolder(coll, doc) : undefined);
}

/** Waits (only if needed: an await would let other commands interleave) until nothing blocks the write. */
export async function waitForLock(
  ctx: CommandContext,
  coll: Collection,
  key: string,
  doc?: Doc,
): Promise<void> {
  for (let holder = writeBlocker(ctx, coll, key, doc); holder; holder = writeBlocker(ctx, coll, key, doc)) {
    await holder.done;
  }
}

/** The command's `let` variables, evaluated. */
export function letVariables(cmd: Doc): Doc | undefined {
  const raw = optionalDoc(cmd, 'let');
  if (!raw) return undefined;
  try {
    return evaluateLet(raw);
  } catch (err) {
    queryError(err);
  }
}
