import { randomUUID } from 'node:crypto';
import mongoose from 'mongoose';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RedisStreamsBus } from '@novamart/events/redis';
import { pendingEventsFilter } from '@novamart/events';
import {
  createTestTokens,
  requireRedis,
  testRedisUrl,
  uniqueKeyPrefix,
  type TestTokens,
} from '@novamart/kit/testing';
import type { GraphQLResponse, Supergraph } from './support/supergraph';
import { eventually } from '@novamart/kit/testing';
import { freePort, killAll, listening, startProcess, type ServiceProcess } from './support/processes';
import {
  createStormProduct,
  stormCheckouts,
  stormCustomers,
  stormPayments,
  watchCancellations,
  type StormOrder,
  type StormShop,
} from './support/storm';

/**
 * Issue 9, point 4: the production shape as separate processes, each started the way production
 * starts it (`src/main.ts` through tsx, configured from the environment): the embedded MongoDB
 * server (its CLI), products and cart, two replicas each of orders, inventory and payments, and
 * two gateways (gateway/src/main.ts on the composed schema/supergraph.graphql), on Redis Streams
 * and pub/sub under this test's own REDIS_KEY_PREFIX. The checkout storm of
 * tests/checkout-storm.e2e.test.ts runs across it, customers spread over both gateways, and one
 * inventory replica is SIGKILLed in the middle of it. Every order still settles exactly once, and
 * every subscriber, on either gateway, sees its order's PAID event.
 *
 * Gateway 1 routes to orders-1 and payments-1, gateway 2 to orders-2 and payments-2. Every HTTP
 * call to inventory (gateways, cart, products) goes to inventory-2, the replica that survives, as
 * a load balancer would send it once the other is gone; inventory-1, the one killed, shares the
 * inventory consumer group's events (and relays its own commits). Tokens are signed by this test
 * and verified by every process against the key set it serves (the users subgraph, which would
 * otherwise sign them, is not what is under test; its scrypt sign-ups would cost a minute).
 */
const CUSTOMERS = 50;
const STOCK = 20;
const INSTANCES = [
  'products',
  'cart',
  'inventory-1',
  'inventory-2',
  'orders-1',
  'orders-2',
  'payments-1',
  'payments-2',
] as const;
const NOT_RUNNING = 'http://127.0.0.1:1/graphql'; // users, notifications, recommendations, reviews

const keyPrefix = uniqueKeyPrefix('scale-out');
const redisUrl = testRedisUrl();
const processes = new Map<string, ServiceProcess>();
const ports = new Map<string, number>();
const graphqlUrl = (instance: string) => `http://127.0.0.1:${ports.get(instance)}/graphql`;
let tokens: TestTokens;
let jwks: { url: string; close(): Promise<void> } | undefined;
let inventoryConn: mongoose.Connection | undefined;
let observer: RedisStreamsBus | undefined;
let redis: Awaited<ReturnType<typeof requireRedis>> | undefined;
const wsClients: Client[] = [];

function log(...parts: unknown[]) {
  console.warn('[scale-out]', ...parts);
}

function gatewayClient(instance: string): Pick<Supergraph, 'query'> {
  return {
    async query(document, variables, options = {}) {
      const response = await fetch(graphqlUrl(instance), {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        },
        body: JSON.stringify({ query: document, variables }),
      });
      return (await response.json()) as GraphQLResponse;
    },
  };
}

/** Entries published on this test's streams that some consumer group has not acknowledged yet. */
async function unfinishedEntries(): Promise<number> {
  let total = 0;
  for (const stream of await redis!.keys(`${keyPrefix}:events:*`)) {
    for (const flat of (await redis!.xinfo('GROUPS', stream)) as unknown[][]) {
      const info = new Map<string, unknown>();
      for (let i = 0; i + 1 < flat.length; i += 2) info.set(String(flat[i]), flat[i + 1]);
      total += Number(info.get('pending') ?? 0) + Number(info.get('lag') ?? 0);
    }
  }
  return total;
}

