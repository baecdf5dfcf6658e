// `novamart-mongo repair --dbpath DIR`: what an operator runs when the server refuses to start on damaged
// data files. It copies every data file aside first, salvages every record that checks out (in the order
// recovery would replay them), writes the result as a fresh snapshot generation and reports what it dropped.
import {
  chmodSync,
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  unlinkSync,
} from 'node:fs';
import { join } from 'node:path';
import { StorageEngine } from './engine';
import {
  checkSnapshot,
  generations,
  journalFile,
  opsOf,
  salvageSnapshot,
  scanFile,
  snapshotFile,
  type DroppedRange,
  type FileRecord,
} from './data-files';
import {
  DATA_DIR_MODE,
  DATA_FILE_MODE,
  fsyncDir,
  lockDataDir,
  snapshotRecords,
  writeSnapshot,
} from './journal';

export interface RepairedFile {
  file: string;
  bytes: number;
  salvagedRecords: number;
  dropped: DroppedRange[];
}

export interface RepairReport {
  dbPath: string;
  /** False when every file checked out: nothing was copied or changed. */
  repaired: boolean;
  /** Where the original files were copied before anything changed. */
  backupDir: string | undefined;
  files: RepairedFile[];
  /** Ops inside salvaged records that could not be applied (their context was in a dropped record). */
  skippedOps: string[];
  droppedBytes: number;
  collections: number;
  documents: number;
  /** The generation the salvaged data was written as (snapshot.N plus an empty journal.N). */
  generation: number | undefined;
}

export function repairDataDir(dbPath: string, now = new Date()): RepairReport {
  if (!existsSync(dbPath)) throw new Error(`no data directory at ${dbPath}`);
  // The server must not be running on the directory while it is rewritten.
  const lock = lockDataDir(dbPath);
  try {
    return repairLocked(dbPath, now);
  } finally {
    lock.release();
  }
}

interface Salvage {
  files: RepairedFile[];
  records: FileRecord[];
  damaged: boolean;
}

/** The base snapshot's records: all of them, or what can be salvaged from a damaged one. */
function salvageBaseSnapshot(dbPath: string, base: number, out: Salvage): void {
  const file = snapshotFile(dbPath, base);
  const buf = readFileSync(file);
  const check = checkSnapshot(buf);
  if (check.ok) {
    out.records.push(...check.records);
    out.files.push({ file, bytes: buf.length, salvagedRecords: check.records.length, dropped: [] });
    return;
  }
  out.damaged = true;
  const salvaged = salvageSnapshot(check.scanned);
  out.records.push(...salvaged);
  const dropped = check.scanned.dropped.length
    ? check.scanned.dropped
    : [{ offset: check.offset, bytes: buf.length - check.offset, reason: check.reason }];
  out.files.push({ file, bytes: buf.length, salvagedRecords: salvaged.length, dropped });
}

/** Every journal's good records from the base on; a missing generation is reported as damage. */
function salvageJournals(dbPath: string, base: number | undefined, journals: number[], out: Salvage): void {
  journals.forEach((g, i) => {
    // A missing journal: nothing to salvage from it, but the report says so.
    const expected = i === 0 ? (base ?? 0) : (journals[i - 1] as number) + 1;
    for (let m = expected; m < g; m++) {
      out.damaged = true;
      out.files.push({
        file: journalFile(dbPath, m),
        bytes: 0,
        salvagedRecords: 0,
        dropped: [{ offset: 0, bytes: 0, reason: 'file missing' }],
      });
    }
    const file = journalFile(dbPath, g);
    const buf = readFileSync(file);
    const scanned = scanFile(buf);
    const salvaged = [...scanned.records, ...scanned.later];
    out.records.push(...salvaged);
    if (scanned.firstBad) out.damaged = true;
    out.files.push({ file, bytes: buf.length, salvagedRecords: salvaged.length, dropped: scanned.dropped });
  });
}

/** Copies every data file (damaged or not) into a new backup directory; returns it and the files. */
function backupDataFiles(dbPath: string, now: Date): { backupDir: string; dataFiles: string[] } {
  const backupDir = join(dbPath, `repair-backup-${now.toISOString().replace(/[:.]/g, '-')}`);
  mkdirSync(backupDir, { mode: DATA_DIR_MODE });
  const dataFiles = readdirSync(dbPath).filter((f) => /^(snapshot|journal)\.\d+(\.tmp)?$/.test(f));
  for (const f of dataFiles) {
    copyFileSync(join(dbPath, f), join(backupDir, f));
    chmodSync(join(backupDir, f), DATA_FILE_MODE);
  }
  fsyncDir(backupDir);
  return { backupDir, dataFiles };
}

