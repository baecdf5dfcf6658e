import { randomUUID } from 'node:crypto';
import { type InProcessBus, type InProcessLiveBus } from '@novamart/events';
import { type RunningSubgraph, type SubgraphContext, type Viewer } from '@novamart/kit';
import {
  eventually,
  startSubgraphForTests,
  type TestGraphQLResult,
  type TestTokens,
} from '@novamart/kit/testing';
import { type Connection } from 'mongoose';
import { paymentsSubgraph } from '../../src/index';
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
  /** `headers`: e.g. `internalCallHeaders()`, as another subgraph's call carries them. */
  graphql<T = any>(
    query: string,
    variables?: Record<string, unknown>,
    viewer?: Viewer | null,
    headers?: Record<string, string>,
  ): Promise<TestGraphQLResult<T>>;
  /** Events the subgraph published, by type. */
  published(type: string): Array<Record<string, any>>;
  /** Once every event is handled and nothing more is in flight (`TestSubgraph.settled`). */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

export async function startPayments(env: Record<string, string> = {}): Promise<PaymentsHarness> {
  const sub = await startSubgraphForTests<PaymentsHarness['services']>(paymentsSubgraph, {
    env: { ORDER_SYNC_WAIT_MS: '1500', ...env },
  });
  const { running, bus, live, tokens, conn, services } = sub;
  const seen: Array<{ type: string; payload: Record<string, any> }> = [];
  bus.subscribe({
    group: 'test-observer',
    types: ['payment.*', 'refund.*'],
    handler: async (event) => void seen.push({ type: event.type, payload: event.payload }),
  });
  const orders = orderViewModel(conn);

  const harness: PaymentsHarness = {
    running,
    services,
    bus,
    live,
    tokens,
    conn,
    async placeOrder({ userId, total = 5_000, status = 'AWAITING_PAYMENT' }) {
      const orderId = randomUUID();
      await sub.publish('order.placed', orderId, {
        orderId,
        userId,
        email: 'buyer@example.com',
        lines: [],
        subtotal: total,
        shippingCost: 0,
        total,
        currency: 'USD',
      });
      if (status !== 'PENDING') await harness.setOrderStatus(orderId, status, userId);
      await eventually(
        async () => (await orders.findById(orderId).lean())?.status === status,
        `order ${orderId} ${status}`,
      );
      return orderId;
    },
    async setOrderStatus(orderId, status, userId = null) {
      await sub.publish('order.status_changed', orderId, {
        orderId,
        userId,
        email: 'buyer@example.com',
        status,
        previousStatus: null,
        reason: null,
        at: new Date().toISOString(),
      });
      await eventually(
        async () => (await orders.findById(orderId).lean())?.status === status,
        `order ${orderId} ${status}`,
      );
    },
    graphql: (query, variables, viewer, headers) => sub.graphql(query, variables, viewer, headers),
    published: (type) => seen.filter((e) => e.type === type).map((e) => e.payload),
    settled: () => sub.settled(),
    stop: () => sub.stop(),
  };
  return harness;
}

export { eventually } from '@novamart/kit/testing';
