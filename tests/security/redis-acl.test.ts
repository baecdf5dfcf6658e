/**
 * docker-compose.yml's Redis ACL, tried on a real Redis (issue 12): the user the services connect
 * as can run everything a subgraph and the gateway run (event streams with consumer groups, dead
 * letters and claims, live pub/sub, session revocations, login throttle scripts, health pings),
 * and is refused keys and channels outside `novamart:*`, administrative and dangerous commands.
 *
 * Twice: the compose file's own `redis-server` arguments on a private server (when redis-server is
 * installed; it also proves the arguments start a server and that the default user is off), and
 * the same ACL rules as a uniquely named user on the shared test Redis, deleted afterwards.
 * Forbidden commands that would hurt a shared server (FLUSHALL, SHUTDOWN...) are only asked with
 * ACL DRYRUN there.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { closeRedis, createLogger, createRedis, pingRedis, RedisSessionRevocations } from '@novamart/kit';
import { requireRedis, testRedisUrl } from '@novamart/kit/testing';
import { createEvent, type DomainEvent } from '@novamart/events';
import { RedisLiveBus, RedisStreamsBus } from '@novamart/events/redis';
import { RedisAttemptCounters } from '../../subgraphs/users/src/services/attempt-counters';

const silent = createLogger('redis-acl-test', { level: 'silent' });
const PASSWORD_VARIABLE = /\$\{REDIS_PASSWORD:\?[^}]*\}/;

/** The redis service's command, and the rules of its `novamart` user, from docker-compose.yml. */
async function composeRedis(): Promise<{ args: string[]; userRules: string[] }> {
  const compose = parse(await readFile(new URL('../../docker-compose.yml', import.meta.url), 'utf8'), {
    merge: true,
  }) as { services: { redis: { command: string[] } } };
  const command = compose.services.redis.command;
  expect(command[0]).toBe('redis-server');
  const args = command.slice(1);
  const users: string[][] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] !== '--user') continue;
    const tokens: string[] = [];
    for (let j = i + 1; j < args.length && !args[j]!.startsWith('--'); j++) tokens.push(args[j]!);
    users.push(tokens);
  }
  const app = users.find((tokens) => tokens[0] === 'novamart');
  if (!app)
    throw new Error(`docker-compose.yml defines no Redis user "novamart" (users: ${JSON.stringify(users)})`);
  return { args, userRules: app.slice(1) };
}

const withPassword = (tokens: string[], password: string) =>
  tokens.map((token) => token.replace(PASSWORD_VARIABLE, password));

/** What a subgraph and the gateway do on Redis, as `user`; throws on the first refusal. */
async function runAsServices(url: string, prefix: string): Promise<void> {
  const connect = (name: string) => () =>
    createRedis(url, name, { logger: silent, redis: { maxRetriesPerRequest: null } });
  const bus = new RedisStreamsBus(connect('acl-events'), {
    logger: silent,
    keyPrefix: prefix,
    signingKey: randomBytes(24).toString('hex'),
    claimIdleMs: 400,
    maxAttempts: 2,
    blockMs: 200,
  });
  const live = new RedisLiveBus(connect('acl-live'), { logger: silent, keyPrefix: prefix });
  const main = connect('acl-main')();
  try {
    const handled: string[] = [];
    bus.subscribe({
      group: 'acl-consumer',
      types: ['acl.*'],
      backoff: () => 10,
      handler: async (event: DomainEvent<{ poison?: boolean }>) => {
        if (event.payload.poison) throw new Error('poison');
        handled.push(event.id);
      },
    });
    await bus.start();
    const good = createEvent('acl.checked', 'a1', { poison: false });
    const poison = createEvent('acl.checked', 'a2', { poison: true });
    await bus.publish([good, poison]);
    const deadline = Date.now() + 10_000;
    while (!(handled.includes(good.id) && (await bus.deadLetters('acl-consumer')).length === 1)) {
      if (Date.now() > deadline) throw new Error('the ACL user could not consume or dead-letter the events');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(await bus.backlog()).toBe(0);

    const received: unknown[] = [];
    const unsubscribe = live.subscribe('order:1', (message) => received.push(message));
    await unsubscribe.ready;
    await live.publish('order:1', { status: 'PAID' });
    for (const until = Date.now() + 5000; received.length === 0 && Date.now() < until;)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect(received).toEqual([{ status: 'PAID' }]);
    unsubscribe();

    const revocations = new RedisSessionRevocations(main, `${prefix}:sessions:revoked:`);
    await revocations.revoke(['s1'], 60);
    expect(await revocations.isRevoked('s1')).toBe(true);

    const counters = new RedisAttemptCounters(main, `${prefix}:users:login-failures:`);
    expect((await counters.hit('k', 60_000)).count).toBe(1);
    expect(await counters.backoff('b', { free: 5, baseMs: 1000, maxMs: 60_000, windowMs: 60_000 })).toEqual({
      count: 1,
      waitMs: 0,
    });
    await counters.undo('b');
    await counters.clear('k');
    await main.info('server'); // ioredis's ready check asks INFO on every connection
    expect(await pingRedis(main)).toBe(true);
  } finally {
    await bus.close();
    await live.close();
    await closeRedis(main);
  }
}

/** Commands a refused user gets NOPERM for; each would be harmless even if it were allowed. */
async function expectHarmlessRefusals(url: string, prefix: string): Promise<void> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0 });
  try {
    await client.connect();
    const refused = async (what: string, run: () => Promise<unknown>) =>
      expect(run(), what).rejects.toThrow(/NOPERM/);
    await refused('a key outside novamart:*', () => client.get('someone-else:secret'));
    await refused('writing outside novamart:*', () => client.set(`other:${prefix}`, 'x'));
    await refused('an event stream of another prefix', () =>
      client.xadd('events:payment', '*', 'forged', '1'),
    );
    await refused('a channel outside novamart:*', () => client.publish('other:live', 'x'));
    await refused('CONFIG GET', () => client.config('GET', 'maxmemory'));
    await refused('KEYS', () => client.keys(`${prefix}:*`));
    await refused('ACL LIST', () => client.acl('LIST'));
    await refused('CLIENT LIST', () => client.client('LIST'));
    await refused('MONITOR', () => client.call('MONITOR'));
    await refused('a script touching another key', () =>
      client.eval("return redis.call('GET', KEYS[1])", 1, 'someone-else:secret'),
    );
  } finally {
    client.disconnect();
  }
}

