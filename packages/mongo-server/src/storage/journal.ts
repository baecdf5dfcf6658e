// Durability for --dbpath: an append-only journal of committed changes with group commit (one fdatasync
// covers every record appended before it), recovery that stops at the first torn or corrupt record, and
// compaction that writes a snapshot of the live data and starts a fresh journal.
//
// Files in the data directory, for generation N:
//   snapshot.N     every collection, index and document as of the moment journal.N was started
//   journal.N      records appended after that moment
// Recovery loads the newest complete snapshot and replays journal.N, journal.N+1, ... in order.
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
  ftruncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { fdatasync, write } from 'node:fs';
import { promisify } from 'node:util';
import { join, resolve } from 'node:path';
import { crc32 } from 'node:zlib';
import { deserialize, serialize, UUID, type Document } from 'bson';
import type { JournalOp, JournalSink, StorageEngine } from './engine';

const writeAsync = promisify(write);
const fdatasyncAsync = promisify(fdatasync);

const RECORD_HEADER = 8; // uint32 length of payload, uint32 crc32 of payload
const DESERIALIZE = { promoteLongs: true, promoteValues: true, promoteBuffers: false } as const;
/** Documents per snapshot record; bounds the size of one BSON payload. */
const SNAPSHOT_CHUNK = 500;

/** A record is a run of BSON documents (one per op) under a single length and checksum. */
function encodeRecord(ops: JournalOp[]): Buffer {
  const payload = Buffer.concat(
    ops.map((op) => serialize(encodeOp(op), { checkKeys: false, ignoreUndefined: false })),
  );
  const header = Buffer.allocUnsafe(RECORD_HEADER);
  header.writeUInt32LE(payload.length, 0);
  header.writeUInt32LE(crc32(payload), 4);
  return Buffer.concat([header, payload]);
}

function encodeOp(op: JournalOp): Document {
  return op.op === 'create' ? { ...op, uuid: op.uuid.toHexString() } : op;
}

function decodeOp(raw: Document): JournalOp {
  if (raw.op === 'create')
    return { ...(raw as JournalOp & { op: 'create' }), uuid: new UUID(String(raw.uuid)) };
  return raw as JournalOp;
}

function decodePayload(payload: Buffer): JournalOp[] | undefined {
  const ops: JournalOp[] = [];
  let p = 0;
  try {
    while (p < payload.length) {
      const size = payload.readInt32LE(p);
      if (size < 5 || p + size > payload.length) return undefined;
      ops.push(decodeOp(deserialize(payload.subarray(p, p + size), DESERIALIZE)));
      p += size;
    }
  } catch {
    return undefined;
  }
  return ops;
}

/** Reads records until the end or the first damaged one; returns the ops and the valid length. */
function readRecords(buf: Buffer): { records: JournalOp[][]; validLength: number } {
  const records: JournalOp[][] = [];
  let offset = 0;
  while (offset + RECORD_HEADER <= buf.length) {
    const length = buf.readUInt32LE(offset);
    const sum = buf.readUInt32LE(offset + 4);
    const start = offset + RECORD_HEADER;
    if (start + length > buf.length) break;
    const payload = buf.subarray(start, start + length);
    if (crc32(payload) !== sum) break;
    const ops = decodePayload(payload);
    if (!ops) break;
    records.push(ops);
    offset = start + length;
  }
  return { records, validLength: offset };
}

function generations(dir: string, prefix: string): number[] {
  return readdirSync(dir)
    .map((f) => new RegExp(`^${prefix}\\.(\\d+)$`).exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some platforms cannot fsync a directory; the rename is still atomic.
  }
}

export interface JournalStats {
  bytes: number;
  generation: number;
  recoveredRecords: number;
  truncatedBytes: number;
}

