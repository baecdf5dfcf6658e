/**
 * What authentication costs: one password hash with the production scrypt profile, and logins per
 * second through the users subgraph over HTTP (each login verifies one such hash), at a given
 * concurrency. Run: `npx tsx subgraphs/users/bench/auth.bench.ts`; figures are printed and written
 * to bench/results/users-auth.json. `benchUsersAuth` fits scripts/bench/registry.ts.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createLogger,
  createSubgraphRuntime,
  createTokenVerifier,
  loadConfig,
  startSubgraph,
} from '@novamart/kit';
import { startEmbeddedMongo } from '@novamart/mongo-server';
import { usersConfigShape, usersSubgraph } from '../src/index';
import { PASSWORD_SCRYPT, SecretHasher } from '../src/services/passwords';

export interface UsersAuthBenchOptions {
  /** Logins measured. Default 60. */
  logins?: number;
  /** Logins in flight at once. Default 4. */
  concurrency?: number;
  log?: (line: string) => void;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const round = (n: number) => Math.round(n * 10) / 10;

export async function benchUsersAuth(options: UsersAuthBenchOptions = {}) {
  const logins = options.logins ?? 60;
  const concurrency = options.concurrency ?? 4;
  const log = options.log ?? (() => undefined);

  const hasher = new SecretHasher(PASSWORD_SCRYPT);
  const hashTimes: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    await hasher.hash('Benchmark-Passw0rd');
    hashTimes.push(performance.now() - started);
  }
  log(
    `scrypt ln=${PASSWORD_SCRYPT.logN} r=${PASSWORD_SCRYPT.r} p=${PASSWORD_SCRYPT.p}: ${hashTimes.map(round).join(', ')} ms`,
  );

  const mongo = await startEmbeddedMongo({ port: 0, inMemory: true });
  const dataDir = mkdtempSync(join(tmpdir(), 'users-bench-'));
  const config = loadConfig(usersConfigShape, {
    NODE_ENV: 'test',
    MONGO_URL: mongo.uri,
    DATA_DIR: dataDir,
    // The throttle is not what is measured: every login here succeeds from one address.
    LOGIN_MAX_FAILURES_PER_ADDRESS: '1000000',
  });
  const { runtime, close } = await createSubgraphRuntime(usersSubgraph, {
    config,
    logger: createLogger('users', { level: 'silent' }),
  });
  // Logins carry no bearer token: nothing is verified, so an empty key set will do.
  const verifier = createTokenVerifier({ jwks: { keys: [] } });
  const running = await startSubgraph(usersSubgraph, runtime, { port: 0, host: '127.0.0.1', verifier });

  const post = async (query: string, variables: Record<string, unknown>) => {
    const response = await fetch(running.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { errors?: unknown[] };
    if (body.errors) throw new Error(JSON.stringify(body.errors));
  };

  try {
    const accounts = Array.from({ length: concurrency }, (_, i) => `bench${i}@example.com`);
    for (const email of accounts) {
      await post('mutation($i: RegisterInput!) { register(input: $i) { id } }', {
        i: { email, password: 'Benchmark-Passw0rd' },
      });
    }
    const latencies: number[] = [];
    let next = 0;
    const started = performance.now();
    await Promise.all(
      accounts.map(async (email) => {
        while (next < logins) {
          next += 1;
          const t = performance.now();
          await post(
            'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }',
            { e: email, p: 'Benchmark-Passw0rd' },
          );
          latencies.push(performance.now() - t);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    return {
      scryptProfile: `ln=${PASSWORD_SCRYPT.logN},r=${PASSWORD_SCRYPT.r},p=${PASSWORD_SCRYPT.p}`,
      hashMsMedian: round([...hashTimes].sort((a, b) => a - b)[2]!),
      logins: latencies.length,
      concurrency,
      loginsPerSecond: round(latencies.length / seconds),
      loginLatencyP50Ms: round(percentile(latencies, 50)),
      loginLatencyP99Ms: round(percentile(latencies, 99)),
    };
  } finally {
    await running.stop();
    await close();
    await mongo.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const figures = await benchUsersAuth({ log: (line) => console.log(line) });
  console.log(figures);
  const outDir = resolve(fileURLToPath(new URL('../../../bench/results', import.meta.url)));
  mkdirSync(outDir, { recursive: true });
  writeFileSync(
    join(outDir, 'users-auth.json'),
    JSON.stringify(
      { benchmark: 'users-auth', at: new Date().toISOString(), node: process.version, ...figures },
      null,
      2,
    ) + '\n',
  );
  console.log(`→ bench/results/users-auth.json`);
}
