// The on-disk format of the data directory and the read-only checks on it, shared by recovery (which must
// refuse damaged files without touching them) and `novamart-mongo repair` (which salvages what checks out).
//
// A file is a run of records: uint32 payload length, uint32 crc32 of the payload, then the payload (one BSON
// document per op). Files in the data directory, for generation N:
//   snapshot.N   every collection, index and document as of the moment journal.N was started, framed by a
//                `snapshotBegin` record and a `snapshotEnd` record that carries the crc32 of everything before it
//   journal.N    records appended after that moment, one per acknowledged write command or transaction
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { deserialize, serialize, UUID, type Document } from 'bson';
import type { JournalOp } from './engine';

export const RECORD_HEADER = 8;
const DESERIALIZE = { promoteLongs: true, promoteValues: true, promoteBuffers: false } as const;
/** The smallest payload we ever write: one empty BSON document. Zero-filled bytes are never a record. */
const MIN_PAYLOAD = 5;
const SNAPSHOT_FORMAT = 2;

export function encodeRecord(ops: JournalOp[]): Buffer {
  return encodeDocs(ops.map(encodeOp));
}

function encodeDocs(docs: Document[]): Buffer {
  const payload = Buffer.concat(docs.map((d) => serialize(d, { checkKeys: false, ignoreUndefined: false })));
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

function decodePayload(payload: Buffer): Document[] | undefined {
  const docs: Document[] = [];
  let p = 0;
  try {
    while (p < payload.length) {
      const size = payload.readInt32LE(p);
      if (size < MIN_PAYLOAD || p + size > payload.length) return undefined;
      docs.push(deserialize(payload.subarray(p, p + size), DESERIALIZE));
      p += size;
    }
  } catch {
    return undefined;
  }
  return docs;
}

export interface FileRecord {
  offset: number;
  /** Header plus payload. */
  length: number;
  docs: Document[];
}

/** The record at `offset`, or why there is none. */
function recordAt(buf: Buffer, offset: number): FileRecord | string {
  const left = buf.length - offset;
  if (left < RECORD_HEADER) return `incomplete record header (${left} of ${RECORD_HEADER} bytes)`;
  const length = buf.readUInt32LE(offset);
  if (length < MIN_PAYLOAD) return `impossible record length ${length}`;
  if (length > left - RECORD_HEADER)
    return `incomplete record (header promises ${length} bytes, ${left - RECORD_HEADER} present)`;
  const start = offset + RECORD_HEADER;
  // A cheap test before the checksum, so that scanning damaged bytes for records stays fast.
  const first = buf.readInt32LE(start);
  if (first < MIN_PAYLOAD || first > length) return 'record payload does not start with a BSON document';
  const payload = buf.subarray(start, start + length);
  if (crc32(payload) !== buf.readUInt32LE(offset + 4)) return 'record checksum mismatch';
  const docs = decodePayload(payload);
  if (!docs) return 'record payload is not valid BSON';
  return { offset, length: RECORD_HEADER + length, docs };
}

export interface DroppedRange {
  offset: number;
  bytes: number;
  reason: string;
}

export interface ScannedFile {
  /** Records read in order up to the first damaged one. */
  records: FileRecord[];
  /** Where the first damaged record starts, and why it is damaged. */
  firstBad?: { offset: number; reason: string };
  /** Intact records found after the first damaged one (salvageable, and proof it is not a torn tail). */
  later: FileRecord[];
  /** Byte ranges that are not part of any intact record. */
  dropped: DroppedRange[];
}

/**
 * Reads every intact record of a file. After the first damaged record it looks for intact records at
 * every later offset: finding one means the damage is in the middle of the file, not a torn tail.
 */
export function scanFile(buf: Buffer): ScannedFile {
  const records: FileRecord[] = [];
  let offset = 0;
  while (offset < buf.length) {
    const r = recordAt(buf, offset);
    if (typeof r === 'string') break;
    records.push(r);
    offset += r.length;
  }
  if (offset >= buf.length) return { records, later: [], dropped: [] };
  const firstBad = { offset, reason: recordAt(buf, offset) as string };
  const later: FileRecord[] = [];
  const dropped: DroppedRange[] = [];
  // The damaged run that started at badStart (-1: the last thing read was an intact record).
  let badStart = offset;
  let badReason = firstBad.reason;
  let p = offset + 1;
  while (p < buf.length) {
    const r = recordAt(buf, p);
    if (typeof r === 'string') {
      if (badStart < 0) {
        badStart = p;
        badReason = r;
      }
      p++;
      continue;
    }
    if (badStart >= 0) dropped.push({ offset: badStart, bytes: p - badStart, reason: badReason });
    badStart = -1;
    later.push(r);
    p += r.length;
  }
  if (badStart >= 0) dropped.push({ offset: badStart, bytes: buf.length - badStart, reason: badReason });
  return { records, firstBad, later, dropped };
}

export function opsOf(record: FileRecord): JournalOp[] {
  return record.docs.map(decodeOp);
}

// ---- snapshots -----------------------------------------------------------------------------------------

/** Encodes a snapshot: a begin record, the data records, and an end record holding the crc32 of all before it. */
export function encodeSnapshot(generation: number, data: Buffer[]): Buffer[] {
  const begin = encodeDocs([{ op: 'snapshotBegin', format: SNAPSHOT_FORMAT, generation }]);
  let crc = crc32(begin);
  let bytes = begin.length;
  for (const r of data) {
    crc = crc32(r, crc);
    bytes += r.length;
  }
  const end = encodeDocs([{ op: 'snapshotEnd', records: data.length, bytes, crc }]);
  return [begin, ...data, end];
}

export type SnapshotCheck =
  | { ok: true; records: FileRecord[]; legacy: boolean }
  | { ok: false; offset: number; reason: string; scanned: ScannedFile };

/** A snapshot is usable only whole: every record intact, its end record present and its checksum right. */
export function checkSnapshot(buf: Buffer): SnapshotCheck {
  const scanned = scanFile(buf);
  const { records, firstBad } = scanned;
  if (firstBad) return { ok: false, offset: firstBad.offset, reason: firstBad.reason, scanned };
  const head = records[0]?.docs[0];
  if (head?.op !== 'snapshotBegin') {
    // Written before snapshots carried a checksum (every record is intact, which is all we can check).
    return { ok: true, records, legacy: true };
  }
  const last = records[records.length - 1] as FileRecord;
  const end = last.docs[0];
  if (records.length < 2 || end?.op !== 'snapshotEnd')
    return { ok: false, offset: buf.length, reason: 'snapshot end record missing (file cut short)', scanned };
  if (
    end.bytes !== last.offset ||
    end.records !== records.length - 2 ||
    end.crc !== crc32(buf.subarray(0, last.offset))
  )
    return { ok: false, offset: last.offset, reason: 'snapshot checksum mismatch', scanned };
  return { ok: true, records: records.slice(1, -1), legacy: false };
}

/** The data records of a snapshot that check out, whatever the state of the rest. */
export function salvageSnapshot(scanned: ScannedFile): FileRecord[] {
  return [...scanned.records, ...scanned.later].filter(
    (r) => r.docs[0]?.op !== 'snapshotBegin' && r.docs[0]?.op !== 'snapshotEnd',
  );
}

// ---- the directory -------------------------------------------------------------------------------------

export function generations(dir: string, prefix: 'snapshot' | 'journal'): number[] {
  const pattern = new RegExp(`^${prefix}\\.(\\d+)$`);
  return readdirSync(dir)
    .map((f) => pattern.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

export const snapshotFile = (dir: string, g: number): string => join(dir, `snapshot.${g}`);
export const journalFile = (dir: string, g: number): string => join(dir, `journal.${g}`);