/** Events committed and not published yet: in the outboxes, and on the documents that carry theirs. */
async function unpublishedOutbox(): Promise<number> {
  let total = 0;
  for (const domain of ['products', 'inventory', 'cart', 'orders', 'payments']) {
    const db = inventoryConn!.useDb(`novamart_${domain}`, { useCache: true });
    total += await db.collection('outbox').countDocuments({ sentAt: null });
  }
  // The collections these subgraphs declare in `documentEvents`.
  for (const [domain, collection] of [
    ['products', 'products'],
    ['cart', 'carts'],
    ['orders', 'orders'],
    ['payments', 'payments'],
  ] as const) {
    const db = inventoryConn!.useDb(`novamart_${domain}`, { useCache: true });
    total += await db.collection(collection).countDocuments(pendingEventsFilter());
  }
  return total;
}

async function liveSubscriptions(gateway: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${ports.get(gateway)}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith('gateway_live_subscriptions'))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

beforeAll(async () => {
  const started = performance.now();
  redis = await requireRedis();
  tokens = await createTestTokens();
  jwks = await tokens.serveJwks();
  for (const instance of ['mongo', ...INSTANCES, 'gateway-1', 'gateway-2'])
    ports.set(instance, await freePort());

  const mongoPort = ports.get('mongo')!;
  processes.set(
    'mongo',
    await startProcess(
      'mongo',
      [
        'packages/mongo-server/src/cli.ts',
        '--port',
        String(mongoPort),
        '--host',
        '127.0.0.1',
        '--in-memory',
        // The replica killed mid-transaction leaves its transaction open, and the stock item it
        // wrote locked, until the server aborts it: 60 s by default (mongod's too), 10 s here.
        '--setParameter',
        'transactionLifetimeLimitSeconds=10',
      ],
      {},
      listening(mongoPort),
    ),
  );
  const mongoUri = `mongodb://127.0.0.1:${mongoPort}`;
  const common = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'error',
    HOST: '127.0.0.1',
    MONGO_URL: mongoUri,
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: keyPrefix,
    // The killed replica's unacknowledged events are taken over after two seconds, not thirty.
    EVENTS_CLAIM_IDLE_MS: '2000',
    JWKS_URL: jwks.url,
    PRODUCTS_URL: graphqlUrl('products'),
    CART_URL: graphqlUrl('cart'),
    INVENTORY_URL: graphqlUrl('inventory-2'),
  };
  await Promise.all(
    INSTANCES.map(async (instance) => {
      const domain = instance.replace(/-\d$/, '');
      processes.set(
        instance,
        await startProcess(
          instance,
          `subgraphs/${domain}/src/main.ts`,
          { ...common, PORT: String(ports.get(instance)) },
          `http://127.0.0.1:${ports.get(instance)}/health/ready`,
        ),
      );
    }),
  );
  await Promise.all(
    [1, 2].map(async (n) => {
      const gateway = `gateway-${n}`;
      processes.set(
        gateway,
        await startProcess(
          gateway,
          'gateway/src/main.ts',
          {
            ...common,
            PORT: String(ports.get(gateway)),
            ORDERS_URL: graphqlUrl(`orders-${n}`),
            PAYMENTS_URL: graphqlUrl(`payments-${n}`),
            USERS_URL: NOT_RUNNING,
            NOTIFICATIONS_URL: NOT_RUNNING,
            RECOMMENDATIONS_URL: NOT_RUNNING,
            REVIEWS_URL: NOT_RUNNING,
          },
          `http://127.0.0.1:${ports.get(gateway)}/health/live`,
        ),
      );
    }),
  );
  inventoryConn = await mongoose.createConnection(mongoUri, { dbName: 'novamart_inventory' }).asPromise();
  observer = new RedisStreamsBus(redisUrl, { keyPrefix, blockMs: 200 });
  log(`${processes.size} processes started in ${Math.round(performance.now() - started)} ms`);
}, 240_000);