/** ACL DRYRUN: what the user may run, asked without running it (for commands that would hurt). */
async function expectDryRunRefusals(admin: Redis, user: string): Promise<void> {
  for (const command of [
    ['FLUSHALL'],
    ['FLUSHDB'],
    ['SHUTDOWN'],
    ['DEBUG', 'SLEEP', '0'],
    ['CONFIG', 'SET', 'appendonly', 'no'],
    ['SWAPDB', '0', '1'],
    ['MIGRATE', '127.0.0.1', '1', 'novamart:x', '0', '1'],
    ['RESTORE', 'novamart:x', '0', 'x'],
    ['CLIENT', 'KILL', 'ID', '1'],
    ['ACL', 'SETUSER', 'x'],
    ['REPLICAOF', '127.0.0.1', '1'],
    ['MODULE', 'LOAD', '/tmp/x.so'],
  ]) {
    const verdict = String(await admin.call('ACL', 'DRYRUN', user, ...command));
    expect(verdict, command.join(' ')).toMatch(/no permissions/);
  }
  expect(
    String(await admin.call('ACL', 'DRYRUN', user, 'XADD', 'novamart:events:order', '*', 'f', 'v')),
  ).toBe('OK');
}

const redisServer = spawnSync('redis-server', ['--version']).status === 0;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("docker-compose.yml's Redis ACL", () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it.skipIf(!redisServer)(
    "starts redis-server with the compose file's arguments; anonymous is refused, the services' user works within its ACL",
    async () => {
      const { args } = await composeRedis();
      const password = randomBytes(16).toString('hex');
      const dir = await mkdtemp(join(tmpdir(), 'novamart-redis-acl-'));
      const port = await freePort();
      const server: ChildProcess = spawn(
        'redis-server',
        [
          ...withPassword(args, password),
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--dir',
          dir,
          '--save',
          '',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let output = '';
      server.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      server.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => server.once('exit', resolve));
      cleanups.push(async () => {
        if (server.exitCode === null) server.kill('SIGKILL');
        await exited;
        await rm(dir, { recursive: true, force: true });
      });
      for (const deadline = Date.now() + 10_000; !output.includes('Ready to accept connections');) {
        if (server.exitCode !== null || Date.now() > deadline)
          throw new Error(`redis-server did not start with the compose arguments:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }

      const anonymous = new Redis({
        port,
        host: '127.0.0.1',
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        enableReadyCheck: false,
      });
      await anonymous.connect();
      await expect(anonymous.get('novamart:anything')).rejects.toThrow(/NOAUTH/);
      anonymous.disconnect();

      const url = `redis://novamart:${password}@127.0.0.1:${port}`;
      await runAsServices(url, 'novamart');
      await expectHarmlessRefusals(url, 'novamart');
      // A private server: the destructive commands may really be tried.
      const app = new Redis(url, { maxRetriesPerRequest: 0 });
      try {
        // (DEBUG is refused before the ACL is asked: enable-debug-command is off; DRYRUN covers it.)
        for (const command of [['FLUSHALL'], ['FLUSHDB'], ['SHUTDOWN', 'NOSAVE']])
          await expect(app.call(command[0]!, ...command.slice(1)), command.join(' ')).rejects.toThrow(
            /NOPERM/,
          );
      } finally {
        app.disconnect();
      }
    },
  );

  it('the same rules as a temporary user on the shared test Redis', async () => {
    const { userRules } = await composeRedis();
    const admin = await requireRedis();
    const user = `novamart-acl-test-${randomBytes(4).toString('hex')}`;
    const password = randomBytes(16).toString('hex');
    const prefix = `novamart:acl-test-${randomBytes(4).toString('hex')}`;
    cleanups.push(async () => {
      await admin.call('ACL', 'DELUSER', user);
      const keys = await admin.keys(`${prefix}:*`);
      if (keys.length) await admin.del(...keys);
      await admin.quit();
    });
    await admin.call('ACL', 'SETUSER', user, 'reset', ...withPassword(userRules, password));
    const shared = new URL(testRedisUrl());
    const url = `redis://${user}:${password}@${shared.host}`;
    await runAsServices(url, prefix);
    await expectHarmlessRefusals(url, prefix);
    await expectDryRunRefusals(admin, user);
  });
});
