/**
 * The log-with-consumer-groups primitives both buses are built on: Redis Streams for real, an
 * in-memory model of the same for the all-in-one mode. Keeping the consumer logic (retries, claim,
 * dead letters, metrics) above this seam is what gives both buses the same semantics.
 */
export interface StreamEntry {
  stream: string;
  id: string;
  /** null when the entry was trimmed from the stream while still pending. */
  fields: Record<string, string> | null;
}

/**
 * XAUTOCLAIM's question: the entries of `stream` pending in `group` for at least `minIdleMs` pass to
 * `consumer`, up to `count` of them from `cursor` ('0-0' to start).
 */
export interface AutoClaimRequest {
  stream: string;
  group: string;
  consumer: string;
  minIdleMs: number;
  count: number;
  cursor: string;
}

export interface AutoClaimResult {
  entries: StreamEntry[];
  /** Pending ids whose entries no longer exist; the transport has already dropped them. */
  deleted: string[];
  /** Cursor for the next call, or null when the pending list has been scanned. */
  next: string | null;
}

/** Where a new consumer group starts: the whole retained stream, or only entries appended later. */
export type GroupStart = 'beginning' | 'new';

export interface StreamReader {
  /** Entries never delivered to the group; waits up to blockMs (> 0) for some. */
  readNew(
    group: string,
    consumer: string,
    streams: readonly string[],
    count: number,
    blockMs: number,
  ): Promise<StreamEntry[]>;
  /** Makes a waiting readNew return early with what it has (nothing). */
  interrupt(): Promise<void>;
  close(): Promise<void>;
  /** Drops the reader without any goodbye, like a crashed process. */
  kill(): void;
}

export interface StreamTransport {
  append(entries: readonly { stream: string; fields: Record<string, string> }[]): Promise<void>;
  ensureGroup(stream: string, group: string, start: GroupStart): Promise<void>;
  openReader(name: string): StreamReader;
  autoClaim(request: AutoClaimRequest): Promise<AutoClaimResult>;
  /** How many times the pending entry was delivered; 0 if it is not pending. */
  deliveryCount(stream: string, group: string, id: string): Promise<number>;
  /** Resets the entry's idle time so that nobody claims it while a handler still works on it. */
  touch(stream: string, group: string, consumer: string, id: string): Promise<void>;
  ack(stream: string, group: string, id: string): Promise<void>;
  /** Appends to the dead-letter stream and acknowledges the original, atomically. */
  deadLetter(
    stream: string,
    group: string,
    id: string,
    deadStream: string,
    fields: Record<string, string>,
  ): Promise<void>;
  readLatest(stream: string, limit: number): Promise<{ id: string; fields: Record<string, string> }[]>;
  pendingCount(stream: string, group: string): Promise<number>;
  /** Entries the group has not finished: never delivered, or delivered and not acknowledged. */
  backlog(stream: string, group: string): Promise<number>;
  close(): Promise<void>;
  kill(): void;
}
