/**
 * `npm run dev`: the production topology on a laptop. Every subgraph and the gateway run as their
 * own process in watch mode (`tsx watch`, restarted on a source change), exactly as docker-compose
 * runs them, on:
 *  - MongoDB: MONGO_URL, or else the embedded server, served by this process alone on MONGO_PORT
 *    (27017; a free port when that is taken), data in DATA_DIR/mongo;
 *  - Redis: REDIS_URL, or else a `redis-server` this script starts on a free port with its data in
 *    DATA_DIR/redis. Separate processes cannot share an in-process bus, so without both REDIS_URL
 *    and redis-server dev stops and says so (`npm start` runs everything in one process without
 *    Redis).
 * The environment is passed through to every process, with what each needs added: its port
 * (PORT, from <NAME>_PORT / SUBGRAPH_PORT_BASE), MONGO_URL, REDIS_URL, an absolute DATA_DIR,
 * JWKS_URL, the gateway's <NAME>_URL, the development administrator for users (as `npm start`
 * does), and LOG_FORMAT=pretty when this terminal shows the logs. A port in use stops dev before
 * anything starts, naming the process and the variable that moves it. Ctrl-C stops it all.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import {
  createLogger,
  peerUrlVariable,
  portInUseMessage,
  subgraphPort,
  wantsPrettyLogs,
} from '@novamart/kit';
import type * as EmbeddedMongoModule from '@novamart/mongo-server';
import { DEV_ADMIN } from './lib/dev-admin';
import { readSupergraphConfig, repoRoot } from './lib/supergraph-config';

const SUBGRAPH_HOST = '127.0.0.1';
const EMBEDDED_MONGO_PORT = 27017;
// Nine processes load at once; on a busy two-core laptop that takes minutes, not seconds.
const READY_TIMEOUT_MS = 600_000;

const env = process.env;
env.NODE_ENV ||= 'development';
env.APOLLO_TELEMETRY_DISABLED ||= 'true';
const logger = createLogger('dev');
const tsxCli = createRequire(import.meta.url).resolve('tsx/cli');
const prettyChildren = wantsPrettyLogs(env);

interface Proc {
  name: string;
  dir: string;
  port: number;
  host: string;
  variable: string;
  healthPath: string;
  env: Record<string, string>;
  child?: ChildProcess;
}

const cleanups: { name: string; run: () => Promise<void> }[] = [];
const procs: Proc[] = [];

async function portIsFree(port: number, host: string): Promise<unknown> {
  const server = createServer();
  return new Promise((done) => {
    server.once('error', (error) => done(error));
    server.listen(port, host, () => server.close(() => done(null)));
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

async function startMongo(dataDir: string): Promise<string> {
  if (env.MONGO_URL) {
    logger.info('MongoDB: MONGO_URL');
    return env.MONGO_URL;
  }
  const embedded = (await import('@novamart/mongo-server')) as typeof EmbeddedMongoModule;
  const dbPath = resolve(dataDir, 'mongo');
  mkdirSync(dbPath, { recursive: true });
  const wanted = Number(env.MONGO_PORT || EMBEDDED_MONGO_PORT);
  const inUse = await portIsFree(wanted, '127.0.0.1');
  if (inUse) logger.warn(`port ${wanted} is taken: the embedded MongoDB listens on a free port (MONGO_PORT)`);
  const mongo = await embedded.startEmbeddedMongo({ port: inUse ? 0 : wanted, dbPath });
  cleanups.push({ name: 'embedded MongoDB', run: () => mongo.stop() });
  logger.info(`MongoDB: the embedded server at ${mongo.uri}, data in ${dbPath}`);
  return mongo.uri;
}

async function redisAnswers(port: number): Promise<boolean> {
  const { Socket } = await import('node:net');
  return new Promise((done) => {
    const socket = new Socket();
    socket.setTimeout(500);
    socket.once('error', () => done(false));
    socket.once('timeout', () => {
      socket.destroy();
      done(false);
    });
    socket.connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      done(data.toString().startsWith('+PONG'));
    });
  });
}

async function startRedis(dataDir: string): Promise<string> {
  if (env.REDIS_URL) {
    logger.info('Redis: REDIS_URL');
    return env.REDIS_URL;
  }
  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status !== 0) {
    throw new Error(
      'npm run dev runs every subgraph in its own process, and they share events and live updates ' +
        'through Redis: set REDIS_URL, or install redis-server (Debian: apt-get install redis-server; ' +
        'macOS: brew install redis) and dev starts one. `npm start` runs everything in one process without Redis.',
    );
  }
  const port = await freePort();
  const dir = resolve(dataDir, 'redis');
  mkdirSync(dir, { recursive: true });
  // Append-only, so that events relayed but not yet consumed survive a restart of dev.
  const redis = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--save', ''],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const exited = new Promise<void>((done) => redis.once('exit', () => done()));
  cleanups.push({
    name: 'redis-server',
    run: async () => {
      if (redis.exitCode === null) redis.kill('SIGTERM');
      await exited;
    },
  });
  const deadline = Date.now() + 10_000;
  while (!(await redisAnswers(port))) {
    if (redis.exitCode !== null) throw new Error(`redis-server exited with ${redis.exitCode}`);
    if (Date.now() > deadline) throw new Error('redis-server did not answer within 10 s');
    await new Promise((done) => setTimeout(done, 100));
  }
  logger.info(`Redis: a redis-server started by dev at redis://127.0.0.1:${port}, data in ${dir}`);
  return `redis://127.0.0.1:${port}`;
}

function plan(mongoUrl: string, redisUrl: string, dataDir: string): Proc[] {
  const subgraphs = readSupergraphConfig().filter((s) =>
    existsSync(resolve(repoRoot, 'subgraphs', s.name, 'src/main.ts')),
  );
  const shared: Record<string, string> = {
    ...(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as Record<string, string>),
    MONGO_URL: mongoUrl,
    REDIS_URL: redisUrl,
    DATA_DIR: dataDir,
    // Every subgraph process of this run shows the others the same token (kit internal-calls.ts).
    INTERNAL_API_TOKEN: env.INTERNAL_API_TOKEN || randomBytes(24).toString('base64url'),
    ...(prettyChildren && !env.LOG_FORMAT ? { LOG_FORMAT: 'pretty' } : {}),
    ...(process.stdout.isTTY && !env.NO_COLOR ? { FORCE_COLOR: '1' } : {}),
  };
  const ports = new Map(
    subgraphs.map((s) => [s.name, subgraphPort({ name: s.name, port: Number(new URL(s.routingUrl).port) })]),
  );
  // The shipping subgraph prices the cart's shipping options and checkout's method and tax.
  const shippingPort = ports.get('shipping')?.port;
  if (shippingPort !== undefined && !env.SHIPPING_URL)
    shared.SHIPPING_URL = `http://${SUBGRAPH_HOST}:${shippingPort}/graphql`;
  const usersPort = ports.get('users')?.port;
  if (usersPort !== undefined && !env.JWKS_URL)
    shared.JWKS_URL = `http://${SUBGRAPH_HOST}:${usersPort}/.well-known/jwks.json`;

  const urls = Object.fromEntries(
    subgraphs.map((s) => [
      peerUrlVariable(s.name),
      `http://${SUBGRAPH_HOST}:${ports.get(s.name)!.port}/graphql`,
    ]),
  );
  const procs: Proc[] = subgraphs.map((s) => {
    const { port, variable } = ports.get(s.name)!;
    // Each subgraph learns where its peers are (cart → products and promotions, orders → cart...),
    // as under `npm start` and docker-compose; a variable set by hand wins.
    const own: Record<string, string> = { ...urls, ...shared, PORT: String(port), HOST: SUBGRAPH_HOST };
    // The same development administrator `npm start` creates, so that `npm run seed` works.
    if (s.name === 'users' && env.NODE_ENV === 'development' && !env.ADMIN_EMAIL && !env.ADMIN_PASSWORD) {
      own.ADMIN_EMAIL = DEV_ADMIN.email;
      own.ADMIN_PASSWORD = DEV_ADMIN.password;
    }
    return {
      name: s.name,
      dir: resolve(repoRoot, 'subgraphs', s.name),
      port,
      host: SUBGRAPH_HOST,
      variable,
      healthPath: '/health/ready',
      env: own,
    };
  });
  const gatewayPort = Number(env.PORT || 4000);
  const gatewayHost = env.HOST || '0.0.0.0';
  procs.push({
    name: 'gateway',
    dir: resolve(repoRoot, 'gateway'),
    port: gatewayPort,
    host: gatewayHost,
    variable: 'PORT',
    healthPath: '/health',
    env: { ...shared, ...urls, PORT: String(gatewayPort), HOST: gatewayHost },
  });
  return procs;
}

function pipeLines(proc: Proc, width: number): void {
  const colors = [36, 32, 33, 35, 34, 96, 92, 93, 95];
  const index = Math.abs([...proc.name].reduce((h, c) => h * 31 + c.charCodeAt(0), 7)) % colors.length;
  const label = proc.name.padEnd(width);
  const prefix = process.stdout.isTTY ? `\x1b[${colors[index]}m${label}\x1b[0m │ ` : `${label} │ `;
  for (const stream of [proc.child!.stdout!, proc.child!.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => process.stdout.write(prefix + line + '\n'));
  }
}

async function waitReady(procs: Proc[]): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  const pending = new Set(procs);
  while (pending.size > 0) {
    for (const proc of [...pending]) {
      const host = proc.host === '0.0.0.0' || proc.host === '::' ? '127.0.0.1' : proc.host;
      const ok = await fetch(`http://${host}:${proc.port}${proc.healthPath}`, {
        signal: AbortSignal.timeout(2000),
      }).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) pending.delete(proc);
    }
    if (pending.size === 0) return;
    if (Date.now() > deadline) {
      throw new Error(
        `not ready after ${READY_TIMEOUT_MS / 1000} s: ${[...pending].map((p) => p.name).join(', ')}`,
      );
    }
    await new Promise((done) => setTimeout(done, 500));
  }
}

/**
 * The storefront under Vite with hot reload (STOREFRONT_PORT, 5173), proxying /graphql and its
 * WebSocket to the gateway above. It is a convenience beside the API, so a failure is logged and
 * the backend stays up.
 */
