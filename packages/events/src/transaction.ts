import { type ClientSession, type Connection } from 'mongoose';

/** How long a transaction keeps being retried, as the drivers' `withTransaction` does. */
const RETRY_DEADLINE_MS = 120_000;

function hasLabel(error: unknown, label: string): boolean {
  const e = error as {
    hasErrorLabel?: (l: string) => boolean;
    errorLabels?: string[];
    errorLabelSet?: Set<string>;
  } | null;
  return Boolean(
    e?.hasErrorLabel?.(label) || e?.errorLabels?.includes(label) || e?.errorLabelSet?.has(label),
  );
}

/** A write conflict or a lost primary: running the whole transaction again can succeed. */
export function isTransientTransactionError(error: unknown): boolean {
  return hasLabel(error, 'TransientTransactionError') || (error as { code?: number } | null)?.code === 112;
}

/**
 * Full-jitter exponential backoff: 2, 4, 8 ... ms, capped at 500, each drawn uniformly below the
 * cap. Without it, writers racing for one hot document (a stock item) retry in lockstep and
 * conflict again, which turns a burst into a retry storm.
 */
export function transactionBackoffMs(attempt: number): number {
  return Math.random() * Math.min(500, 2 ** attempt);
}

/**
 * Runs `fn` in a MongoDB transaction, retrying the whole transaction on transient errors with
 * jittered backoff and the commit alone on an unknown commit result, until two minutes have passed.
 * `fn` may run more than once, so it must not have effects outside the session.
 */
export async function runTransaction<T>(
  conn: Connection,
  fn: (session: ClientSession) => Promise<T>,
): Promise<T> {
  const deadline = Date.now() + RETRY_DEADLINE_MS;
  const session = await conn.startSession();
  try {
    for (let attempt = 1; ; attempt++) {
      session.startTransaction();
      let value: T;
      try {
        value = await fn(session);
      } catch (error) {
        if (session.inTransaction()) await session.abortTransaction().catch(() => undefined);
        if (isTransientTransactionError(error) && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, transactionBackoffMs(attempt)));
          continue;
        }
        throw error;
      }
      const committed = await commit(session, deadline);
      if (committed) return value;
      await new Promise((resolve) => setTimeout(resolve, transactionBackoffMs(attempt)));
    }
  } finally {
    await session.endSession();
  }
}

/** True once committed; false when the transaction must run again; throws otherwise. */
async function commit(session: ClientSession, deadline: number): Promise<boolean> {
  for (;;) {
    try {
      await session.commitTransaction();
      return true;
    } catch (error) {
      // The commit may or may not have applied; committing again is safe and tells.
      if (hasLabel(error, 'UnknownTransactionCommitResult') && Date.now() < deadline) continue;
      if (isTransientTransactionError(error) && Date.now() < deadline) return false;
      throw error;
    }
  }
}
