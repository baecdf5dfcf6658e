// Recovery tells a torn tail (the last write, cut short by a crash and never acknowledged) from damage a
// crash cannot explain. A torn tail is dropped and logged; any other damage stops the server before it
// changes a file, and `novamart-mongo repair` salvages every record that checks out.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  appendFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deserialize } from 'bson';
import { MongoClient } from 'mongodb';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { startEmbeddedMongo, type EmbeddedMongoOptions } from '../src/index';
import { repairDataDir } from '../src/storage/repair';

const BIN = fileURLToPath(new URL('../bin/novamart-mongo.js', import.meta.url));
/** What a fault test injected and verified, printed with the test output (not a console log of the code). */
const report = (line: string): boolean => process.stdout.write(`[fault] ${line}\n`);

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
afterEach(() => {
  vi.restoreAllMocks();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'novamart-mongo-recovery-'));
  dirs.push(dir);
  return dir;
}

async function withServer<T>(
  options: EmbeddedMongoOptions,
  fn: (client: MongoClient) => Promise<T>,
): Promise<T> {
  const server = await startEmbeddedMongo({ port: 0, ...options });
  const client = new MongoClient(server.uri);
  try {
    return await fn(client);
  } finally {
    await client.close();
    await server.stop();
  }
}

const COLLECTIONS = { users: 10, orders: 8, payments: 7, refunds: 4 } as const;

/** A shop's worth of acknowledged writes, one insert command (one journal record) per document. */
async function writeShop(dbPath: string, options: EmbeddedMongoOptions = {}): Promise<void> {
  await withServer({ dbPath, ...options }, async (client) => {
    const db = client.db('shop');
    for (const [name, n] of Object.entries(COLLECTIONS))
      for (let i = 0; i < n; i++)
        await db.collection(name).insertOne({ _id: `${name}-${i}`, i, pad: 'x'.repeat(200) } as never);
  });
}

async function shopIds(dbPath: string): Promise<string[]> {
  return withServer({ dbPath }, async (client) => {
    const ids: string[] = [];
    for (const name of Object.keys(COLLECTIONS))
      for (const d of await client.db('shop').collection(name).find().toArray()) ids.push(String(d._id));
    return ids.sort();
  });
}

const allIds = (): string[] =>
  Object.entries(COLLECTIONS)
    .flatMap(([name, n]) => Array.from({ length: n }, (_, i) => `${name}-${i}`))
    .sort();

/** Every file's name, size, mode, mtime and content hash: "changed no file" is checked against this. */
function fingerprint(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir).sort()) {
    const st = statSync(join(dir, f));
    if (!st.isFile()) continue;
    const hash = createHash('sha256')
      .update(readFileSync(join(dir, f)))
      .digest('hex');
    out[f] = `${st.size} ${(st.mode & 0o777).toString(8)} ${st.mtimeMs} ${hash}`;
  }
  return out;
}

/** Record boundaries of a data file, read independently of the server's code: [offset, length, docs]. */
function records(buf: Buffer): Array<{ offset: number; end: number; ids: unknown[] }> {
  const out: Array<{ offset: number; end: number; ids: unknown[] }> = [];
  let p = 0;
  while (p + 8 <= buf.length) {
    const length = buf.readUInt32LE(p);
    const payload = buf.subarray(p + 8, p + 8 + length);
    const ids: unknown[] = [];
    for (let q = 0; q < payload.length;) {
      const size = payload.readInt32LE(q);
      const op = deserialize(payload.subarray(q, q + size));
      if (op.op === 'put') ids.push(op.doc._id);
      q += size;
    }
    out.push({ offset: p, end: p + 8 + length, ids });
    p += 8 + length;
  }
  return out;
}

function flipByte(path: string, at: number): void {
  const buf = readFileSync(path);
  buf[at] = (buf[at] as number) ^ 0xff;
  writeFileSync(path, buf);
}

