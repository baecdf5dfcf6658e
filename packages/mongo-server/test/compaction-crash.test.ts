// A crash during compaction loses nothing: the CLI server is SIGKILLed at each step of writing a snapshot
// (journal switched; snapshot half written; snapshot renamed but old files not yet removed). The debug hook
// NOVAMART_MONGO_DEBUG_PAUSE_AT makes the child announce the step and block there, so the kill lands exactly
// at that step; the files found on disk at the kill prove it.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MongoClient } from 'mongodb';
import { afterAll, describe, expect, it } from 'vitest';

const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const COLLECTIONS = ['users', 'orders', 'payments', 'refunds'];

/** What a fault test injected and verified, printed with the test output (not a console log of the code). */
const report = (line: string): boolean => process.stdout.write(`[fault] ${line}\n`);

const dirs: string[] = [];
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

interface Server {
  child: ChildProcess;
  uri: string;
  /** Resolves with the pid the child announced when it reached the debug pause point. */
  paused: Promise<number>;
  exited: Promise<NodeJS.Signals | number | null>;
}

function startServer(dbPath: string, pauseAt?: string): Promise<Server> {
  const env = { ...process.env };
  if (pauseAt) env.NOVAMART_MONGO_DEBUG_PAUSE_AT = pauseAt;
  else delete env.NOVAMART_MONGO_DEBUG_PAUSE_AT;
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', CLI, '--port', '0', '--dbpath', dbPath, '--compact-journal-bytes', '8192'],
    { stdio: ['ignore', 'pipe', 'pipe'], env },
  );
  children.push(child);
  let output = '';
  let onPaused: (pid: number) => void = () => undefined;
  const paused = new Promise<number>((resolve) => (onPaused = resolve));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? code)),
  );
  child.stderr!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    const m = /debug: paused at (\S+) \(pid (\d+)\)/.exec(output);
    if (m && m[1] === pauseAt) onPaused(Number(m[2]));
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not print its URI:\n${output}`)), 90_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /mongodb:\/\/[^\s"']+/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child, uri: match[0], paused, exited });
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code ?? signal}) before it was ready:\n${output}`));
    });
  });
}

const dataFiles = (dir: string): string[] =>
  readdirSync(dir)
    .filter((f) => /^(snapshot|journal)\.\d+(\.tmp)?$/.test(f))
    .sort();

describe('SIGKILL during compaction', () => {
  const points: Array<[string, (files: string[], dir: string) => void]> = [
    ['compact:journal-switched', (files) => expect(files).toEqual(['journal.0', 'journal.1'])],
    [
      'compact:snapshot-partial',
      (files, dir) => {
        expect(files).toEqual(['journal.0', 'journal.1', 'snapshot.1.tmp']);
        expect(statSync(join(dir, 'snapshot.1.tmp')).size).toBeGreaterThan(0);
      },
    ],
    ['compact:snapshot-renamed', (files) => expect(files).toEqual(['journal.0', 'journal.1', 'snapshot.1'])],
  ];

  for (const [point, filesAtKill] of points) {
    // Three CLI child processes per case; tsx start-up alone takes 10-30 s on a loaded 2-core machine.
    it(`keeps every acknowledged write when killed at ${point}`, async () => {
      const dbPath = mkdtempSync(join(tmpdir(), 'novamart-mongo-compact-crash-'));
      dirs.push(dbPath);
      const server = await startServer(dbPath, point);
      const client = new MongoClient(server.uri, { retryWrites: false, serverSelectionTimeoutMS: 2_000 });
      const acked: string[] = [];
      let attempted = '';
      let pausedPid: number | undefined;
      void server.paused.then((pid) => (pausedPid = pid));
      // One document at a time until the journal outgrows 8 KiB and the write that crosses it starts a
      // compaction, which stops at the pause point (that write's reply never comes).
      for (let i = 0; pausedPid === undefined; i++) {
        const name = COLLECTIONS[i % COLLECTIONS.length] as string;
        attempted = `${name}-${i}`;
        const reply = client
          .db('shop')
          .collection(name)
          .insertOne({ _id: attempted, i, pad: 'y'.repeat(300) } as never)
          .then(() => true);
        const done = await Promise.race([reply, server.paused.then(() => false)]);
        if (done) acked.push(attempted);
        expect(i, 'compaction never started').toBeLessThan(500);
      }
      expect(pausedPid).toBe(server.child.pid);
      const files = dataFiles(dbPath);
      filesAtKill(files, dbPath);
      server.child.kill('SIGKILL');
      expect(await server.exited).toBe('SIGKILL');
      await client.close(true).catch(() => undefined);
      report(
        `injected: SIGKILL at ${point} (child pid ${pausedPid} announced it), files at the kill: ${files.join(', ')}; ${acked.length} writes acknowledged, ${attempted} in flight`,
      );

      const restarted = await startServer(dbPath);
      const check = new MongoClient(restarted.uri);
      try {
        const found = new Set<string>();
        for (const name of COLLECTIONS)
          for (const d of await check.db('shop').collection(name).find().toArray()) found.add(String(d._id));
        for (const id of acked) expect(found.has(id), `acknowledged ${id}`).toBe(true);
        expect(found.size === acked.length || (found.size === acked.length + 1 && found.has(attempted))).toBe(
          true,
        );
        expect(existsSync(join(dbPath, 'snapshot.1.tmp'))).toBe(false);
        // The store goes on: a later compaction and restart still hold everything.
        for (let i = 0; i < 40; i++)
          await check
            .db('shop')
            .collection('after')
            .insertOne({ i, pad: 'z'.repeat(300) });
        report(
          `verified: after restart all ${acked.length} acknowledged writes present (${found.size} documents), files now ${dataFiles(dbPath).join(', ')}`,
        );
      } finally {
        await check.close();
        restarted.child.kill('SIGTERM');
        await restarted.exited;
      }
      const third = await startServer(dbPath);
      const again = new MongoClient(third.uri);
      try {
        expect(await again.db('shop').collection('after').countDocuments()).toBe(40);
        for (const id of acked.slice(-3))
          expect(
            await again
              .db('shop')
              .collection(id.split('-')[0] as string)
              .findOne({ _id: id } as never),
          ).not.toBeNull();
      } finally {
        await again.close();
        third.child.kill('SIGKILL');
      }
    }, 240_000);
  }
});
