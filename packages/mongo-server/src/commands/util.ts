// Argument parsing helpers shared by the command modules; errors match mongod's IDL messages.
import { evaluateLet } from '../query/mingo-context';
import { queryError } from '../query/matcher';
import { isPlainObject, toNumber, isNumeric, type Doc } from '../bson/values';
import { ErrorCodes, fail } from '../errors';
import type { Collection } from '../storage/collection';
import type { CommandContext } from './context';

export function collectionName(ctx: CommandContext, field: string): string {
  const name = ctx.cmd[field];
  if (typeof name !== 'string') fail(ErrorCodes.InvalidNamespace, `collection name has invalid type ${typeof name}`);
  if (name.length === 0) fail(ErrorCodes.InvalidNamespace, `Invalid namespace specified '${ctx.db}.'`);
  return name;
}

export function optionalDoc(cmd: Doc, field: string): Doc | undefined {
  const v = cmd[field];
  if (v === undefined || v === null) return undefined;
  if (!isPlainObject(v)) fail(ErrorCodes.TypeMismatch, `BSON field '${field}' is the wrong type, expected type 'object'`);
  return v;
}

export function optionalInt(cmd: Doc, field: string): number | undefined {
  const v = cmd[field];
  if (v === undefined || v === null) return undefined;
  if (!isNumeric(v)) fail(ErrorCodes.TypeMismatch, `BSON field '${field}' is the wrong type, expected a number`);
  return Math.trunc(toNumber(v));
}

export function nonNegativeInt(cmd: Doc, field: string): number | undefined {
  const v = optionalInt(cmd, field);
  if (v !== undefined && v < 0) fail(ErrorCodes.BadValue, `${field} value must be non-negative, but received: ${v}`);
  return v;
}

export function docArray(cmd: Doc, field: string): Doc[] {
  const v = cmd[field];
  if (!Array.isArray(v)) fail(ErrorCodes.TypeMismatch, `BSON field '${field}' is the wrong type, expected type 'array'`);
  for (const d of v) if (!isPlainObject(d)) fail(ErrorCodes.TypeMismatch, `BSON field '${field}' element is the wrong type, expected type 'object'`);
  return v as Doc[];
}

export function getCollection(ctx: CommandContext, name: string): Collection | undefined {
  return ctx.state.engine.getCollection(ctx.db, name);
}

export function ns(ctx: CommandContext, name: string): string {
  return `${ctx.db}.${name}`;
}

/** Outside transactions, a write to a document a transaction holds waits for that transaction to end. */
export async function waitForLock(ctx: CommandContext, coll: Collection, key: string): Promise<void> {
  if (ctx.txn) return;
  for (let holder = ctx.state.engine.lockHolder(coll, key); holder; holder = ctx.state.engine.lockHolder(coll, key)) {
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
