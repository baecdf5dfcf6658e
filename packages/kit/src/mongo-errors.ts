import { isDuplicateKeyError } from '@novamart/events';

/**
 * The one way to recognise a duplicate key (E11000: a unique index refused a second document with
 * the same key). The events package owns the predicate because its idempotent consumer needs it
 * and cannot depend on the kit; subgraphs import both from here.
 */
export { isDuplicateKeyError };

export interface DuplicateKey {
  /** Collection name without the database, when the server says (mongod does, in errmsg). */
  collection: string | null;
  /** Fields of the unique index the write collided with. */
  fields: string[];
}

/**
 * Reads a duplicate-key error, or returns null for anything else: for callers that must tell
 * which unique index refused the write. Inside a transaction it may come from the write itself or,
 * on the embedded server, from the commit.
 */
export function duplicateKey(error: unknown): DuplicateKey | null {
  if (!isDuplicateKeyError(error)) return null;
  const e = error as { keyPattern?: unknown; keyValue?: unknown; errmsg?: unknown; message?: unknown };
  const pattern = (e.keyPattern ?? e.keyValue) as Record<string, unknown> | undefined;
  const text = typeof e.errmsg === 'string' ? e.errmsg : typeof e.message === 'string' ? e.message : '';
  const match = /collection: [^.\s]+\.(\S+)/.exec(text);
  return { collection: match?.[1] ?? null, fields: pattern ? Object.keys(pattern) : [] };
}