export class Journal implements JournalSink {
  private fd: number | undefined;
  private generation = 0;
  private bytes = 0;
  private pending: Buffer[] = [];
  private appended = 0;
  private durable = 0;
  private flushing: Promise<void> | undefined;
  private compacting = false;
  /** Journal size that triggers the next compaction: never below the live data, so rewriting it stays amortised. */
  private compactAt: number;
  private closed = false;
  recoveredRecords = 0;
  truncatedBytes = 0;

  private constructor(
    private readonly dir: string,
    private readonly engine: StorageEngine,
    private readonly compactMinBytes: number,
  ) {
    this.compactAt = compactMinBytes;
  }

  /** Loads the data directory into the engine, then journals every later change. */
  static async open(
    dir: string,
    engine: StorageEngine,
    options: { compactMinBytes?: number } = {},
  ): Promise<Journal> {
    mkdirSync(dir, { recursive: true });
    lockDataDir(dir);
    const journal = new Journal(dir, engine, options.compactMinBytes ?? 64 * 1024 * 1024);
    try {
      journal.recover();
    } catch (err) {
      unlockDataDir(dir);
      throw err;
    }
    journal.fd = openSync(join(dir, `journal.${journal.generation}`), 'a');
    engine.sink = journal;
    return journal;
  }

