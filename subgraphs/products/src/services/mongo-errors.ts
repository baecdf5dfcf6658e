export interface DuplicateKey {
  /** Collection name without the database, when the server says (mongod does, in errmsg). */
  collection: string | null;
  /** Fields of the unique index the write collided with. */
  fields: string[];
}

/**
 * Reads a duplicate-key error (code 11000), or returns null for anything else. Inside a
 * transaction it may come from the write itself or, on the embedded server, from the commit.
 */
export function duplicateKey(error: unknown): DuplicateKey | null {
  if (typeof error !== 'object' || error === null) return null;
  const e = error as {
    code?: unknown;
    keyPattern?: unknown;
    keyValue?: unknown;
    errmsg?: unknown;
    message?: unknown;
  };
  if (e.code !== 11000) return null;
  const pattern = (e.keyPattern ?? e.keyValue) as Record<string, unknown> | undefined;
  const text = typeof e.errmsg === 'string' ? e.errmsg : typeof e.message === 'string' ? e.message : '';
  const match = /collection: [^.\s]+\.(\S+)/.exec(text);
  return { collection: match?.[1] ?? null, fields: pattern ? Object.keys(pattern) : [] };
}
