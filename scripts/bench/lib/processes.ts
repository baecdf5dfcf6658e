/**
 * Child processes for side-by-side benchmarks: each entry script prints `READY <json>` once it
 * serves; `startChild` waits for that line and returns the JSON and a stop function (SIGTERM,
 * then SIGKILL after 10 s).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export interface Child<T> {
  info: T;
  process: ChildProcess;
  stop(): Promise<void>;
}

export interface ChildOptions {
  /** Working directory: the tree whose code runs (a baseline worktree, or this one). */
  cwd: string;
  env?: Record<string, string | undefined>;
  /** Node binary; default this process's. */
  node?: string;
  timeoutMs?: number;
}

/** Runs a TypeScript entry script through tsx in its own process and waits for its READY line. */
export async function startChild<T>(script: string, options: ChildOptions): Promise<Child<T>> {
  const tsxCli = require.resolve('tsx/cli', { paths: [options.cwd] });
  const child = spawn(options.node ?? process.execPath, [tsxCli, script], {
    cwd: options.cwd,
    // Every contender runs as deployed (the Dockerfile's NODE_ENV=production): graphql-js's
    // development checks (a cross-realm test in every `instanceOf`, 1.2% of the gateway's main
    // thread on the catalog page) and Apollo Server's development defaults are not what users run.
    env: { ...process.env, NODE_ENV: 'production', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const info = await new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${script} was not ready in time:\n${output.slice(-2000)}`)),
      options.timeoutMs ?? 180_000,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split('\n').find((l) => l.startsWith('READY '));
      if (line && output.includes('\n', output.indexOf(line))) {
        clearTimeout(timer);
        resolve(JSON.parse(line.slice('READY '.length)) as T);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code} before it was ready:\n${output.slice(-2000)}`));
    });
  });
  child.stdout.resume();
  child.stderr.resume();
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  return { info, process: child, stop };
}

/**
 * CPU time (user + system, ms) a process and all its descendants have used so far, from /proc
 * (Linux; undefined elsewhere). CPU per request is the benchmark figure the machine's noise moves
 * least: another tenant slows the wall clock, not the work each request costs.
 */
export function cpuMillisOfTree(pid: number): number | undefined {
  const stat = (p: string) => readFileSync(`/proc/${p}/stat`, 'utf8');
  const fields = (text: string) => text.slice(text.lastIndexOf(')') + 2).split(' ');
  try {
    const children = new Map<string, string[]>();
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const parent = fields(stat(entry))[1]!;
        children.set(parent, [...(children.get(parent) ?? []), entry]);
      } catch {
        // Gone between the listing and the read.
      }
    }
    const ticks = (p: string): number => {
      const f = fields(stat(p));
      return Number(f[11]) + Number(f[12]) + (children.get(p) ?? []).reduce((sum, c) => sum + ticks(c), 0);
    };
    return ticks(String(pid)) * (1000 / CLOCK_TICKS_PER_SECOND);
  } catch {
    return undefined;
  }
}

// USER_HZ: 100 on every Linux architecture Node runs on.
const CLOCK_TICKS_PER_SECOND = 100;
