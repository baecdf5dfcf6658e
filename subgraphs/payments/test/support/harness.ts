import { randomUUID } from 'node:crypto';
import { createEvent, InProcessBus, InProcessLiveBus } from '@novamart/events';
import {
  connectMongo,
  createLogger,
  createSubgraphRuntime,
  loadConfig,
  type RunningSubgraph,
  type SubgraphContext,
  startSubgraph,
  type Viewer,
} from '@novamart/kit';
import {
  createTestTokens,
  startEmbeddedMongoForTests,
  uniqueDbName,
  type TestTokens,
} from '@novamart/kit/testing';
import { type Connection } from 'mongoose';
import { paymentsSubgraph } from '../../src/index';
import { paymentsConfigShape } from '../../src/config';
import { type PaymentsContext } from '../../src/resolvers';
import { orderViewModel } from '../../src/models/order-view';

export interface PaymentsHarness {
  running: RunningSubgraph;
  services: Omit<PaymentsContext, keyof SubgraphContext>;
  bus: InProcessBus;
  live: InProcessLiveBus;
  tokens: TestTokens;
  conn: Connection;
  /** Publishes what the orders subgraph would for a new order, and waits until payments has it. */
  placeOrder(input: { userId: string | null; total?: number; status?: string }): Promise<string>;
  setOrderStatus(orderId: string, status: string, userId?: string | null): Promise<void>;
  graphql<T = any>(
    query: string,
    variables?: Record<string, unknown>,
    viewer?: Viewer | null,
  ): Promise<{ data?: T; errors?: any[] }>;
  /** Events the subgraph published, by type. */
  published(type: string): Array<Record<string, any>>;
  stop(): Promise<void>;
}

export async function startPayments(env: Record<string, string> = {}): Promise<PaymentsHarness> {
  const mongo = await startEmbeddedMongoForTests();
  const conn = await connectMongo({ url: mongo.uri, dbName: uniqueDbName('payments') });
  const logger = createLogger('payments', { level: (process.env.TEST_LOG_LEVEL as 'silent') ?? 'silent' });
  const bus = new InProcessBus({ logger });
  const live = new InProcessLiveBus({ logger });
  const tokens = await createTestTokens();
  const config = loadConfig(paymentsConfigShape, {
    MONGO_URL: mongo.uri,
    LOG_LEVEL: 'silent',
    NODE_ENV: 'test',
    ORDER_SYNC_WAIT_MS: '1500',
    ...env,
  });
  const { runtime } = await createSubgraphRuntime(paymentsSubgraph, {
    config: config as never,
    mongo: conn,
    bus,
    live,
    redis: null,
    logger,
  });
  const running = await startSubgraph(paymentsSubgraph, runtime, {
    port: 0,
    host: '127.0.0.1',
    verifier: tokens.verifier,
  });
  const seen: Array<{ type: string; payload: Record<string, any> }> = [];
  bus.subscribe({
    group: 'test-observer',
    types: ['payment.*', 'refund.*'],
    handler: async (event) =>
      void seen.push({ type: event.type, payload: event.payload as Record<string, any> }),
  });
  await bus.start();
  const services = (await running.instance.context!({} as never)) as PaymentsHarness['services'];
  const orders = orderViewModel(conn);

  async function waitFor(check: () => Promise<boolean>, what: string) {
    const deadline = Date.now() + 5_000;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  const h_dead = () => bus.deadLetters('payments');
  const harness: PaymentsHarness = {
    running,
    services,
    bus,
    live,
    tokens,
    conn,
    async placeOrder({ userId, total = 5_000, status = 'AWAITING_PAYMENT' }) {
      const orderId = randomUUID();
      await bus.publish(
        createEvent('order.placed', orderId, {
          orderId,
          userId,
          email: 'buyer@example.com',
          lines: [],
          subtotal: total,
          shippingCost: 0,
          total,
          currency: 'USD',
        }),
      );
      if (status !== 'PENDING') await harness.setOrderStatus(orderId, status, userId);
      await waitFor(
        async () => (await orders.findById(orderId).lean())?.status === status,
        `order ${orderId} ${status}`,
      );
      return orderId;
    },
    async setOrderStatus(orderId, status, userId = null) {
      await bus.publish(
        createEvent('order.status_changed', orderId, {
          orderId,
          userId,
          email: 'buyer@example.com',
          status,
          previousStatus: null,
          reason: null,
          at: new Date().toISOString(),
        }),
      );
      await waitFor(
        async () => (await orders.findById(orderId).lean())?.status === status,
        `order ${orderId} ${status}`,
      ).catch(async (e) => {
        throw new Error(
          `${e.message}: ${JSON.stringify(await orders.findById(orderId).lean())} ${JSON.stringify(await h_dead())}`,
        );
      });
    },
    async graphql(query, variables, viewer) {
      const res = await fetch(running.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(viewer && { authorization: await tokens.bearer(viewer) }),
        },
        body: JSON.stringify({ query, variables }),
      });
      return (await res.json()) as { data?: any; errors?: any[] };
    },
    published: (type) => seen.filter((e) => e.type === type).map((e) => e.payload),
    async stop() {
      await running.stop();
      await bus.close();
      await live.close();
      await conn.close();
    },
  };
  return harness;
}

export async function eventually<T>(
  probe: () => Promise<T> | T,
  accept: (value: T) => boolean,
  what: string,
): Promise<T> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const value = await probe();
    if (accept(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; last value ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
