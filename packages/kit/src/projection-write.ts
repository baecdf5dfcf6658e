import { type Model, type UpdateQuery } from 'mongoose';
import { isDuplicateKeyError } from './mongo-errors';

/** The stamp a projection row keeps per kind of fact: a write applies only when it is newer. */
export interface ProjectionStamp {
  /** The row's field holding the stamp, e.g. `stockAt` or `revision`. */
  field: string;
  /** The stamp of the write (an event's time, a revision). */
  value: Date | number;
  /**
   * `true`: a write with the same stamp applies again (a redelivered event rewrites the same
   * values). `false`: the same stamp is a repeat and is not applied.
   */
  sameApplies: boolean;
}

/**
 * Writes one projection row (upserting it) unless it holds a newer stamp, in ONE command: an
 * upsert filtered on the stamp. When the row holds a newer stamp the filter matches nothing and
 * the upsert's insert collides on `_id`; that collision, seen against an existing row, is the
 * answer "not applied". A find then
 * an update would cost two commands, and inside a transaction twice the write-conflict window.
 *
 * Outside transactions only: a failed statement aborts the transaction it runs in, and this write
 * relies on one failing. It is idempotent by the stamp, so event handlers that use it can run as
 * direct consumers (`idempotentBy`), without an idempotency record or a transaction.
 *
 * Returns whether the write applied.
 */
export async function upsertIfNewer<T>(
  model: Model<T>,
  id: string,
  stamp: ProjectionStamp,
  update: UpdateQuery<T>,
): Promise<boolean> {
  const outcome = await unlessNewer(id, stamp, (filter) =>
    model.updateOne(filter as never, update, { upsert: true, timestamps: false }).exec(),
  );
  return outcome !== NOT_APPLIED;
}

/**
 * `upsertIfNewer` answering the row as the write left it (null: not applied, the row holds a
 * newer stamp), in the same one command: for a command that decides on the row next.
 */
export async function upsertIfNewerReturning<T>(
  model: Model<T>,
  id: string,
  stamp: ProjectionStamp,
  update: UpdateQuery<T>,
): Promise<T | null> {
  const outcome = await unlessNewer(id, stamp, (filter) =>
    model
      .findOneAndUpdate(filter as never, update, { upsert: true, timestamps: false, returnDocument: 'after' })
      .lean<T>()
      .exec(),
  );
  return outcome === NOT_APPLIED ? null : (outcome as T);
}

const NOT_APPLIED = Symbol('not applied');

/** Runs `upsert` with the filter "this row, unless its stamp is newer"; NOT_APPLIED when it is. */
async function unlessNewer<R>(
  id: string,
  stamp: ProjectionStamp,
  upsert: (filter: Record<string, unknown>) => Promise<R>,
): Promise<R | typeof NOT_APPLIED> {
  const older = stamp.sameApplies ? { $lte: stamp.value } : { $lt: stamp.value };
  const filter = { _id: id, $or: [{ [stamp.field]: null }, { [stamp.field]: older }] };
  // Twice at most: two upserts of a missing row can both find nothing and both insert; the one that
  // collides tries again against the row that now exists, where a collision means "older".
  for (let attempt = 1; ; attempt++) {
    try {
      return await upsert(filter);
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      if (attempt === 2) return NOT_APPLIED;
    }
  }
}

/**
 * Runs an upsert once more when it collides on a unique key: of concurrent first upserts of a row
 * not there yet, all but one fail on its `_id`, and the write run again finds the row and applies
 * its own rule to it (newest wins, set on insert, ...).
 */
export async function upsertRacing<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    return write();
  }
}