afterAll(async () => {
  await Promise.all(wsClients.map((client) => client.dispose()));
  await observer?.close();
  await inventoryConn?.close();
  // The services log errors only: whatever they logged explains a failure (MongoDB prints its URI).
  for (const [name, service] of processes) {
    if (name === 'mongo') continue;
    const output = service.output().trim();
    if (output) log(`${name} logged:\n${output.slice(-3_000)}`);
  }
  // SIGKILL: whatever failed, nothing started here outlives the test.
  await killAll();
  await jwks?.close();
  if (redis) {
    const keys = await redis.keys(`${keyPrefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  }
});

it('a 50-customer storm across two gateways and replicas, one inventory replica SIGKILLed mid-storm, settles every order once', async () => {
  const gateways = [gatewayClient('gateway-1'), gatewayClient('gateway-2')];
  const adminToken = await tokens.sign({ id: `scale-admin-${randomUUID()}`, role: 'ADMIN' });
  const customers = await stormCustomers((viewer) => tokens.sign(viewer), CUSTOMERS, 'scale');
  const cancellations = watchCancellations(observer!);
  await observer!.start();
  const productId = await createStormProduct(gateways[0]!, adminToken, STOCK);

  const killed = processes.get('inventory-1')!;
  const inventoryDb = inventoryConn!.db!;
  const subscriptions = new Map<string, { gateway: string; statuses: string[] }>();
  const shop: StormShop = {
    gatewayFor: (i) => gateways[i % 2]!,
    adminToken,
    customers,
    productId,
    stock: STOCK,
    inventoryDb,
    cancellations,
    async settled() {
      await eventually(
        async () => ({ outbox: await unpublishedOutbox(), unfinished: await unfinishedEntries() }),
        (state) => state.outbox === 0 && state.unfinished === 0,
        { what: 'every outbox published and every consumer group done', timeoutMs: 60_000 },
      );
    },
    async duringCheckouts() {
      // Mid-storm: once orders are being reserved, inventory-1 dies, if it can be caught holding
      // an event it took and has not acknowledged, then (its entries are taken over by inventory-2).
      await eventually(
        () => inventoryDb.collection('reservations').countDocuments({}),
        (n) => n >= 4,
        { what: 'the first reservations', timeoutMs: 60_000 },
      );
      const held = async () => {
        const consumers = (await redis!.xinfo(
          'CONSUMERS',
          `${keyPrefix}:events:order`,
          'inventory',
        )) as unknown[][];
        const mine = consumers.find((flat) => String(flat[1]).includes(`-${killed.child.pid}-`));
        return mine ? Number(mine[3]) : -1;
      };
      const deadline = Date.now() + 15_000;
      let pending = await held();
      while (pending <= 0 && Date.now() < deadline) {
        expect(pending).toBe(0); // -1: inventory-1 is not a consumer of the group
        await new Promise((resolve) => setTimeout(resolve, 2));
        pending = await held();
      }
      await killed.kill();
      expect((await killed.exited).signal).toBe('SIGKILL');
      log(
        `SIGKILL inventory-1 (pid ${killed.child.pid}) holding ${await held()} unacknowledged order events`,
      );
    },
    async beforePaying(awaiting: StormOrder[]) {
      for (const { customer, orderId } of awaiting) {
        const gateway = `gateway-${(customer % 2) + 1}`;
        const seen = { gateway, statuses: [] as string[] };
        subscriptions.set(orderId, seen);
        const client = createClient({
          url: graphqlUrl(gateway).replace('http:', 'ws:'),
          webSocketImpl: WebSocket,
          retryAttempts: 0,
          connectionParams: { authorization: `Bearer ${customers[customer]!.token}` },
        });
        wsClients.push(client);
        client.subscribe<{ orderStatusChanged: { status: string } }>(
          {
            query: 'subscription($o: ID!) { orderStatusChanged(orderId: $o) { status } }',
            variables: { o: orderId },
          },
          {
            next: (result) => {
              const status = result.data?.orderStatusChanged.status;
              if (status) seen.statuses.push(status);
            },
            error: (error) => seen.statuses.push(`error: ${JSON.stringify(error)}`),
            complete: () => undefined,
          },
        );
      }
      await eventually(
        async () => (await liveSubscriptions('gateway-1')) + (await liveSubscriptions('gateway-2')),
        (n) => n === awaiting.length,
        { what: 'both gateways to listen for every subscriber', timeoutMs: 30_000 },
      );
    },
    log: (line) => log(line),
  };

  const awaiting = await stormCheckouts(shop, 'scale');
  await stormPayments(shop, awaiting);

  const missing = () => [...subscriptions].filter(([, seen]) => !seen.statuses.includes('PAID'));
  await eventually(
    async () => missing().length,
    (n) => n === 0,
    { what: 'every subscriber to see PAID', timeoutMs: 30_000 },
  );
  for (const [, seen] of subscriptions) expect(seen.statuses.filter((s) => s === 'PAID')).toHaveLength(1);
  expect(new Set([...subscriptions.values()].map((s) => s.gateway))).toEqual(
    new Set(['gateway-1', 'gateway-2']),
  );
}, 300_000);
