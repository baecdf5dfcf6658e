/**
 * Services as processes of their own, started the way production starts them (`src/main.ts` of
 * a subgraph or the gateway through tsx, configured from the environment), for the tests that
 * kill them (tests/inventory-crash.e2e.test.ts, tests/scale-out.e2e.test.ts). Every process
 * started here is remembered until it exits; `killAll()` SIGKILLs what is left (call it in
 * afterAll, so that a failing test leaves nothing running).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

export interface ServiceProcess {
  name: string;
  child: ChildProcess;
  /** Resolves when the process has exited, with how. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL: the process dies at once, whatever it was doing. */
  kill(): Promise<void>;
  /** SIGTERM: the process drains and exits. */
  stop(): Promise<void>;
  /** The end of what the process wrote (its logs), for failure messages. */
  output(): string;
}

const running = new Set<ServiceProcess>();

export const repoPath = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

/** A port nobody listens on right now (for a process that must be found again after a restart). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Accepts a TCP connection on `port` (a server that speaks no HTTP, e.g. MongoDB). */
export function listening(port: number): () => Promise<boolean> {
  return () =>
    new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
}

/**
 * Starts `entry` (a path from the repository root, with its arguments) with tsx and `env` on top
 * of this process's environment, and waits until `ready` (a URL answering 200, or a probe)
 * says so (or the process exits, which fails).
 */
export async function startProcess(
  name: string,
  entry: string | [string, ...string[]],
  env: Record<string, string>,
  ready: string | (() => Promise<boolean>),
  { timeoutMs = 90_000 }: { timeoutMs?: number } = {},
): Promise<ServiceProcess> {
  const [file, ...args] = typeof entry === 'string' ? [entry] : entry;
  const child = spawn(process.execPath, ['--import', 'tsx', repoPath(file), ...args], {
    cwd: repoPath('.'),
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Logs (pino writes to stdout) and crashes (stderr), the last 20 kB, for failure messages.
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const handle: ServiceProcess = {
    name,
    child,
    exited,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
    output: () => output,
  };
  running.add(handle);
  void exited.then(() => running.delete(handle));

  const deadline = Date.now() + timeoutMs;
  let gone = false;
  void exited.then(() => (gone = true));
  for (;;) {
    if (gone) throw new Error(`${name} exited before it was ready: ${output.slice(-4_000)}`);
    const up =
      typeof ready === 'string'
        ? await fetch(ready).then(
            (response) => response.ok,
            () => false,
          )
        : await ready();
    if (up) return handle;
    if (Date.now() > deadline) {
      await handle.kill();
      throw new Error(`${name} was not ready within ${timeoutMs} ms: ${output.slice(-4_000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** SIGKILLs every process started here that is still running. */
export async function killAll(): Promise<void> {
  await Promise.all([...running].map((service) => service.kill()));
}
