// Routes a command to its handler after resolving its database, session and transaction, and turns the
// outcome into mongod's reply shape. Nothing a client sends may escape as an exception.
import { isPlainObject, type Doc } from '../bson/values';
import { ErrorCodes, MongoCommandError, fail, toCommandError } from '../errors';
import { transientError } from '../storage/engine';
import { aggregateCommands } from './aggregate';
import { bulkWriteCommands } from './bulk-write';
import { collectionCommands } from './collections';
import type { Client, CommandContext, CommandSpec, CommandTable, ServerState } from './context';
import { explainCommands } from './explain';
import { handshakeCommands } from './handshake';
import { indexCommands } from './indexes';
import { readCommands } from './read';
import { sessionCommands } from './sessions';
import { writeCommands } from './write';
import {
  checkTransactionStatementConcerns,
  unsatisfiedWriteConcern,
  validateWriteConcern,
} from './write-concern';

const commands: CommandTable = {
  ...handshakeCommands,
  ...readCommands,
  ...writeCommands,
  ...aggregateCommands,
  ...collectionCommands,
  ...indexCommands,
  ...sessionCommands,
  ...explainCommands,
  ...bulkWriteCommands,
};

export function commandNames(): string[] {
  return Object.keys(commands);
}

export async function dispatch(state: ServerState, cmd: Doc, client: Client, queryDb?: string): Promise<Doc> {
  // A fresh object either way (handlers' replies may be shared, e.g. a retryable write's cached one).
  // Copied with Object.assign, not a spread: adding fields to an object V8 built by spreading a
  // non-empty one takes microseconds each time (Node 20), which every reply but ping's paid.
  let reply: Doc;
  try {
    reply = Object.assign({}, await execute(state, cmd, client, queryDb));
    reply.ok = 1;
  } catch (err) {
    if (!(err instanceof MongoCommandError)) console.error('[mongo-server] command failed unexpectedly', err);
    reply = toCommandError(err).toReply();
  }
  // As a replica-set member: every reply, error or not, carries the cluster time and the operation's time.
  const operationTime = state.clock.observe(state.engine.now());
  reply.$clusterTime = state.clock.gossipOut();
  reply.operationTime = operationTime;
  return reply;
}

async function execute(state: ServerState, cmd: Doc, client: Client, queryDb?: string): Promise<Doc> {
  const name = Object.keys(cmd)[0];
  if (name === undefined) fail(ErrorCodes.FailedToParse, 'empty command object');
  const spec = commands[name.toLowerCase()];
  if (!spec) fail(ErrorCodes.CommandNotFound, `no such command: '${name}'`);
  const db = cmd.$db ?? queryDb;
  if (typeof db !== 'string' || db.length === 0)
    fail(40571, 'OP_MSG requests require a $db argument', { codeName: 'Location40571' });
  state.opcounters.command++;

  const ctx: CommandContext = {
    state,
    db,
    cmd,
    connectionId: client.id,
    me: client.me,
    session: undefined,
    txn: undefined,
  };
  if (cmd.lsid !== undefined) {
    if (!isPlainObject(cmd.lsid))
      fail(ErrorCodes.TypeMismatch, "BSON field 'lsid' is the wrong type, expected type 'object'");
    ctx.session = state.sessions.get(cmd.lsid);
  }
  const inTxn = cmd.autocommit !== undefined;
  const lower = name.toLowerCase();
  const endsTxn = lower === 'committransaction' || lower === 'aborttransaction';
  if (cmd.writeConcern !== undefined) validateWriteConcern(cmd.writeConcern);
  // Refused before the transaction is started or touched: mongod leaves it usable.
  if (inTxn && !endsTxn) checkTransactionStatementConcerns(cmd);
  state.clock.gossipIn(cmd.$clusterTime);
  state.clock.checkAfterClusterTime(cmd.readConcern);
  if (inTxn) resolveTransaction(ctx, name, spec);
  else if (cmd.txnNumber !== undefined && spec.retryable) {
    const cached = retryableWrite(ctx);
    if (cached) return cached;
  }

  let reply: Doc;
  try {
    reply = spec.writes ? await state.engine.atomically(() => spec.run(ctx)) : await spec.run(ctx);
  } catch (err) {
    // Any failed operation ends the transaction it ran in, as in mongod.
    if (
      ctx.txn &&
      ctx.txn.state === 'active' &&
      !['committransaction', 'aborttransaction'].includes(name.toLowerCase())
    ) {
      state.engine.abort(ctx.txn, toCommandError(err).message);
    }
    if (
      ctx.txn &&
      err instanceof MongoCommandError &&
      ctx.txn.state === 'aborted' &&
      !err.labels.includes('TransientTransactionError') &&
      err.code === ErrorCodes.WriteConflict
    ) {
      throw transientError(err.code, err.message);
    }
    throw err;
  }
  if (ctx.txn && Array.isArray(reply.writeErrors) && reply.writeErrors.length > 0)
    state.engine.abort(ctx.txn, 'write error in transaction');
  if (spec.writes && state.engine.sink) await state.engine.sink.flush();
  const wcError = spec.writes || endsTxn ? unsatisfiedWriteConcern(cmd.writeConcern) : undefined;
  if (wcError) reply = { ...reply, writeConcernError: wcError };
  if (!inTxn && cmd.txnNumber !== undefined && spec.retryable && ctx.session) {
    ctx.session.retryReplies.set(Number(cmd.txnNumber), reply);
    // Only the latest retryable write of a session can be retried by the driver.
    for (const k of ctx.session.retryReplies.keys())
      if (k < Number(cmd.txnNumber)) ctx.session.retryReplies.delete(k);
  }
  return reply;
}

