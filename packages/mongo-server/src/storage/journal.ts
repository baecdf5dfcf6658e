// Durability for --dbpath: an append-only journal of committed changes with group commit (one fdatasync
// covers every record appended before it), recovery that drops only a torn tail (the last write, never
// acknowledged) and refuses to start on any other damage, and compaction that writes a checksummed snapshot
// of the live data and starts a fresh journal. The file format lives in data-files.ts.
//
// Recovery loads the newest snapshot and replays journal.N, journal.N+1, ... in order.
import {
  closeSync,
  existsSync,
  fchmodSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  unlinkSync,
  ftruncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { fdatasync, write } from 'node:fs';
import { promisify } from 'node:util';
import { join, resolve } from 'node:path';
import { threadId } from 'node:worker_threads';
import type { JournalOp, JournalSink, StorageEngine } from './engine';
import {
  checkSnapshot,
  encodeRecord,
  encodeSnapshot,
  generations,
  journalFile,
  opsOf,
  scanFile,
  snapshotFile,
  type FileRecord,
} from './data-files';

const writeAsync = promisify(write);
const fdatasyncAsync = promisify(fdatasync);

/** Documents per snapshot record; bounds the size of one BSON payload. */
const SNAPSHOT_CHUNK = 500;
/** Data files hold every customer's data: only the server's user may read them. */
export const DATA_FILE_MODE = 0o600;
export const DATA_DIR_MODE = 0o700;

export function fsyncDir(dir: string): void {
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

/**
 * Crash-test hook: with NOVAMART_MONGO_DEBUG_PAUSE_AT=<point> the process announces on stderr that it
 * reached the point and then blocks its only thread, so a test can SIGKILL it exactly there.
 */
export function debugPausePoint(point: string): void {
  if (process.env.NOVAMART_MONGO_DEBUG_PAUSE_AT !== point) return;
  writeSync(2, `[mongo-server] debug: paused at ${point} (pid ${process.pid})\n`);
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
}

/** Damage that a crash cannot explain. Starting on it would silently lose committed data. */
export interface Damage {
  file: string;
  offset: number;
  reason: string;
}

export class DataFilesDamagedError extends Error {
  readonly file: string;
  readonly offset: number;
  constructor(
    readonly dbPath: string,
    readonly damage: Damage[],
  ) {
    const first = damage[0] as Damage;
    const more =
      damage.length > 1
        ? ` (and ${damage.length - 1} more: ${damage.slice(1).map(describe).join('; ')})`
        : '';
    super(
      `DataFilesDamaged: ${describe(first)}${more}. The server did not start and changed no file. ` +
        `To keep a copy of the damaged files and salvage every record that checks out, stop anything using ` +
        `the directory and run: npx novamart-mongo repair --dbpath ${dbPath} ` +
        `(or restore the directory from a backup).`,
    );
    this.file = first.file;
    this.offset = first.offset;
  }
}

function describe(d: Damage): string {
  return `${d.file} is damaged at byte offset ${d.offset}: ${d.reason}`;
}

interface TornTail {
  file: string;
  offset: number;
  bytes: number;
  reason: string;
}

/** What recovery will load, worked out without changing any file. */
interface RecoveryPlan {
  base: number;
  snapshotBytes: number;
  records: FileRecord[];
  journals: Array<{ generation: number; records: number; validLength: number }>;
  tornTail: TornTail | undefined;
  damage: Damage[];
}

/** Reads and checks the data directory. Only a torn tail at the end of the newest journal is tolerated. */
function planRecovery(dir: string): RecoveryPlan {
  const plan: RecoveryPlan = {
    base: 0,
    snapshotBytes: 0,
    records: [],
    journals: [],
    tornTail: undefined,
    damage: [],
  };
  const snapshots = generations(dir, 'snapshot');
  if (snapshots.length > 0) {
    plan.base = snapshots[snapshots.length - 1] as number;
    const path = snapshotFile(dir, plan.base);
    const buf = readFileSync(path);
    plan.snapshotBytes = buf.length;
    const check = checkSnapshot(buf);
    if (check.ok) plan.records.push(...check.records);
    else plan.damage.push({ file: path, offset: check.offset, reason: check.reason });
  }
  const journals = generations(dir, 'journal').filter((g) => g >= plan.base);
  journals.forEach((g, i) => {
    const expected = i === 0 ? plan.base : (journals[i - 1] as number) + 1;
    if (g !== expected)
      plan.damage.push({
        file: journalFile(dir, expected),
        offset: 0,
        reason: `the file is missing, but ${journalFile(dir, g)} follows it`,
      });
  });
  journals.forEach((g, i) => {
    const path = journalFile(dir, g);
    const buf = readFileSync(path);
    const scanned = scanFile(buf);
    plan.records.push(...scanned.records);
    let validLength = buf.length;
    if (scanned.firstBad) {
      const { offset, reason } = scanned.firstBad;
      const last = i === journals.length - 1;
      if (scanned.later.length > 0)
        plan.damage.push({
          file: path,
          offset,
          reason: `${reason}, yet ${scanned.later.length} intact record(s) follow it, so this is not a torn tail left by a crash`,
        });
      else if (!last)
        plan.damage.push({
          file: path,
          offset,
          reason: `${reason}, yet ${journalFile(dir, journals[journals.length - 1] as number)} was written after it`,
        });
      else {
        plan.tornTail = { file: path, offset, bytes: buf.length - offset, reason };
        validLength = offset;
      }
    }
    plan.journals.push({ generation: g, records: scanned.records.length, validLength });
  });
  return plan;
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
    private readonly lock: DataDirLock,
  ) {
    this.compactAt = compactMinBytes;
  }

  /** Loads the data directory into the engine, then journals every later change. */
  static async open(
    dir: string,
    engine: StorageEngine,
    options: { compactMinBytes?: number } = {},
  ): Promise<Journal> {
    mkdirSync(dir, { recursive: true, mode: DATA_DIR_MODE });
    // Check everything before writing anything: a refused start changes no file, not even the lock file.
    assertDataDirFree(dir);
    const plan = planRecovery(dir);
    if (plan.damage.length > 0) throw new DataFilesDamagedError(dir, plan.damage);
    const lock = lockDataDir(dir);
    const journal = new Journal(dir, engine, options.compactMinBytes ?? 64 * 1024 * 1024, lock);
    try {
      journal.recover(plan);
    } catch (err) {
      lock.release();
      throw err;
    }
    const fd = openSync(journalFile(dir, journal.generation), 'a', DATA_FILE_MODE);
    // Journals written by earlier versions were world-readable.
    fchmodSync(fd, DATA_FILE_MODE);
    journal.fd = fd;
    engine.sink = journal;
    return journal;
  }

  private recover(plan: RecoveryPlan): void {
    for (const r of plan.records) for (const op of opsOf(r)) this.engine.replay(op);
    this.compactAt = Math.max(this.compactMinBytes, plan.snapshotBytes);
    this.generation = plan.base;
    for (const j of plan.journals) {
      this.recoveredRecords += j.records;
      this.generation = j.generation;
      this.bytes = j.validLength;
    }
    const torn = plan.tornTail;
    if (torn) {
      // The last write never completed, so it was never acknowledged: cut it so new records follow valid ones.
      console.warn(
        `[mongo-server] ${torn.file}: dropped a torn tail of ${torn.bytes} bytes at offset ${torn.offset} (${torn.reason}); it was an unacknowledged write cut short by a crash`,
      );
      this.truncatedBytes = torn.bytes;
      const fd = openSync(torn.file, 'r+');
      try {
        ftruncateSync(fd, torn.offset);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
    // Half-written snapshots of a compaction that was interrupted: the journals they summarise are intact.
    for (const f of readdirSync(this.dir)) if (f.endsWith('.tmp')) unlinkSync(join(this.dir, f));
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
   * switch are captured synchronously, so no change falls between the snapshot and the new journal. Until
   * snapshot.N+1 is complete (written to a temporary file, fsynced, renamed, directory fsynced), recovery
   * uses snapshot.N and journals N and N+1; only then are the old generation's files removed.
   */
  async compact(): Promise<void> {
    if (this.compacting || this.closed) return;
    this.compacting = true;
    try {
      while (this.flushing) await this.flushing;
      // From here to the journal switch everything is synchronous: no change can slip between the two.
      // Records still pending go to the new journal; they are in the snapshot as well, and replaying a
      // journal record twice is harmless (puts and deletes are idempotent).
      const data = snapshotRecords(this.engine);
      const next = this.generation + 1;
      const oldFd = this.fd;
      this.fd = openSync(journalFile(this.dir, next), 'a', DATA_FILE_MODE);
      this.generation = next;
      this.bytes = 0;
      if (oldFd !== undefined) closeSync(oldFd);
      fsyncDir(this.dir);
      debugPausePoint('compact:journal-switched');
      const size = writeSnapshot(this.dir, next, data);
      this.compactAt = Math.max(this.compactMinBytes, size);
      debugPausePoint('compact:snapshot-renamed');
      for (const g of generations(this.dir, 'snapshot')) if (g < next) unlinkSync(snapshotFile(this.dir, g));
      for (const g of generations(this.dir, 'journal')) if (g < next) unlinkSync(journalFile(this.dir, g));
    } finally {
      this.compacting = false;
    }
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
    this.lock.release();
  }
}

/** The live data as snapshot records. Open transactions' writes are not durable yet and are left out. */
export function snapshotRecords(engine: StorageEngine): Buffer[] {
  const out: Buffer[] = [];
  for (const colls of engine.databases.values()) {
    for (const coll of colls.values()) {
      // A collection an open transaction created exists on disk only once that transaction commits.
      if (engine.createdByOpenTransaction(coll)) continue;
      const header: JournalOp[] = [{ op: 'create', ns: coll.ns, options: coll.options, uuid: coll.uuid }];
      for (const spec of coll.listIndexSpecs())
        if (spec.name !== '_id_') header.push({ op: 'createIndex', ns: coll.ns, spec });
      out.push(encodeRecord(header));
      let chunk: JournalOp[] = [];
      for (const v of coll.records.values()) {
        // Heads are the latest committed versions.
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

/**
 * Writes snapshot.<generation> so that it is either absent or whole: a temporary file, fsynced, renamed,
 * then the directory fsynced. Returns its size.
 */
export function writeSnapshot(dir: string, generation: number, data: Buffer[]): number {
  const records = encodeSnapshot(generation, data);
  const tmp = `${snapshotFile(dir, generation)}.tmp`;
  const out = openSync(tmp, 'w', DATA_FILE_MODE);
  let size = 0;
  try {
    const half = Math.floor(records.length / 2);
    records.forEach((r, i) => {
      if (i === half) debugPausePoint('compact:snapshot-partial');
      writeSync(out, r);
      size += r.length;
    });
    fsyncSync(out);
  } finally {
    closeSync(out);
  }
  renameSync(tmp, snapshotFile(dir, generation));
  fsyncDir(dir);
  return size;
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

export interface DataDirLock {
  release(): void;
}

/**
 * Throws DataDirInUseError if a live server holds the directory. The lock file says `<pid>` or
 * `<pid> <threadId>`: `lockedHere` only knows this thread's servers (a worker thread has its own
 * modules, as `npm start`'s database thread does), so a lock of this process taken by another
 * thread counts as held.
 */
function assertDataDirFree(dir: string): void {
  const path = join(dir, LOCK_FILE);
  if (lockedHere.has(resolve(dir))) throw new DataDirInUseError(dir, process.pid);
  if (!existsSync(path)) return;
  const [pid = NaN, thread] = readFileSync(path, 'utf8').trim().split(/\s+/).map(Number);
  if (!Number.isInteger(pid) || pid <= 0) return;
  if (pid === process.pid ? thread !== undefined && thread !== threadId : processAlive(pid))
    throw new DataDirInUseError(dir, pid);
}

/**
 * One server per data directory, as mongod's lock file ensures: two writers would interleave their
 * journals. A lock left by a killed process (its pid is gone) is taken over.
 */
export function lockDataDir(dir: string): DataDirLock {
  const path = join(dir, LOCK_FILE);
  const key = resolve(dir);
  assertDataDirFree(dir);
  writeFileSync(path, `${process.pid} ${threadId}\n`, { mode: DATA_FILE_MODE });
  lockedHere.add(key);
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      lockedHere.delete(key);
      try {
        unlinkSync(path);
      } catch {
        // Already gone: nothing to release.
      }
    },
  };
}

export class DataDirInUseError extends Error {
  constructor(dir: string, pid: number) {
    super(`DBPathInUse: Unable to lock the data directory ${dir}: it is in use by process ${pid}`);
  }
}