function runRepair(dbPath: string): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [BIN, 'repair', '--dbpath', dbPath], { encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('recovery: torn tail', () => {
  it('drops an incomplete last record, logs its byte count and keeps every acknowledged write', async () => {
    const dbPath = tempDir();
    await writeShop(dbPath);
    const journal = join(dbPath, 'journal.0');
    const goodSize = statSync(journal).size;
    // A crash in the middle of appending: a header promising 400 bytes, and only 57 of them.
    const torn = Buffer.alloc(8 + 57, 0x41);
    torn.writeUInt32LE(400, 0);
    appendFileSync(journal, torn);
    report(`injected: ${torn.length}-byte incomplete record after ${goodSize} good bytes of journal.0`);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect(await shopIds(dbPath)).toEqual(allIds());
    const logged = warn.mock.calls.map((c) => String(c[0])).join('\n');
    expect(logged).toContain(`dropped a torn tail of ${torn.length} bytes at offset ${goodSize}`);
    expect(statSync(journal).size).toBe(goodSize);
    report(
      `verified: all ${allIds().length} documents kept; logged "${logged}"; journal back to ${goodSize} bytes`,
    );
  });

  it('drops a complete last record whose checksum fails when nothing valid follows it', async () => {
    const dbPath = tempDir();
    await writeShop(dbPath);
    const journal = join(dbPath, 'journal.0');
    const buf = readFileSync(journal);
    const last = records(buf).at(-1)!;
    // The last record's payload damaged (its write was cut short mid-sector): a torn tail, not corruption.
    flipByte(journal, last.end - 3);
    report(`injected: flipped byte ${last.end - 3} inside the last record (${last.offset}..${last.end})`);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const ids = await shopIds(dbPath);
    expect(ids).toEqual(allIds().filter((id) => !last.ids.includes(id)));
    expect(warn.mock.calls.map((c) => String(c[0])).join('\n')).toContain(
      `dropped a torn tail of ${last.end - last.offset} bytes at offset ${last.offset} (record checksum mismatch)`,
    );
    report(`verified: only ${JSON.stringify(last.ids)} (the unacknowledgeable last write) is gone`);
  });
});

// Repair runs the real CLI in a child process (tsx start-up is slow on a loaded machine).
describe('recovery: damage in the middle', { timeout: 120_000 }, () => {
  it('refuses to start on one flipped byte at 2/3 of journal.0, changes no file, and repair salvages the rest', async () => {
    const dbPath = tempDir();
    await writeShop(dbPath);
    const journal = join(dbPath, 'journal.0');
    const original = readFileSync(journal);
    const at = Math.floor((original.length * 2) / 3);
    const hit = records(original).find((r) => r.offset <= at && at < r.end)!;
    flipByte(journal, at);
    report(
      `injected: flipped byte ${at} of ${original.length} in journal.0 (record ${hit.offset}..${hit.end}, documents ${JSON.stringify(hit.ids)})`,
    );
    // A stale lock file left by a killed server, which a refused start must leave as it was too.
    writeFileSync(join(dbPath, 'mongod.lock'), '999999999\n');
    const before = fingerprint(dbPath);

    const err = await startEmbeddedMongo({ port: 0, dbPath }).then(
      (s) => s.stop().then(() => new Error('the server started on a damaged journal')),
      (e: Error) => e,
    );
    expect(err.message).toContain(`${journal} is damaged at byte offset ${hit.offset}`);
    expect(err.message).toContain(`npx novamart-mongo repair --dbpath ${dbPath}`);
    expect(err.message).toContain('changed no file');
    expect(fingerprint(dbPath)).toEqual(before);
    report(`verified: refused with "${err.message}"; all files unchanged`);

    // The CLI (what `npm start` and operators run) exits 1 with that message, no stack trace.
    const cli = spawnSync(process.execPath, [BIN, '--port', '0', '--dbpath', dbPath], {
      encoding: 'utf8',
      timeout: 90_000,
    });
    expect(cli.status).toBe(1);
    expect(cli.stderr).toContain(`novamart-mongo refused to start: DataFilesDamaged: ${journal} is damaged`);
    expect(cli.stderr).not.toMatch(/\n\s+at /);
    expect(fingerprint(dbPath)).toEqual(before);
    report(`verified: CLI exit ${cli.status}: ${cli.stderr.trim().split('. ')[0]}`);

    const repair = runRepair(dbPath);
    report(repair.out);
    expect(repair.status).toBe(0);
    expect(repair.out).toContain(`dropped ${hit.end - hit.offset} byte(s) at offset ${hit.offset}`);
    const backup = readdirSync(dbPath).find((f) => f.startsWith('repair-backup-'))!;
    const kept = readFileSync(join(dbPath, backup, 'journal.0'));
    expect(kept.length).toBe(original.length);
    expect(kept.equals(original)).toBe(false); // the damaged bytes, as they were found
    expect(kept[at]).toBe((original[at] as number) ^ 0xff);

    const ids = await shopIds(dbPath);
    expect(ids).toEqual(allIds().filter((id) => !hit.ids.includes(id)));
    report(
      `verified: after repair ${ids.length} of ${allIds().length} documents; lost only ${JSON.stringify(hit.ids)}`,
    );
  });

  it('refuses a damaged snapshot and a snapshot cut short; repair salvages the intact records', async () => {
    const dbPath = tempDir();
    await writeShop(dbPath, { compactJournalBytes: 4 * 1024 });
    const snapshot = readdirSync(dbPath).find((f) => /^snapshot\.\d+$/.test(f))!;
    expect(snapshot).toBeDefined();
    const path = join(dbPath, snapshot);
    const original = readFileSync(path);
    const recs = records(original);
    report(`snapshot ${snapshot}: ${original.length} bytes, ${recs.length} records`);

    // Cut short at a record boundary: every remaining record is intact, only the end record is gone.
    const cut = recs.at(-2)!.end;
    writeFileSync(path, original.subarray(0, cut));
    report(`injected: ${snapshot} truncated from ${original.length} to ${cut} bytes (a record boundary)`);
    let before = fingerprint(dbPath);
    let err = await startEmbeddedMongo({ port: 0, dbPath }).then(
      (s) => s.stop().then(() => new Error('started')),
      (e: Error) => e,
    );
    expect(err.message).toContain(`${path} is damaged at byte offset ${cut}: snapshot end record missing`);
    expect(fingerprint(dbPath)).toEqual(before);
    report(`verified: refused with "${err.message.split('. ')[0]}"`);

    // One flipped byte inside a data record.
    writeFileSync(path, original);
    const hit = recs.find((r) => r.ids.length > 0)!;
    flipByte(path, hit.offset + 20);
    report(`injected: flipped byte ${hit.offset + 20} of ${snapshot} (record ${hit.offset}..${hit.end})`);
    before = fingerprint(dbPath);
    err = await startEmbeddedMongo({ port: 0, dbPath }).then(
      (s) => s.stop().then(() => new Error('started')),
      (e: Error) => e,
    );
    expect(err.message).toContain(
      `${path} is damaged at byte offset ${hit.offset}: record checksum mismatch`,
    );
    expect(fingerprint(dbPath)).toEqual(before);
    report(`verified: refused with "${err.message.split('. ')[0]}"`);

    const repair = runRepair(dbPath);
    report(repair.out);
    expect(repair.status).toBe(0);
    const ids = await shopIds(dbPath);
    expect(ids).toEqual(allIds().filter((id) => !hit.ids.includes(id)));
    report(`verified: repair kept ${ids.length} documents, lost the ${hit.ids.length} of the damaged record`);
  });

  it('refuses a checksum mismatch over a snapshot whose records are each intact', async () => {
    const dbPath = tempDir();
    await writeShop(dbPath, { compactJournalBytes: 4 * 1024 });
    const snapshot = readdirSync(dbPath).find((f) => /^snapshot\.\d+$/.test(f))!;
    const path = join(dbPath, snapshot);
    const buf = readFileSync(path);
    const recs = records(buf);
    // Two data records swapped: each still passes its own checksum, the snapshot's does not.
    const [a, b] = [recs[1]!, recs[2]!];
    const swapped = Buffer.concat([
      buf.subarray(0, a.offset),
      buf.subarray(b.offset, b.end),
      buf.subarray(a.offset, a.end),
      buf.subarray(b.end),
    ]);
    writeFileSync(path, swapped);
    report(`injected: swapped records ${a.offset}..${a.end} and ${b.offset}..${b.end} of ${snapshot}`);
    await expect(startEmbeddedMongo({ port: 0, dbPath })).rejects.toThrow(/snapshot checksum mismatch/);
    report('verified: refused with "snapshot checksum mismatch"');
  });

  it('refuses when a journal in the middle of the chain is missing', async () => {
    const dbPath = tempDir();
    await writeShop(dbPath);
    // journal.0 followed by journal.2: whatever journal.1 held is gone.
    renameSync(join(dbPath, 'journal.0'), join(dbPath, 'journal.2'));
    writeFileSync(join(dbPath, 'journal.0'), Buffer.alloc(0));
    report('injected: journal.1 missing between journal.0 and journal.2');
    await expect(startEmbeddedMongo({ port: 0, dbPath })).rejects.toThrow(
      `${join(dbPath, 'journal.1')} is damaged at byte offset 0: the file is missing`,
    );
    report('verified: refused, naming journal.1');
  });
});

describe('repair', () => {
  it('refuses a directory a server holds, and changes nothing when every file checks out', async () => {
    const dbPath = tempDir();
    await writeShop(dbPath);
    const server = await startEmbeddedMongo({ port: 0, dbPath });
    try {
      expect(() => repairDataDir(dbPath)).toThrow(/DBPathInUse/);
    } finally {
      await server.stop();
    }
    const before = fingerprint(dbPath);
    const result = repairDataDir(dbPath);
    expect(result).toMatchObject({ repaired: false, backupDir: undefined, documents: allIds().length });
    expect(fingerprint(dbPath)).toEqual(before);
    report(`verified: repair on intact files changed nothing (${result.documents} documents)`);
  });
});

describe('data files', () => {
  it('are created with mode 0600 in a 0700 directory', async () => {
    const dbPath = join(tempDir(), 'fresh');
    await writeShop(dbPath, { compactJournalBytes: 4 * 1024 });
    const modes = Object.fromEntries(
      readdirSync(dbPath).map((f) => [f, (statSync(join(dbPath, f)).mode & 0o777).toString(8)]),
    );
    report(`data files and modes: ${JSON.stringify(modes)}`);
    expect(Object.keys(modes).some((f) => f.startsWith('snapshot.'))).toBe(true);
    for (const mode of Object.values(modes)) expect(mode).toBe('600');
    expect((statSync(dbPath).mode & 0o777).toString(8)).toBe('700');
    expect(existsSync(join(dbPath, 'mongod.lock'))).toBe(false);
  });
});
