// Server-side cursors: results are materialised at open (stored documents are immutable, so this is a
// consistent snapshot) and handed out in batches bounded by count and by reply size.
import { calculateObjectSize, Long } from 'bson';
import type { Doc } from './bson/values';
import { ErrorCodes, fail } from './errors';
import { MAX_BSON_OBJECT_SIZE } from './wire/messages';

export const DEFAULT_FIRST_BATCH = 101;
/** Room left in a 16 MiB reply for the cursor envelope. */
const MAX_BATCH_BYTES = MAX_BSON_OBJECT_SIZE - 64 * 1024;

export interface ServerCursor {
  id: number;
  ns: string;
  docs: Doc[];
  position: number;
  lastUsed: number;
  sessionKey: string | undefined;
}

export class CursorManager {
  private readonly cursors = new Map<number, ServerCursor>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly idleTimeoutMs = 10 * 60_000) {
    this.timer = setInterval(() => this.reapIdle(), Math.min(60_000, idleTimeoutMs));
    this.timer.unref();
  }

  /**
   * Takes the first batch and keeps a cursor only if documents remain. A batchSize of 0 asks for
   * an open cursor and an empty first batch, as mongod answers it; the documents come by getMore.
   */
  open(
    ns: string,
    docs: Doc[],
    batchSize: number | undefined,
    singleBatch: boolean,
    sessionKey?: string,
  ): { batch: Doc[]; id: Long } {
    const cursor: ServerCursor = { id: 0, ns, docs, position: 0, lastUsed: Date.now(), sessionKey };
    const deferred = batchSize === 0 && !singleBatch;
    const batch = deferred ? [] : this.take(cursor, batchSize ?? DEFAULT_FIRST_BATCH);
    if (singleBatch || (!deferred && cursor.position >= docs.length)) return { batch, id: Long.ZERO };
    cursor.id = this.newId();
    this.cursors.set(cursor.id, cursor);
    return { batch, id: Long.fromNumber(cursor.id) };
  }

  getMore(id: number, ns: string, batchSize: number | undefined): { batch: Doc[]; id: Long } {
    const cursor = this.cursors.get(id);
    if (!cursor) fail(ErrorCodes.CursorNotFound, `cursor id ${id} not found`);
    if (cursor.ns !== ns)
      fail(
        ErrorCodes.Unauthorized,
        `Requested getMore on namespace '${ns}', but cursor belongs to a different namespace ${cursor.ns}`,
      );
    cursor.lastUsed = Date.now();
    const batch = this.take(cursor, batchSize ?? Number.MAX_SAFE_INTEGER);
    if (cursor.position >= cursor.docs.length) {
      this.cursors.delete(id);
      return { batch, id: Long.ZERO };
    }
    return { batch, id: Long.fromNumber(id) };
  }

  kill(id: number): boolean {
    return this.cursors.delete(id);
  }

  killForSession(sessionKey: string): void {
    for (const [id, c] of this.cursors) if (c.sessionKey === sessionKey) this.cursors.delete(id);
  }

  get openCount(): number {
    return this.cursors.size;
  }

  close(): void {
    clearInterval(this.timer);
    this.cursors.clear();
  }

  private take(cursor: ServerCursor, batchSize: number): Doc[] {
    const out: Doc[] = [];
    let bytes = 0;
    const limit = batchSize <= 0 ? Number.MAX_SAFE_INTEGER : batchSize;
    while (out.length < limit && cursor.position < cursor.docs.length) {
      const doc = cursor.docs[cursor.position] as Doc;
      const size = calculateObjectSize(doc, { ignoreUndefined: true });
      if (out.length > 0 && bytes + size > MAX_BATCH_BYTES) break;
      out.push(doc);
      bytes += size;
      cursor.position++;
    }
    return out;
  }

  private newId(): number {
    // Ids stay below 2^53 so they survive the driver's Long -> number promotion exactly.
    let id: number;
    do id = Math.floor(Math.random() * (Number.MAX_SAFE_INTEGER - 1)) + 1;
    while (this.cursors.has(id));
    return id;
  }

  private reapIdle(): void {
    const cutoff = Date.now() - this.idleTimeoutMs;
    for (const [id, c] of this.cursors) if (c.lastUsed < cutoff) this.cursors.delete(id);
  }
}
