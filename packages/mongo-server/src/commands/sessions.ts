// Session and transaction commands. Transaction state itself is attached to the command context by the
// dispatcher; these commands end it.
import { ErrorCodes, fail } from '../errors';
import { transientError } from '../storage/engine';
import type { CommandContext, CommandTable } from './context';

function commitTransaction(ctx: CommandContext) {
  const session = ctx.session;
  if (!session) fail(ErrorCodes.InvalidOptions, 'commitTransaction must be run within a session');
  const txnNumber = Number(ctx.cmd.txnNumber);
  if (txnNumber === session.txnNumber && session.txnOutcome === 'committed') return {};
  const txn = ctx.txn;
  if (!txn || txnNumber !== session.txnNumber)
    throw transientError(
      ErrorCodes.NoSuchTransaction,
      `Transaction with { txnNumber: ${txnNumber} } has been aborted.`,
    );
  try {
    ctx.state.engine.commit(txn);
  } finally {
    session.txn = undefined;
    session.txnOutcome = txn.state === 'committed' ? 'committed' : 'aborted';
  }
  return {};
}

function abortTransaction(ctx: CommandContext) {
  const session = ctx.session;
  if (!session) fail(ErrorCodes.InvalidOptions, 'abortTransaction must be run within a session');
  const txnNumber = Number(ctx.cmd.txnNumber);
  if (txnNumber === session.txnNumber && session.txnOutcome === 'committed') {
    fail(ErrorCodes.TransactionCommitted, `Transaction with { txnNumber: ${txnNumber} } has been committed.`);
  }
  const txn = ctx.txn;
  if (!txn || txnNumber !== session.txnNumber)
    throw transientError(
      ErrorCodes.NoSuchTransaction,
      `Transaction with { txnNumber: ${txnNumber} } has been aborted.`,
    );
  ctx.state.engine.abort(txn, 'aborted by client');
  session.txn = undefined;
  session.txnOutcome = 'aborted';
  return {};
}

export const sessionCommands: CommandTable = {
  committransaction: { run: commitTransaction, inTransaction: true, writes: true },
  aborttransaction: { run: abortTransaction, inTransaction: true },
  endsessions: {
    run(ctx) {
      const ids = ctx.cmd.endSessions;
      if (Array.isArray(ids)) for (const lsid of ids) ctx.state.sessions.end(lsid);
      return {};
    },
  },
  killsessions: {
    run(ctx) {
      const ids = ctx.cmd.killSessions;
      if (Array.isArray(ids)) for (const lsid of ids) ctx.state.sessions.end(lsid);
      return {};
    },
  },
  killallsessions: {
    run(ctx) {
      ctx.state.sessions.endAll();
      return {};
    },
  },
  refreshsessions: { run: () => ({}) },
  startsession: { run: () => fail(ErrorCodes.IllegalOperation, 'startSession is handled by the driver') },
};
