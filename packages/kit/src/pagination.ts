import { badUserInput } from './errors';

export interface PageInfo {
  hasNextPage: boolean;
  endCursor: string | null;
}
export interface Edge<T> {
  cursor: string;
  node: T;
}
export interface Connection<T> {
  edges: Edge<T>[];
  pageInfo: PageInfo;
}

/** An opaque cursor: base64url of the JSON position. Clients must not rely on what is inside. */
export function encodeCursor(position: unknown): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

/** Reads a cursor made by `encodeCursor`; a malformed one is BAD_USER_INPUT on `field`. */
export function decodeCursor<T = unknown>(cursor: string, field = 'after'): T {
  try {
    if (!/^[A-Za-z0-9_-]*$/.test(cursor)) throw new Error('not base64url');
    return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as T;
  } catch {
    throw badUserInput('Invalid cursor', field);
  }
}

export interface PageArgsInput {
  first?: number | null;
  after?: string | null;
}
export interface PageArgsOptions {
  /** Largest page a client may ask for. */
  max?: number;
  /** Page size when `first` is omitted. */
  defaultFirst?: number;
}
export interface PageArgs<P> {
  first: number;
  /** The decoded `after` cursor, or null for the first page. */
  after: P | null;
}

/**
 * How many items a list's `first` argument asks for: `defaultFirst` when omitted, else within
 * 1..max (BAD_USER_INPUT on `first`). For a connection and for a plain list alike.
 */
export function firstArg(first: number | null | undefined, options: PageArgsOptions = {}): number {
  const max = options.max ?? 100;
  const n = first ?? Math.min(options.defaultFirst ?? 20, max);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw badUserInput(`first must be between 1 and ${max}`, 'first', { max });
  }
  return n;
}

/** Validates Relay arguments: `first` as `firstArg` takes it, `after` decoded. */
export function pageArgs<P = unknown>(args: PageArgsInput, options: PageArgsOptions = {}): PageArgs<P> {
  const first = firstArg(args.first, options);
  const after = args.after == null ? null : decodeCursor<P>(args.after, 'after');
  return { first, after };
}

/**
 * Builds a connection from rows fetched with `limit(first + 1)`: the extra row only tells
 * whether another page exists.
 */
export function toConnection<T>(
  rows: readonly T[],
  first: number,
  cursorOf: (row: T) => unknown,
): Connection<T> {
  const page = rows.slice(0, first);
  const edges = page.map((node) => ({ cursor: encodeCursor(cursorOf(node)), node }));
  return {
    edges,
    pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null },
  };
}