function startStorefrontDevServer(gatewayOrigin: string): void {
  const storefrontDir = resolve(repoRoot, 'storefront');
  if (!existsSync(storefrontDir)) return;
  const port = process.env.STOREFRONT_PORT || '5173';
  // vite's package exports do not include its CLI file, so it is found next to its package.json.
  const viteCli = join(
    dirname(createRequire(import.meta.url).resolve('vite/package.json')),
    'bin',
    'vite.js',
  );
  const child = spawn(process.execPath, [viteCli, '--port', port, '--strictPort'], {
    cwd: storefrontDir,
    env: { ...process.env, GATEWAY_ORIGIN: gatewayOrigin },
    stdio: 'inherit',
  });
  child.once('exit', (code, signal) => {
    if (code !== 0 && signal !== 'SIGTERM') logger.error(`storefront: Vite exited (${signal ?? code})`);
  });
  cleanups.push({
    name: 'storefront dev server',
    run: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((done) => child.once('exit', done));
    },
  });
  logger.info(`storefront (hot reload): http://localhost:${port}/ (STOREFRONT_PORT)`);
}

async function stopAll(): Promise<void> {
  const running = procs.filter((p) => p.child && p.child.exitCode === null && p.child.signalCode === null);
  await Promise.all(
    running.map(
      (p) =>
        new Promise<void>((done) => {
          const killer = setTimeout(() => p.child!.kill('SIGKILL'), 20_000);
          p.child!.once('exit', () => {
            clearTimeout(killer);
            done();
          });
          p.child!.kill('SIGTERM');
        }),
    ),
  );
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup
      .run()
      .catch((error: unknown) => logger.error({ err: error }, `${cleanup.name} did not stop`));
  }
}

