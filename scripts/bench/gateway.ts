/**
 * The catalog page (20 products with price and stock: products + inventory) through the gateway,
 * side by side with
 * - the monolith: a plain `@apollo/server` in its own process reading the same databases with the
 *   same driver (scripts/bench/lib/monolith.ts), the yardstick (goal: gateway ≥ 0.9×);
 * - `@graphql-hive/gateway` in its own process on the same supergraph and subgraphs, a peer;
 * - with `--baseline-ref <ref>` (or BENCH_BASELINE_REF), the same all-in-one built from that ref
 *   on its own database (goal: ≥ 3× today's main);
 * - with BENCH_LEVERS=1, the gateway calling its subgraphs over HTTP instead of in process, and the
 *   all-in-one with its embedded MongoDB on the main thread instead of a worker thread, reaching it
 *   over TCP instead of its unix socket, and without sharing identical in-flight subgraph queries; with
 *   BENCH_NODE=<binary> the all-in-one (its own database, on its thread, seeded alike) and a
 *   monolith reading it, on that Node too: `npm start` on that Node, as the Dockerfile runs it.
 * The all-in-one (scripts/bench/lib/all-in-one.ts: what `npm start` runs) is a child process, so
 * every contender is a process of its own and gets the second core alike. Targets are loaded in
 * turn, A/B/A/B, after a warm-up of each (BENCH_WARMUP_SECONDS, default a round's length), for
 * BENCH_ROUNDS rounds (default 2) of BENCH_SECONDS each (default 5) at 10
 * connections; every response must equal the page fetched before (byte for byte; hive's answer
 * must equal it as JSON). Reported per target: the best round's req/s, its p50/p99, and the
 * spread over rounds; a throughput ratio (against the monolith, the peer, the baseline of the same
 * run) is the median of the rounds' ratios, printed with their spread.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import autocannon from 'autocannon';
import { repoRoot } from '../lib/supergraph-config';
import { prepareBaseline } from './lib/baseline';
import type { SummaryRow } from './summary';
import { cpuMillisOfTree, startChild, type Child } from './lib/processes';

export interface GatewayBenchOptions {
  /** Products seeded, each with stock. Default 200. */
  products?: number;
  /** Seconds per round and target. Default BENCH_SECONDS or 5. */
  durationSeconds?: number;
  rounds?: number;
  connections?: number;
  baselineRef?: string;
  log?: (line: string) => void;
}

export const PRODUCT_PAGE_QUERY = /* GraphQL */ `
  query ProductPage {
    products(first: 20) {
      totalCount
      edges {
        cursor
        node {
          id
          slug
          name
          price {
            amount
            currency
            formatted
          }
          inventory {
            available
            inStock
          }
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`;

const ADMIN = { email: 'bench-admin@novamart.dev', password: 'Bench-admin-2026' };

interface AllInOneInfo {
  gatewayUrl: string;
  /** The database over TCP, as other processes reach it. */
  mongoUrl: string;
  /** Its unix socket, as the all-in-one's own subgraphs reach it; null on TCP alone (or an older ref). */
  mongoSocketUrl?: string | null;
  subgraphs: Record<string, string>;
  inProcess: boolean;
  supergraphSdl: string;
  node: string;
}

async function post(url: string, query: string, variables?: object, token?: string): Promise<any> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return response.json();
}

export async function seedProducts(gatewayUrl: string, count: number): Promise<void> {
  const login = await post(
    gatewayUrl,
    'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }',
    { e: ADMIN.email, p: ADMIN.password },
  );
  const token = login.data?.login?.accessToken as string | undefined;
  if (!token) throw new Error(`admin login failed: ${JSON.stringify(login)}`);
  const create = 'mutation Seed($input: ProductInput!) { createProduct(input: $input) { id } }';
  for (let start = 0; start < count; start += 10) {
    await Promise.all(
      Array.from({ length: Math.min(10, count - start) }, async (_, offset) => {
        const n = start + offset;
        const result = await post(
          gatewayUrl,
          create,
          {
            input: {
              sku: `BENCH-${String(n).padStart(5, '0')}`,
              name: `Bench product ${n}`,
              description: `A product for the gateway benchmark, number ${n}`,
              priceAmount: 500 + ((n * 37) % 20_000),
              currency: 'USD',
              initialStock: 10 + (n % 50),
            },
          },
          token,
        );
        if (result.errors) throw new Error(`seeding product ${n} failed: ${JSON.stringify(result.errors)}`);
      }),
    );
  }
}

