import { type Redis } from 'ioredis';
import { type Logger } from './logger';
import type * as Transport from './stream-transport';

type RawEntry = [id: string, fields: string[] | null];

/** Redis Streams: XADD, XGROUP CREATE, XREADGROUP on a dedicated blocking connection per reader, XAUTOCLAIM, XACK. */
export class RedisStreamTransport implements Transport.StreamTransport {
  private readonly command: Redis;
  private readonly readers = new Set<Redis>();

  constructor(
    private readonly connect: () => Redis,
    private readonly logger: Logger,
    private readonly maxStreamLength: number,
  ) {
    this.command = this.open('command');
  }

  private open(name: string): Redis {
    const conn = this.connect();
    conn.on('error', (err: Error) => this.logger.warn({ err, connection: name }, 'redis connection error'));
    return conn;
  }

  async append(entries: readonly { stream: string; fields: Record<string, string> }[]): Promise<void> {
    const pipeline = this.command.pipeline();
    for (const { stream, fields } of entries) {
      pipeline.xadd(stream, 'MAXLEN', '~', this.maxStreamLength, '*', ...Object.entries(fields).flat());
    }
    const results = (await pipeline.exec()) ?? [];
    const failure = results.find(([err]) => err);
    if (failure) throw failure[0];
  }

  async ensureGroup(stream: string, group: string, start: Transport.GroupStart): Promise<void> {
    try {
      await this.command.xgroup('CREATE', stream, group, start === 'new' ? '$' : '0', 'MKSTREAM');
    } catch (err) {
      if (!(err instanceof Error && err.message.startsWith('BUSYGROUP'))) throw err;
    }
  }

  openReader(name: string): Transport.StreamReader {
    const conn = this.open(`reader ${name}`);
    this.readers.add(conn);
    let clientId: number | null = null;
    conn.on('close', () => (clientId = null));
    return {
      readNew: async (group, consumer, streams, count, blockMs) => {
        if (streams.length === 0) {
          await new Promise((resolve) => setTimeout(resolve, Math.min(blockMs, 100)));
          return [];
        }
        clientId ??= Number(await conn.client('ID'));
        const reply = (await conn.xreadgroup(
          'GROUP',
          group,
          consumer,
          'COUNT',
          count,
          'BLOCK',
          blockMs,
          'STREAMS',
          ...streams,
          ...streams.map(() => '>'),
        )) as [stream: string, entries: RawEntry[]][] | null;
        const out: Transport.StreamEntry[] = [];
        for (const [stream, entries] of reply ?? []) {
          for (const raw of entries) out.push(toEntry(stream, raw));
        }
        return out;
      },
      interrupt: async () => {
        // CLIENT UNBLOCK ... TIMEOUT ends the wait as a timeout: nothing is delivered and lost.
        if (clientId !== null) await this.command.client('UNBLOCK', clientId, 'TIMEOUT');
      },
      close: async () => {
        this.readers.delete(conn);
        await conn.quit().catch(() => conn.disconnect());
      },
      kill: () => {
        this.readers.delete(conn);
        conn.disconnect();
      },
    };
  }

  async autoClaim({
    stream,
    group,
    consumer,
    minIdleMs,
    count,
    cursor,
  }: Transport.AutoClaimRequest): Promise<Transport.AutoClaimResult> {
    const [next, entries, deleted] = (await this.command.xautoclaim(
      stream,
      group,
      consumer,
      minIdleMs,
      cursor,
      'COUNT',
      count,
    )) as [string, RawEntry[], string[] | undefined];
    return {
      entries: entries.map((raw) => toEntry(stream, raw)),
      deleted: deleted ?? [],
      next: next === '0-0' ? null : next,
    };
  }

  async deliveryCount(stream: string, group: string, id: string): Promise<number> {
    const reply = (await this.command.xpending(stream, group, id, id, 1)) as [
      string,
      string,
      number,
      number,
    ][];
    return reply[0]?.[3] ?? 0;
  }

  async touch(stream: string, group: string, consumer: string, id: string): Promise<void> {
    await this.command.xclaim(stream, group, consumer, 0, id, 'JUSTID');
  }

  async ack(stream: string, group: string, id: string): Promise<void> {
    await this.command.xack(stream, group, id);
  }

  async deadLetter(
    stream: string,
    group: string,
    id: string,
    deadStream: string,
    fields: Record<string, string>,
  ): Promise<void> {
    const results = await this.command
      .multi()
      .xadd(deadStream, 'MAXLEN', '~', this.maxStreamLength, '*', ...Object.entries(fields).flat())
      .xack(stream, group, id)
      .exec();
    const failure = (results ?? []).find(([err]) => err);
    if (failure) throw failure[0];
  }

  async readLatest(stream: string, limit: number): Promise<{ id: string; fields: Record<string, string> }[]> {
    const reply = (await this.command.xrevrange(stream, '+', '-', 'COUNT', limit)) as RawEntry[];
    return reply.reverse().map(([id, fields]) => ({ id, fields: toFields(fields ?? []) }));
  }

  async pendingCount(stream: string, group: string): Promise<number> {
    const reply = (await this.command.xpending(stream, group)) as [number, ...unknown[]];
    return Number(reply[0]);
  }

  async backlog(stream: string, group: string): Promise<number> {
    let groups: unknown[][];
    try {
      groups = (await this.command.xinfo('GROUPS', stream)) as unknown[][];
    } catch (err) {
      if (err instanceof Error && err.message.includes('no such key')) return 0;
      throw err;
    }
    for (const flat of groups) {
      const info = new Map<string, unknown>();
      for (let i = 0; i + 1 < flat.length; i += 2) info.set(String(flat[i]), flat[i + 1]);
      if (info.get('name') !== group) continue;
      const pending = Number(info.get('pending') ?? 0);
      const lag = info.get('lag');
      if (typeof lag === 'number') return pending + lag;
      // Redis cannot tell the lag (entries were trimmed): compare the group's position with the stream's end.
      const stream_ = (await this.command.xinfo('STREAM', stream)) as unknown[];
      const last = stream_[stream_.indexOf('last-generated-id') + 1];
      return pending + (info.get('last-delivered-id') === last ? 0 : 1);
    }
    return 0;
  }

  async close(): Promise<void> {
    await Promise.all([...this.readers].map((r) => r.quit().catch(() => r.disconnect())));
    this.readers.clear();
    await this.command.quit().catch(() => this.command.disconnect());
  }

  kill(): void {
    for (const r of this.readers) r.disconnect();
    this.readers.clear();
    this.command.disconnect();
  }
}

function toEntry(stream: string, [id, fields]: RawEntry): Transport.StreamEntry {
  return { stream, id, fields: fields ? toFields(fields) : null };
}

function toFields(flat: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]!] = flat[i + 1]!;
  return out;
}
