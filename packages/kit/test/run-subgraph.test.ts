import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedMongoForTests, type TestMongo } from '../src/testing/index';

const probeMain = fileURLToPath(new URL('./probe/main.ts', import.meta.url));

interface Child {
  process: ChildProcess;
  lines: Record<string, any>[];
  stderr: string[];
  exited: Promise<number | null>;
  /** Resolves with the first log line matching `predicate`. */
  waitForLine(
    predicate: (line: Record<string, any>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, any>>;
}

function spawnProbe(env: Record<string, string>): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', probeMain], {
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      PORT: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, any>[] = [];
  const stderr: string[] = [];
  const waiters: {
    predicate: (line: Record<string, any>) => boolean;
    resolve: (line: Record<string, any>) => void;
  }[] = [];
  let buffer = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    let newline;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const text = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      if (!text.trim()) continue;
      const line = JSON.parse(text) as Record<string, any>;
      lines.push(line);
      for (const waiter of [...waiters]) {
        if (waiter.predicate(line)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(line);
        }
      }
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    process: child,
    lines,
    stderr,
    exited,
    waitForLine(predicate, timeoutMs = 20_000) {
      const seen = lines.find(predicate);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(`no matching log line; stdout: ${JSON.stringify(lines)} stderr: ${stderr.join('')}`),
            ),
          timeoutMs,
        );
        waiters.push({ predicate, resolve: (line) => (clearTimeout(timer), resolve(line)) });
      });
    },
  };
}

describe('runSubgraph, the standalone main', () => {
  let mongoServer: TestMongo;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    mongoServer = await startEmbeddedMongoForTests();
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await mongoServer?.stop();
  });

  it('drains an in-flight request on SIGTERM, refuses new ones, and exits 0', async () => {
    const child = spawnProbe({ MONGO_URL: mongoServer.uri, LOG_LEVEL: 'debug' });
    children.push(child.process);
    const ready = await child.waitForLine((line) => typeof line.url === 'string');
    const url = ready.url as string;
    expect(ready.msg).toBe(`probe subgraph ready at ${url}`);

    const slow = fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'slow-1' },
      body: JSON.stringify({ query: '{ slow(ms: 1500) }' }),
    });
    // The request is in the resolver before the signal, however slow the machine.
    await child.waitForLine((line) => line.msg === 'probe slow resolver started');
    child.process.kill('SIGTERM');
    await child.waitForLine((line) => line.msg === 'probe subgraph draining');

    await expect(fetch(url.replace('/graphql', '/health/live'))).rejects.toThrow();

    const response = await slow;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { slow: 'slept 1500' } });
    expect(await child.exited).toBe(0);
    // In order: the request finished, then the module's workers stopped, then the process.
    const position = (predicate: (line: Record<string, any>) => boolean) => child.lines.findIndex(predicate);
    const requestDone = position((line) => line.msg === 'graphql request' && line.requestId === 'slow-1');
    const workersStopped = position((line) => line.msg === 'probe workers stopped');
    const processStopped = position((line) => line.msg === 'probe subgraph stopped');
    expect(requestDone).toBeGreaterThan(position((line) => line.msg === 'probe subgraph draining'));
    expect(workersStopped).toBeGreaterThan(requestDone);
    expect(processStopped).toBeGreaterThan(workersStopped);
  });

  it('treats a signal relayed twice by npm or tsx as one stop request and still drains', async () => {
    const child = spawnProbe({ MONGO_URL: mongoServer.uri });
    children.push(child.process);
    const { url } = (await child.waitForLine((line) => typeof line.url === 'string')) as { url: string };
    const slow = fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ slow(ms: 1000) }' }),
    });
    await child.waitForLine((line) => line.msg === 'probe slow resolver started');
    child.process.kill('SIGTERM');
    // Within REPEATED_SIGNAL_WINDOW_MS: the time between the two is what this test is about.
    await new Promise((resolve) => setTimeout(resolve, 100));
    child.process.kill('SIGTERM');
    const response = await slow;
    expect(await response.json()).toEqual({ data: { slow: 'slept 1000' } });
    expect(await child.exited).toBe(0);
    expect(child.lines.some((line) => /second signal/.test(String(line.msg)))).toBe(false);
  });

  it('stops start-up with a message naming a bad variable and exits 1', async () => {
    const child = spawnProbe({ MONGO_URL: 'postgres://nope', LOG_LEVEL: 'chatty' });
    children.push(child.process);
    expect(await child.exited).toBe(1);
    const fatal = child.lines.find((line) => line.level === 'fatal');
    expect(fatal?.msg).toMatch(/^Invalid configuration: /);
    expect(fatal?.msg).toContain('MONGO_URL');
    expect(fatal?.msg).toContain('LOG_LEVEL');
    expect(fatal?.variables.sort()).toEqual(['LOG_LEVEL', 'MONGO_URL']);
  });
});
