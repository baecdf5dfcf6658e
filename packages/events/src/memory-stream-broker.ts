import {
  type AutoClaimRequest,
  type AutoClaimResult,
  type GroupStart,
  type StreamEntry,
  type StreamReader,
  type StreamTransport,
} from './stream-transport';
import { WakeableSleep } from './wakeable-sleep';

interface StoredEntry {
  seq: number;
  fields: Record<string, string>;
}

interface PendingEntry {
  consumer: string;
  deliveredAt: number;
  deliveries: number;
}

interface MemoryGroup {
  lastDelivered: number;
  pending: Map<number, PendingEntry>;
}

class MemoryStream {
  /** Oldest first; `entries[i].seq === firstSeq + i`. */
  entries: StoredEntry[] = [];
  firstSeq = 1;
  nextSeq = 1;
  groups = new Map<string, MemoryGroup>();

  get(seq: number): StoredEntry | undefined {
    return this.entries[seq - this.firstSeq];
  }
}

/**
 * An in-memory model of Redis Streams consumer groups (pending lists, delivery counts, claims), so
 * that the in-process bus behaves like the Redis one. Several `InProcessBus` instances sharing a
 * broker behave like several processes sharing a Redis.
 */
export class MemoryStreamBroker implements StreamTransport {
  private readonly streams = new Map<string, MemoryStream>();
  private readonly waiters = new Set<() => void>();

  /** @param maxLength entries kept per stream (oldest trimmed first, like XADD MAXLEN). */
  constructor(private readonly maxLength = 10_000) {}

  private stream(name: string): MemoryStream {
    let stream = this.streams.get(name);
    if (!stream) {
      stream = new MemoryStream();
      this.streams.set(name, stream);
    }
    return stream;
  }

  private group(stream: string, group: string): MemoryGroup {
    const g = this.streams.get(stream)?.groups.get(group);
    if (!g) throw new Error(`NOGROUP No such consumer group '${group}' for stream '${stream}'`);
    return g;
  }

  async append(entries: readonly { stream: string; fields: Record<string, string> }[]): Promise<void> {
    for (const { stream: name, fields } of entries) {
      const stream = this.stream(name);
      stream.entries.push({ seq: stream.nextSeq++, fields: { ...fields } });
      while (stream.entries.length > this.maxLength) {
        stream.entries.shift();
        stream.firstSeq++;
      }
    }
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const wake of waiters) wake();
  }

  async ensureGroup(name: string, group: string, start: GroupStart): Promise<void> {
    const stream = this.stream(name);
    if (!stream.groups.has(group)) {
      stream.groups.set(group, {
        lastDelivered: start === 'new' ? stream.nextSeq - 1 : 0,
        pending: new Map(),
      });
    }
  }

  openReader(): StreamReader {
    const pause = new WakeableSleep();
    let dead = false;
    const readOnce = (
      group: string,
      consumer: string,
      streams: readonly string[],
      count: number,
    ): StreamEntry[] => {
      const out: StreamEntry[] = [];
      for (const name of streams) {
        const stream = this.stream(name);
        const g = this.group(name, group);
        for (
          let seq = Math.max(g.lastDelivered + 1, stream.firstSeq);
          seq < stream.nextSeq && out.length < count;
          seq++
        ) {
          const entry = stream.get(seq)!;
          g.lastDelivered = seq;
          g.pending.set(seq, { consumer, deliveredAt: Date.now(), deliveries: 1 });
          out.push({ stream: name, id: String(seq), fields: { ...entry.fields } });
        }
      }
      return out;
    };
    return {
      readNew: async (group, consumer, streams, count, blockMs) => {
        if (dead) throw new Error('Reader is closed');
        const now = readOnce(group, consumer, streams, count);
        if (now.length > 0) return now;
        const wake = () => pause.wake();
        this.waiters.add(wake);
        await pause.sleep(blockMs);
        this.waiters.delete(wake);
        if (dead) return [];
        return readOnce(group, consumer, streams, count);
      },
      interrupt: async () => pause.wake(),
      close: async () => {
        dead = true;
        pause.wake();
      },
      kill: () => {
        dead = true;
        pause.wake();
      },
    };
  }

  async autoClaim(request: AutoClaimRequest): Promise<AutoClaimResult> {
    const { stream: name, group, consumer, minIdleMs, count, cursor } = request;
    const stream = this.stream(name);
    const g = this.group(name, group);
    const from = Number.parseInt(cursor, 10) || 0;
    const now = Date.now();
    const result: AutoClaimResult = { entries: [], deleted: [], next: null };
    const candidates = [...g.pending.keys()].filter((seq) => seq >= from).sort((a, b) => a - b);
    for (const seq of candidates) {
      if (result.entries.length + result.deleted.length >= count) {
        result.next = String(seq);
        break;
      }
      const pending = g.pending.get(seq)!;
      if (now - pending.deliveredAt < minIdleMs) continue;
      const entry = stream.get(seq);
      if (!entry) {
        g.pending.delete(seq);
        result.deleted.push(String(seq));
        continue;
      }
      pending.consumer = consumer;
      pending.deliveredAt = now;
      pending.deliveries++;
      result.entries.push({ stream: name, id: String(seq), fields: { ...entry.fields } });
    }
    return result;
  }

  async deliveryCount(name: string, group: string, id: string): Promise<number> {
    return this.group(name, group).pending.get(Number(id))?.deliveries ?? 0;
  }

  async touch(name: string, group: string, consumer: string, id: string): Promise<void> {
    const pending = this.group(name, group).pending.get(Number(id));
    if (pending) {
      pending.consumer = consumer;
      pending.deliveredAt = Date.now();
    }
  }

  async ack(name: string, group: string, id: string): Promise<void> {
    this.group(name, group).pending.delete(Number(id));
  }

  async deadLetter(
    name: string,
    group: string,
    id: string,
    deadStream: string,
    fields: Record<string, string>,
  ): Promise<void> {
    await this.append([{ stream: deadStream, fields }]);
    await this.ack(name, group, id);
  }

  async readLatest(name: string, limit: number): Promise<{ id: string; fields: Record<string, string> }[]> {
    const stream = this.streams.get(name);
    if (!stream) return [];
    return stream.entries.slice(-limit).map((e) => ({ id: String(e.seq), fields: { ...e.fields } }));
  }

  async pendingCount(name: string, group: string): Promise<number> {
    return this.streams.get(name)?.groups.get(group)?.pending.size ?? 0;
  }

  async backlog(name: string, group: string): Promise<number> {
    const stream = this.streams.get(name);
    const g = stream?.groups.get(group);
    if (!stream || !g) return 0;
    return g.pending.size + Math.max(0, stream.nextSeq - 1 - Math.max(g.lastDelivered, stream.firstSeq - 1));
  }

  /** Entries currently retained in a stream (tests and diagnostics). */
  length(name: string): number {
    return this.streams.get(name)?.entries.length ?? 0;
  }

  async close(): Promise<void> {}
  kill(): void {}
}