  private recover(): void {
    for (const f of readdirSync(this.dir)) if (f.endsWith('.tmp')) unlinkSync(join(this.dir, f));
    const snapshots = generations(this.dir, 'snapshot');
    const base = snapshots[snapshots.length - 1] ?? 0;
    if (snapshots.length > 0) {
      const snapshot = readFileSync(join(this.dir, `snapshot.${base}`));
      this.compactAt = Math.max(this.compactMinBytes, snapshot.length);
      const { records } = readRecords(snapshot);
      for (const ops of records) for (const op of ops) this.engine.replay(op);
    }
    const journals = generations(this.dir, 'journal').filter((g) => g >= base);
    for (const g of journals) {
      const path = join(this.dir, `journal.${g}`);
      const buf = readFileSync(path);
      const { records, validLength } = readRecords(buf);
      for (const ops of records) for (const op of ops) this.engine.replay(op);
      this.recoveredRecords += records.length;
      if (validLength < buf.length) {
        // A torn tail is a write that was never acknowledged: cut it so new records follow valid ones.
        this.truncatedBytes += buf.length - validLength;
        const fd = openSync(path, 'r+');
        try {
          ftruncateSync(fd, validLength);
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
      }
      this.generation = g;
      this.bytes = validLength;
    }
    if (journals.length === 0) this.generation = base;
  }

  append(record: JournalOp[]): void {
    if (this.closed) return;
    const buf = encodeRecord(record);
    this.pending.push(buf);
    this.appended++;
  }

  /** Resolves once every record appended before the call is on disk. */
  async flush(): Promise<void> {
    const target = this.appended;
    while (this.durable < target) {
      if (!this.flushing) this.flushing = this.writePending().finally(() => (this.flushing = undefined));
      await this.flushing;
    }
    if (!this.compacting && this.bytes > this.compactAt) {
      // Compaction is an optimisation: if it fails (disk full...), the journal stays valid and complete.
      this.compact().catch((err: unknown) => console.error('[mongo-server] journal compaction failed', err));
    }
  }

  private async writePending(): Promise<void> {
    const fd = this.fd;
    if (fd === undefined) return;
    const bufs = this.pending;
    const upTo = this.appended;
    this.pending = [];
    if (bufs.length > 0) {
      const data = bufs.length === 1 ? (bufs[0] as Buffer) : Buffer.concat(bufs);
      let written = 0;
      while (written < data.length)
        written += (await writeAsync(fd, data, written, data.length - written)).bytesWritten;
      await fdatasyncAsync(fd);
      this.bytes += data.length;
    }
    this.durable = upTo;
  }

  /**
   * Rewrites the live data as snapshot.N+1 and switches to journal.N+1. The engine state and the journal
   * switch are captured synchronously, so no change falls between the snapshot and the new journal.
   */
  async compact(): Promise<void> {
    if (this.compacting || this.closed) return;
    this.compacting = true;
    try {
      while (this.flushing) await this.flushing;
      // From here to the journal switch everything is synchronous: no change can slip between the two.
      // Records still pending go to the new journal; they are in the snapshot as well, and replaying a
      // journal record twice is harmless (puts and deletes are idempotent).
      const records = this.snapshotRecords();
      const next = this.generation + 1;
      const oldFd = this.fd;
      this.fd = openSync(join(this.dir, `journal.${next}`), 'a');
      this.generation = next;
      this.bytes = 0;
      if (oldFd !== undefined) closeSync(oldFd);
      const tmp = join(this.dir, `snapshot.${next}.tmp`);
      const out = openSync(tmp, 'w');
      try {
        for (const r of records) writeSync(out, r);
        fsyncSync(out);
      } finally {
        closeSync(out);
      }
      this.compactAt = Math.max(
        this.compactMinBytes,
        records.reduce((n, r) => n + r.length, 0),
      );
      renameSync(tmp, join(this.dir, `snapshot.${next}`));
      fsyncDir(this.dir);
      for (const g of generations(this.dir, 'snapshot'))
        if (g < next) unlinkSync(join(this.dir, `snapshot.${g}`));
      for (const g of generations(this.dir, 'journal'))
        if (g < next) unlinkSync(join(this.dir, `journal.${g}`));
    } finally {
      this.compacting = false;
    }
  }

  private snapshotRecords(): Buffer[] {
    const out: Buffer[] = [];
    for (const colls of this.engine.databases.values()) {
      for (const coll of colls.values()) {
        const header: JournalOp[] = [{ op: 'create', ns: coll.ns, options: coll.options, uuid: coll.uuid }];
        for (const spec of coll.listIndexSpecs())
          if (spec.name !== '_id_') header.push({ op: 'createIndex', ns: coll.ns, spec });
        out.push(encodeRecord(header));
        let chunk: JournalOp[] = [];
        for (const v of coll.records.values()) {
          // Heads are the latest committed versions; open transactions' writes are not durable yet.
          if (!v.doc) continue;
          chunk.push({ op: 'put', ns: coll.ns, doc: v.doc });
          if (chunk.length >= SNAPSHOT_CHUNK) {
            out.push(encodeRecord(chunk));
            chunk = [];
          }
        }
        if (chunk.length > 0) out.push(encodeRecord(chunk));
      }
    }
    return out;
  }

  stats(): JournalStats {
    return {
      bytes: this.bytes,
      generation: this.generation,
      recoveredRecords: this.recoveredRecords,
      truncatedBytes: this.truncatedBytes,
    };
  }

  async close(): Promise<void> {
    await this.flush();
    while (this.compacting) await new Promise((r) => setTimeout(r, 10));
    this.closed = true;
    this.engine.sink = undefined;
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    unlockDataDir(this.dir);
  }
}

const LOCK_FILE = 'mongod.lock';
const lockedHere = new Set<string>();

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One server per data directory, as mongod's lock file ensures: two writers would interleave their
 * journals. A lock left by a killed process (its pid is gone) is taken over.
 */
function lockDataDir(dir: string): void {
  const path = join(dir, LOCK_FILE);
  const key = resolve(dir);
  if (lockedHere.has(key)) throw new DataDirInUseError(dir, process.pid);
  if (existsSync(path)) {
    const pid = Number(readFileSync(path, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid))
      throw new DataDirInUseError(dir, pid);
  }
  writeFileSync(path, `${process.pid}\n`);
  lockedHere.add(key);
}

function unlockDataDir(dir: string): void {
  lockedHere.delete(resolve(dir));
  try {
    unlinkSync(join(dir, LOCK_FILE));
  } catch {
    // Already gone: nothing to release.
  }
}

export class DataDirInUseError extends Error {
  constructor(dir: string, pid: number) {
    super(`DBPathInUse: Unable to lock the data directory ${dir}: it is in use by process ${pid}`);
  }
}