function resolveTransaction(ctx: CommandContext, name: string, spec: CommandSpec): void {
  const { cmd, state } = ctx;
  const session = ctx.session;
  if (cmd.autocommit !== false) fail(ErrorCodes.InvalidOptions, 'autocommit can only be specified as false');
  if (!session || cmd.txnNumber === undefined)
    fail(
      ErrorCodes.InvalidOptions,
      'Transaction numbers are only allowed on a replica set member or mongos, together with a session id',
    );
  const txnNumber = Number(cmd.txnNumber);
  if (txnNumber < session.txnNumber) {
    fail(
      ErrorCodes.TransactionTooOld,
      `Cannot start transaction ${txnNumber} on session because a newer transaction ${session.txnNumber} has already started.`,
    );
  }
  const lower = name.toLowerCase();
  if (cmd.startTransaction === true) {
    if (txnNumber === session.txnNumber)
      fail(
        ErrorCodes.ConflictingOperationInProgress,
        `Transaction ${txnNumber} has already been started on this session.`,
      );
    if (session.txn) state.engine.abort(session.txn, 'superseded by a newer transaction');
    session.txnNumber = txnNumber;
    session.txnOutcome = undefined;
    session.txn = state.engine.beginTransaction();
    state.cursors.killForSession(session.key);
  } else if (txnNumber !== session.txnNumber) {
    throw transientError(
      ErrorCodes.NoSuchTransaction,
      `Given transaction number ${txnNumber} does not match any in-progress transactions. The active transaction number is ${session.txnNumber}`,
    );
  }
  if (lower === 'committransaction' || lower === 'aborttransaction') {
    ctx.txn = session.txn;
    return;
  }
  const txn = session.txn;
  if (!txn || txn.state !== 'active') {
    if (session.txnOutcome === 'committed')
      fail(ErrorCodes.TransactionCommitted, `Transaction ${txnNumber} has been committed.`);
    throw transientError(
      ErrorCodes.NoSuchTransaction,
      `Transaction ${txnNumber} has been aborted${txn?.abortReason ? `: ${txn.abortReason}` : ''}.`,
    );
  }
  if (!spec.inTransaction) {
    fail(
      ErrorCodes.OperationNotSupportedInTransaction,
      `Cannot run '${name}' in a multi-document transaction.`,
    );
  }
  ctx.txn = txn;
}

function retryableWrite(ctx: CommandContext): Doc | undefined {
  const session = ctx.session;
  if (!session) fail(ErrorCodes.InvalidOptions, 'Transaction numbers are only allowed with a session id');
  const txnNumber = Number(ctx.cmd.txnNumber);
  if (txnNumber < session.txnNumber)
    fail(
      ErrorCodes.TransactionTooOld,
      `Retryable write with txnNumber ${txnNumber} is prohibited on session because a newer retryable write with txnNumber ${session.txnNumber} has already started on this session.`,
    );
  const cached = session.retryReplies.get(txnNumber);
  if (cached) return cached;
  if (session.txn) ctx.state.engine.abort(session.txn, 'superseded by a retryable write');
  session.txn = undefined;
  session.txnNumber = txnNumber;
  return undefined;
}
