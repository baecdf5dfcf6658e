// The novamart-mongo CLI as users start it: prints its URI when ready, serves it, stops on SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MongoClient } from 'mongodb';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../bin/novamart-mongo.js', import.meta.url));
const children: ChildProcess[] = [];
const dirs: string[] = [];

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function launch(args: string[]): { child: ChildProcess; uri: Promise<string>; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  const uri = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URI printed:\n${out}`)), 30_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const match = /mongodb:\/\/\S+/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[0]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
    child.once('exit', () => reject(new Error(`exited before printing a URI:\n${out}`)));
  });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  uri.catch(() => undefined);
  return { child, uri, exit };
}

describe('novamart-mongo CLI', () => {
  it('prints a working URI when ready (--in-memory) and exits cleanly on SIGTERM', async () => {
    const run = launch(['--port', '0', '--in-memory']);
    const uri = await run.uri;
    expect(uri).toMatch(/^mongodb:\/\/127\.0\.0\.1:\d+\/\?replicaSet=novamart$/);
    const client = new MongoClient(uri);
    await client.db('cli').collection('c').insertOne({ a: 1 });
    expect(await client.db('cli').collection('c').countDocuments()).toBe(1);
    await client.close();
    run.child.kill('SIGTERM');
    expect(await run.exit).toBe(0);
  });

  it('persists to --dbpath', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'novamart-mongo-cli-'));
    dirs.push(dir);
    const run = launch(['--port', '0', '--dbpath', dir]);
    const client = new MongoClient(await run.uri);
    await client.db('cli').collection('c').insertOne({ a: 1 });
    await client.close();
    run.child.kill('SIGTERM');
    await run.exit;
    expect(readdirSync(dir).some((f) => f.startsWith('journal.'))).toBe(true);
  });

  it('rejects unknown options with exit code 2', async () => {
    const run = launch(['--bogus']);
    expect(await run.exit).toBe(2);
  });
});