async function main(): Promise<void> {
  const dataDir = resolve(env.DATA_DIR || '.data');
  const procs0 = plan('mongodb://unused', 'redis://unused', dataDir);
  // Every port before anything starts: a clash names the process and the variable that moves it.
  for (const proc of procs0) {
    const error = await portIsFree(proc.port, proc.host);
    if (!error) continue;
    throw new Error(portInUseMessage(error, proc.name, proc.port, proc.host, proc.variable) ?? String(error));
  }
  const mongoUrl = await startMongo(dataDir);
  const redisUrl = await startRedis(dataDir);
  procs.push(...plan(mongoUrl, redisUrl, dataDir));
  const width = Math.max(...procs.map((p) => p.name.length));

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping every process');
    void stopAll().then(() => process.exit(0));
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);

  for (const proc of procs) {
    proc.child = spawn(process.execPath, [tsxCli, 'watch', '--clear-screen=false', 'src/main.ts'], {
      cwd: proc.dir,
      env: proc.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    pipeLines(proc, width);
    proc.child.once('exit', (code, signal) => {
      if (!stopping)
        logger.error(`${proc.name}: its watcher exited (${signal ?? code}); restart npm run dev`);
    });
    logger.info(`${proc.name}: http://${proc.host}:${proc.port} (${proc.variable})`);
  }
  await waitReady(procs);
  const gateway = procs.find((p) => p.name === 'gateway')!;
  const shownHost = gateway.host === '0.0.0.0' || gateway.host === '::' ? 'localhost' : gateway.host;
  startStorefrontDevServer(`http://127.0.0.1:${gateway.port}`);
  console.log(
    `NovaMart (development, ${procs.length} processes in watch mode) ready at http://${shownHost}:${gateway.port}/graphql`,
  );
}

main().catch(async (error: unknown) => {
  console.error(`npm run dev failed: ${error instanceof Error ? error.message : String(error)}`);
  await stopAll();
  process.exit(1);
});
