// writeConcern as a one-member replica set answers it. Inside a transaction only commitTransaction and
// abortTransaction may carry one; a statement that does is refused before it touches the transaction. A
// writeConcern no single member can meet (w: 5, an unknown tag) does not undo the write: like mongod, the
// reply reports it in `writeConcernError` with the codes drivers classify (100 and 79 are not "unknown
// commit result", so withTransaction surfaces them rather than retrying).
import { isPlainObject, type Doc } from '../bson/values';
import { ErrorCodes, fail } from '../errors';

/** Syntax checks mongod makes before running the command. */
export function validateWriteConcern(wc: unknown): void {
  if (!isPlainObject(wc)) fail(ErrorCodes.FailedToParse, "BSON field 'writeConcern' is the wrong type");
  const w = wc.w;
  if (w === undefined || typeof w === 'string') return;
  if (typeof w !== 'number' || !Number.isInteger(w) || w < 0 || w > 50)
    fail(
      ErrorCodes.FailedToParse,
      `w has to be a non-negative number and not greater than 50; found: ${String(w)}`,
    );
}

/** Refuses a readConcern or writeConcern on a statement inside a transaction (mongod's InvalidOptions). */
export function checkTransactionStatementConcerns(cmd: Doc): void {
  if (cmd.writeConcern !== undefined)
    fail(ErrorCodes.InvalidOptions, 'Cannot set write concern after starting a transaction.');
  if (cmd.readConcern !== undefined && cmd.startTransaction !== true)
    fail(ErrorCodes.InvalidOptions, 'Only the first command in a transaction may specify a readConcern');
}

/** The writeConcernError for a write that is applied but cannot be acknowledged as asked. */
export function unsatisfiedWriteConcern(wc: unknown): Doc | undefined {
  if (!isPlainObject(wc)) return undefined;
  const w = wc.w;
  const errInfo = {
    writeConcern: {
      w,
      wtimeout: typeof wc.wtimeout === 'number' ? wc.wtimeout : 0,
      provenance: 'clientSupplied',
    },
  };
  if (typeof w === 'number' && w > 1)
    return {
      code: ErrorCodes.UnsatisfiableWriteConcern,
      codeName: 'UnsatisfiableWriteConcern',
      errmsg: 'Not enough data-bearing nodes',
      errInfo,
    };
  if (typeof w === 'string' && w !== 'majority')
    return {
      code: ErrorCodes.UnknownReplWriteConcern,
      codeName: 'UnknownReplWriteConcern',
      errmsg: `No write concern mode named '${w}' found in replica set configuration`,
      errInfo,
    };
  return undefined;
}
