/** The fields of the unique index a write collided with, or null when it was no duplicate-key error. */
export function duplicateKeyFields(error: unknown): string[] | null {
  if (typeof error !== 'object' || error === null) return null;
  const e = error as { code?: unknown; keyPattern?: unknown; keyValue?: unknown; writeErrors?: unknown };
  if (e.code !== 11000) return null;
  const pattern = (e.keyPattern ?? e.keyValue) as Record<string, unknown> | undefined;
  return pattern ? Object.keys(pattern) : [];
}