function repairLocked(dbPath: string, now: Date): RepairReport {
  const snapshots = generations(dbPath, 'snapshot');
  const base = snapshots[snapshots.length - 1];
  const journals = generations(dbPath, 'journal').filter((g) => base === undefined || g >= base);
  const salvage: Salvage = { files: [], records: [], damaged: false };
  if (base !== undefined) salvageBaseSnapshot(dbPath, base, salvage);
  salvageJournals(dbPath, base, journals, salvage);
  const { files, records } = salvage;
  const report: RepairReport = {
    dbPath,
    repaired: false,
    backupDir: undefined,
    files,
    skippedOps: [],
    droppedBytes: files.reduce((n, f) => n + f.dropped.reduce((m, d) => m + d.bytes, 0), 0),
    collections: 0,
    documents: 0,
    generation: undefined,
  };
  if (!salvage.damaged) {
    countLive(report, records);
    return report;
  }

  // 1. Keep a copy of every data file (damaged or not) before anything changes.
  const { backupDir, dataFiles } = backupDataFiles(dbPath, now);
  report.backupDir = backupDir;

  // 2. Replay what checks out, in recovery's order.
  const engine = replayAll(records, report.skippedOps);

  // 3. Write it as a new generation, then remove the old files (their copies are in the backup).
  const generation = Math.max(-1, ...generations(dbPath, 'snapshot'), ...generations(dbPath, 'journal')) + 1;
  writeSnapshot(dbPath, generation, snapshotRecords(engine));
  closeSync(openSync(journalFile(dbPath, generation), 'a', DATA_FILE_MODE));
  fsyncDir(dbPath);
  for (const f of dataFiles) unlinkSync(join(dbPath, f));
  fsyncDir(dbPath);
  report.repaired = true;
  report.generation = generation;
  for (const colls of engine.databases.values())
    for (const coll of colls.values()) {
      report.collections++;
      report.documents += coll.liveCount;
    }
  return report;
}

function replayAll(records: FileRecord[], skipped: string[]): StorageEngine {
  const engine = new StorageEngine();
  for (const r of records) {
    for (const op of opsOf(r)) {
      try {
        engine.replay(op);
      } catch (err) {
        skipped.push(`${op.op} ${'ns' in op ? op.ns : ''} at offset ${r.offset}: ${(err as Error).message}`);
      }
    }
  }
  return engine;
}

function countLive(report: RepairReport, records: FileRecord[]): void {
  const engine = replayAll(records, report.skippedOps);
  for (const colls of engine.databases.values())
    for (const coll of colls.values()) {
      report.collections++;
      report.documents += coll.liveCount;
    }
}

/** The report as an operator reads it. */
export function formatRepairReport(report: RepairReport): string {
  const lines: string[] = [];
  if (!report.repaired) {
    lines.push(`novamart-mongo repair: every data file in ${report.dbPath} checks out; nothing changed.`);
    lines.push(`  ${report.collections} collection(s), ${report.documents} document(s).`);
    return lines.join('\n');
  }
  lines.push(`novamart-mongo repair: ${report.dbPath}`);
  lines.push(`  original files copied to ${report.backupDir}`);
  for (const f of report.files) {
    const dropped = f.dropped.reduce((n, d) => n + d.bytes, 0);
    lines.push(
      `  ${f.file}: ${f.bytes} bytes, ${f.salvagedRecords} record(s) salvaged, ${dropped} byte(s) dropped`,
    );
    for (const d of f.dropped)
      lines.push(`    dropped ${d.bytes} byte(s) at offset ${d.offset}: ${d.reason}`);
  }
  for (const s of report.skippedOps) lines.push(`  skipped op ${s}`);
  lines.push(
    `  dropped ${report.droppedBytes} byte(s) in all; wrote ${report.collections} collection(s), ` +
      `${report.documents} document(s) as snapshot.${report.generation} + journal.${report.generation}`,
  );
  return lines.join('\n');
}