/** The page once every product on it shows stock (opening stock arrives by event), as text. */
export async function pageWhenStocked(url: string, timeoutMs = 120_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: PRODUCT_PAGE_QUERY }),
    });
    const text = await response.text();
    const body = JSON.parse(text) as {
      errors?: unknown;
      data?: { products?: { edges: { node: { inventory: { inStock: boolean } } }[] } };
    };
    const edges = body.data?.products?.edges ?? [];
    if (!body.errors && edges.length === 20 && edges.every((e) => e.node.inventory.inStock)) return text;
    if (Date.now() > deadline) throw new Error(`the product page never showed stock: ${text.slice(0, 300)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface Target {
  name: string;
  url: string;
  expectBody: string;
  /** Every process serving this target's page (its own, and the all-in-one whose database or subgraphs it uses). */
  pids: number[];
  rounds: { rps: number; p50: number; p99: number; bad: number; cpuMsPerPage?: number }[];
}

interface TargetFigures {
  requestsPerSecond: number;
  /** min–max of the rounds' req/s */
  spread: string;
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** Responses that were not 2xx, failed, or differed from the expected page. */
  bad: number;
  /** CPU time per page of every process serving it (the median round; Linux only). */
  cpuMsPerPage?: number;
}

function cpuOf(pids: number[]): number | undefined {
  let total = 0;
  for (const pid of pids) {
    const ms = cpuMillisOfTree(pid);
    if (ms === undefined) return undefined;
    total += ms;
  }
  return total;
}

async function load(target: Target, seconds: number, connections: number): Promise<void> {
  const cpuBefore = cpuOf(target.pids);
  const result = await autocannon({
    url: target.url,
    method: 'POST',
    connections,
    duration: seconds,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: PRODUCT_PAGE_QUERY }),
    expectBody: target.expectBody,
  });
  target.rounds.push({
    rps: Math.round(result.requests.total / seconds),
    p50: result.latency.p50,
    p99: result.latency.p99,
    bad: result.non2xx + result.errors + result.mismatches + result.timeouts,
  });
  const cpuAfter = cpuOf(target.pids);
  if (cpuBefore !== undefined && cpuAfter !== undefined && result.requests.total > 0)
    target.rounds.at(-1)!.cpuMsPerPage =
      Math.round(((cpuAfter - cpuBefore) / result.requests.total) * 100) / 100;
}

function figuresOf(target: Target): TargetFigures {
  const best = target.rounds.reduce((a, b) => (b.rps > a.rps ? b : a));
  const all = target.rounds.map((r) => r.rps);
  return {
    requestsPerSecond: best.rps,
    spread: `${Math.min(...all)}–${Math.max(...all)}`,
    latencyP50Ms: best.p50,
    latencyP99Ms: best.p99,
    bad: target.rounds.reduce((sum, r) => sum + r.bad, 0),
    cpuMsPerPage: median(
      target.rounds.flatMap((r) => (r.cpuMsPerPage === undefined ? [] : [r.cpuMsPerPage])),
    ),
  };
}

function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/** A body equal as JSON to `reference` is accepted as-is (a peer may serialize differently). */
async function expectedBodyOf(url: string, reference: string, name: string): Promise<string> {
  const text = await pageWhenStocked(url, 30_000);
  if (text === reference) return text;
  if (isDeepStrictEqual(JSON.parse(text), JSON.parse(reference))) return text;
  throw new Error(`${name} answers a different page:\n${text.slice(0, 400)}\nvs\n${reference.slice(0, 400)}`);
}

export async function benchGateway(options: GatewayBenchOptions = {}) {
  const productCount = options.products ?? 200;
  const seconds = options.durationSeconds ?? Number(process.env.BENCH_SECONDS ?? 5);
  const roundCount = options.rounds ?? Number(process.env.BENCH_ROUNDS ?? 2);
  const connections = options.connections ?? 10;
  const baselineRef = options.baselineRef ?? process.env.BENCH_BASELINE_REF;
  const levers = process.env.BENCH_LEVERS === '1';
  const log = options.log ?? (() => undefined);
  const children: Child<unknown>[] = [];
  const scratch = mkdtempSync(join(tmpdir(), 'novamart-bench-gateway-'));
  const allInOne = 'scripts/bench/lib/all-in-one.ts';
  try {
    const start = async <T>(script: string, env: Record<string, string>, cwd = repoRoot, node?: string) => {
      const child = await startChild<T>(script, { cwd, env, ...(node ? { node } : {}) });
      children.push(child as Child<unknown>);
      return { ...child.info, pid: child.process.pid! };
    };
    log('starting the all-in-one (npm start setup: embedded MongoDB, users, products, inventory, gateway)');
    const ours = await start<AllInOneInfo>(allInOne, {});
    // The database as our subgraphs reach it: a lever below differs from `ours` in its lever alone.
    const oursDb = ours.mongoSocketUrl ?? ours.mongoUrl;
    log(`seeding ${productCount} products with stock`);
    await seedProducts(ours.gatewayUrl, productCount);
    const page = await pageWhenStocked(ours.gatewayUrl);
    const targets: Target[] = [
      { name: 'gateway', url: ours.gatewayUrl, expectBody: page, pids: [ours.pid], rounds: [] },
    ];

    const monolith = await start<{ url: string }>('scripts/bench/lib/monolith.ts', {
      BENCH_MONGO_URL: ours.mongoUrl,
    });
    targets.push({
      name: 'monolith',
      url: monolith.url,
      expectBody: await expectedBodyOf(monolith.url, page, 'the monolith'),
      pids: [monolith.pid, ours.pid],
      rounds: [],
    });

    const supergraphFile = join(scratch, 'supergraph.graphql');
    writeFileSync(supergraphFile, ours.supergraphSdl);
    try {
      const hive = await start<{ url: string }>('scripts/bench/lib/hive-gateway.ts', {
        BENCH_SUPERGRAPH_FILE: supergraphFile,
      });
      targets.push({
        name: 'hive-gateway',
        url: hive.url,
        expectBody: await expectedBodyOf(hive.url, page, '@graphql-hive/gateway'),
        pids: [hive.pid, ours.pid],
        rounds: [],
      });
    } catch (error) {
      log(`@graphql-hive/gateway did not start, left out: ${(error as Error).message.split('\n')[0]}`);
    }

    if (levers) {
      // The same code, the gateway calling subgraphs over HTTP, against the same database.
      const http = await start<AllInOneInfo>(allInOne, {
        BENCH_IN_PROCESS: '0',
        BENCH_MONGO_URL: oursDb,
      });
      targets.push({
        name: 'gateway-over-http',
        url: http.gatewayUrl,
        expectBody: await expectedBodyOf(http.gatewayUrl, page, 'the HTTP gateway'),
        pids: [http.pid, ours.pid],
        rounds: [],
      });
      // The same code sending every subgraph fetch, identical ones in flight included.
      const unshared = await start<AllInOneInfo>(allInOne, {
        DEDUPLICATE_SUBGRAPH_QUERIES: 'false',
        BENCH_MONGO_URL: oursDb,
      });
      targets.push({
        name: 'gateway-without-sharing',
        url: unshared.gatewayUrl,
        expectBody: await expectedBodyOf(unshared.gatewayUrl, page, 'the gateway without sharing'),
        pids: [unshared.pid, ours.pid],
        rounds: [],
      });
      // The same code reaching the same database over TCP loopback instead of its unix socket.
      if (ours.mongoSocketUrl) {
        const tcp = await start<AllInOneInfo>(allInOne, { BENCH_MONGO_URL: ours.mongoUrl });
        targets.push({
          name: 'gateway-db-over-tcp',
          url: tcp.gatewayUrl,
          expectBody: await expectedBodyOf(tcp.gatewayUrl, page, 'the gateway with its database over TCP'),
          pids: [tcp.pid, ours.pid],
          rounds: [],
        });
      }
      // The same code with the embedded MongoDB on the main thread (its own database, seeded alike).
      const oneThread = await start<AllInOneInfo>(allInOne, { BENCH_DB_THREAD: '0' });
      await seedProducts(oneThread.gatewayUrl, productCount);
      targets.push({
        name: 'gateway-db-on-main-thread',
        url: oneThread.gatewayUrl,
        expectBody: await pageWhenStocked(oneThread.gatewayUrl),
        pids: [oneThread.pid],
        rounds: [],
      });
    }
    const node = process.env.BENCH_NODE;
    if (node) {
      // Set up as `ours` is (its own database on its own thread, seeded alike), so that the runtime
      // is the only difference between the two gateways.
      const other = await start<AllInOneInfo>(allInOne, {}, repoRoot, node);
      await seedProducts(other.gatewayUrl, productCount);
      const otherPage = await pageWhenStocked(other.gatewayUrl);
      targets.push({
        name: `gateway-node-${other.node}`,
        url: other.gatewayUrl,
        expectBody: otherPage,
        pids: [other.pid],
        rounds: [],
      });
      // Its yardstick on the same Node: the monolith's gain from the runtime is not the gateway's.
      const otherMonolith = await start<{ url: string }>(
        'scripts/bench/lib/monolith.ts',
        { BENCH_MONGO_URL: other.mongoUrl },
        repoRoot,
        node,
      );
      targets.push({
        name: `monolith-node-${other.node}`,
        url: otherMonolith.url,
        expectBody: await expectedBodyOf(otherMonolith.url, otherPage, `the monolith on ${other.node}`),
        pids: [otherMonolith.pid, other.pid],
        rounds: [],
      });
    }

    let baselineCommit: string | undefined;
    if (baselineRef) {
      const baseline = prepareBaseline(baselineRef, log);
      baselineCommit = baseline.commit;
      log(
        `starting the baseline all-in-one (${baselineRef} = ${baseline.commit.slice(0, 12)}) and seeding it`,
      );
      const base = await start<AllInOneInfo>(allInOne, {}, baseline.dir);
      await seedProducts(base.gatewayUrl, productCount);
      const basePage = await pageWhenStocked(base.gatewayUrl);
      targets.push({
        name: `baseline ${baselineRef}`,
        url: base.gatewayUrl,
        expectBody: basePage,
        pids: [base.pid],
        rounds: [],
      });
    }

    log(
      `${targets.map((t) => t.name).join(', ')}: ${roundCount} rounds of ${seconds} s each at ${connections} connections`,
    );
    // Warm-up, as long as a round by default (BENCH_WARMUP_SECONDS): the JIT and the pools reach
    // their steady state before anything counts. One second left the gateway, whose gateway and
    // two subgraphs are far more code to optimize than the monolith, cold in round 1 (seen: the
    // gateway 265 then 342 req/s, the monolith 398 then 412), and with the median of two rounds
    // that cold round set the ratio.
    const warmUpSeconds = Number(process.env.BENCH_WARMUP_SECONDS ?? seconds);
    for (const target of targets) await load(target, warmUpSeconds, connections);
    for (const target of targets) target.rounds.length = 0;
    for (let round = 0; round < roundCount; round++) {
      for (const target of targets) {
        await load(target, seconds, connections);
        const last = target.rounds.at(-1)!;
        const cpu = last.cpuMsPerPage === undefined ? '' : `, ${last.cpuMsPerPage} ms CPU per page`;
        log(
          `round ${round + 1} ${target.name}: ${last.rps} req/s, p50 ${last.p50} ms, p99 ${last.p99} ms${cpu}`,
        );
      }
    }
    const figures = Object.fromEntries(targets.map((t) => [t.name, figuresOf(t)]));
    const ratio = (a: number | undefined, b: number | undefined) =>
      a !== undefined && b ? Math.round((a / b) * 100) / 100 : undefined;
    // Throughput ratios are taken round by round (the targets of a round ran back to back, so a
    // change of machine load hits them alike) and the median is given with the spread: best round
    // against best round would let one lucky round decide.
    const perRound = (a: string, b: string) => {
      const ra = targets.find((t) => t.name === a)?.rounds ?? [];
      const rb = targets.find((t) => t.name === b)?.rounds ?? [];
      const ratios = ra.flatMap((r, i) => (rb[i]?.rps ? [r.rps / rb[i].rps] : []));
      if (ratios.length === 0) return { ratio: undefined, spread: '' };
      const shownRatio = (x: number) => ratio(x, 1)!.toFixed(2);
      return {
        ratio: ratio(median(ratios), 1),
        spread: `; per round ${shownRatio(Math.min(...ratios))}–${shownRatio(Math.max(...ratios))}`,
      };
    };
    const baselineName = targets.find((t) => t.name.startsWith('baseline '))?.name;
    const gw = figures.gateway!;
    const shown = (name: string) => {
      const f = figures[name];
      return f ? `${name} ${f.requestsPerSecond} req/s (${f.spread}), p99 ${f.latencyP99Ms} ms` : name;
    };
    // A summary row's peer cell and ratio, from one per-round comparison.
    const versus = (a: string, b: string) => {
      const rounds = perRound(a, b);
      return { peer: shown(b) + rounds.spread, ratio: rounds.ratio };
    };
    const summary: SummaryRow[] = [
      {
        work: 'catalog page through the gateway vs monolith',
        figure: `${gw.requestsPerSecond} req/s (${gw.spread}), p99 ${gw.latencyP99Ms} ms`,
        ...versus('gateway', 'monolith'),
        goal: '≥ 0.9, p99 < 50 ms',
      },
    ];
    const cpu = (name: string) => figures[name]?.cpuMsPerPage;
    if (cpu('gateway') !== undefined && cpu('monolith') !== undefined)
      summary.push({
        // The machine's other tenants move this least; the ratio is the monolith's cost over ours.
        work: 'catalog page CPU, every process serving it: gateway vs monolith',
        figure: `${cpu('gateway')} ms per page`,
        peer: `monolith ${cpu('monolith')} ms per page`,
        ratio: ratio(cpu('monolith'), cpu('gateway')),
        goal: '≥ 0.9',
      });
    if (figures['hive-gateway'])
      summary.push({
        work: 'catalog page: gateway vs @graphql-hive/gateway',
        figure: `${gw.requestsPerSecond} req/s`,
        ...versus('gateway', 'hive-gateway'),
      });
    if (baselineName)
      summary.push({
        work: `catalog page: gateway vs ${baselineName}`,
        figure: `${gw.requestsPerSecond} req/s`,
        ...versus('gateway', baselineName),
        goal: '≥ 3',
      });
    const otherNode = targets.find((t) => t.name.startsWith('gateway-node-'))?.name.slice('gateway-'.length);
    if (otherNode)
      summary.push({
        work: `catalog page through the gateway vs monolith, both on ${otherNode}`,
        figure: shown(`gateway-${otherNode}`),
        ...versus(`gateway-${otherNode}`, `monolith-${otherNode}`),
        goal: '≥ 0.9',
      });
    for (const lever of targets.filter(
      (t) =>
        t.name === 'gateway-over-http' ||
        t.name === 'gateway-db-on-main-thread' ||
        t.name === 'gateway-db-over-tcp' ||
        t.name === 'gateway-without-sharing' ||
        t.name.startsWith('gateway-node-'),
    ))
      summary.push({
        work: `catalog page: lever, gateway vs ${lever.name}`,
        figure: `${gw.requestsPerSecond} req/s`,
        ...versus('gateway', lever.name),
      });
    return {
      summary,
      scenario:
        '20-product page with inventory (products + inventory subgraphs), all-in-one in its own process',
      products: productCount,
      connections,
      secondsPerRound: seconds,
      rounds: roundCount,
      gatewayInProcess: ours.inProcess,
      baselineCommit,
      targets: figures,
      ratios: {
        gatewayVsMonolith: perRound('gateway', 'monolith').ratio,
        hiveVsMonolith: perRound('hive-gateway', 'monolith').ratio,
        gatewayVsHive: perRound('gateway', 'hive-gateway').ratio,
        ...(baselineName ? { gatewayVsBaseline: perRound('gateway', baselineName).ratio } : {}),
        ...(targets.some((t) => t.name === 'gateway-over-http')
          ? { inProcessVsHttp: perRound('gateway', 'gateway-over-http').ratio }
          : {}),
      },
    };
  } finally {
    for (const child of children.reverse()) await child.stop().catch(() => undefined);
    rmSync(scratch, { recursive: true, force: true });
  }
}
