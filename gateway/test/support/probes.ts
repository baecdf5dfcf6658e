/**
 * Probe subgraphs for the gateway's tests: small SubgraphModules that exercise what the gateway
 * does (forwarding, error pass-through, limits, timeouts, subscriptions) without the domain
 * subgraphs. `orders` owns Order and the order subscriptions; `payments` owns Payment, contributes
 * `Order.payment` (so resolving an event is cross-subgraph) and the payment subscription.
 */
import { parse } from 'graphql';
import {
  assertOwnerOrAdmin,
  badUserInput,
  outOfStock,
  requireViewer,
  type SubgraphContext,
  type SubgraphModule,
} from '@novamart/kit';

export interface ProbeOrder {
  id: string;
  userId: string;
  status: string;
  total: number;
}

export interface ProbePayment {
  id: string;
  orderId: string;
  status: string;
}

/** State and instrumentation shared by the probes, which tests read and steer. */
export class ProbeWorld {
  orders = new Map<string, ProbeOrder>();
  payments = new Map<string, ProbePayment>();
  /** Every request the probes served: which resolver, with which request id and viewer. */
  calls: { resolver: string; requestId: string; viewerId: string | null }[] = [];
  /** Delays (ms) applied to successive `Order.payment` resolutions; empty means none. */
  paymentDelays: number[] = [];
  slowMs = 0;
  /** How many upcoming `order(id:)` reads fail with an unexpected error. */
  failingOrderReads = 0;
  /** While set, `order(id:)` reads wait for it to settle (a slow ownership check). */
  orderReadGate: Promise<void> | undefined;
  /** `x-forwarded-for` of the last request the orders probe received. */
  lastForwardedFor: string | undefined;
  /** `x-novamart-deadline` of the last request the orders probe received. */
  lastDeadline: string | undefined;

  record(resolver: string, ctx: SubgraphContext): void {
    this.calls.push({ resolver, requestId: ctx.requestId, viewerId: ctx.viewer?.id ?? null });
  }

  callsTo(resolver: string) {
    return this.calls.filter((c) => c.resolver === resolver);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const ordersTypeDefs = parse(/* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])

  scalar DateTime

  enum OrderStatus {
    PENDING
    AWAITING_PAYMENT
    PAID
    CANCELLED
  }

  type Order @key(fields: "id") {
    id: ID!
    status: OrderStatus!
    total: Int!
    customerId: ID!
  }

  type OrderStatusUpdate {
    order: Order!
    status: OrderStatus!
    previousStatus: OrderStatus
    reason: String
    at: DateTime!
  }

  type Item {
    id: ID!
    child: Item
    name: String!
  }

  type Whoami {
    requestId: String!
    viewerId: ID
  }

  type Query {
    order(id: ID!): Order
    whoami: Whoami!
    items(first: Int = 10): [Item!]!
    item: Item
    outOfStock: String
    invalidName: String
    crash: String
    slow: String
  }

  type Subscription {
    orderStatusChanged(orderId: ID!): OrderStatusUpdate!
    myOrderUpdates: OrderStatusUpdate!
  }
`);

const paymentsTypeDefs = parse(/* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])

  scalar DateTime

  enum PaymentStatus {
    REQUIRES_PAYMENT_METHOD
    SUCCEEDED
    FAILED
  }

  type Payment @key(fields: "id") {
    id: ID!
    status: PaymentStatus!
    order: Order!
  }

  type Order @key(fields: "id") {
    id: ID!
    payment: Payment
  }

  type PaymentStatusUpdate {
    payment: Payment!
    status: PaymentStatus!
    previousStatus: PaymentStatus
    at: DateTime!
  }

  type Query {
    payment(id: ID!): Payment
  }

  type Subscription {
    paymentStatusChanged(orderId: ID!): PaymentStatusUpdate!
  }
`);

function item(depth: number): Record<string, unknown> {
  return { id: `item-${depth}`, name: `Item ${depth}`, child: depth < 20 ? () => item(depth + 1) : null };
}

export function probeOrdersSubgraph(world: ProbeWorld): SubgraphModule {
  return {
    name: 'orders',
    port: 0,
    async create() {
      return {
        typeDefs: ordersTypeDefs,
        routes(app) {
          app.use('/graphql', (req, _res, next) => {
            const header = req.headers['x-forwarded-for'];
            world.lastForwardedFor = Array.isArray(header) ? header.join(',') : header;
            const deadline = req.headers['x-novamart-deadline'];
            world.lastDeadline = Array.isArray(deadline) ? deadline[0] : deadline;
            next();
          });
        },
        resolvers: {
          Query: {
            order: async (_: unknown, { id }: { id: string }, ctx: SubgraphContext) => {
              world.record('order', ctx);
              requireViewer(ctx);
              await world.orderReadGate;
              if (world.failingOrderReads > 0) {
                world.failingOrderReads -= 1;
                throw new Error('replica lagging');
              }
              const order = world.orders.get(id);
              if (!order) return null;
              assertOwnerOrAdmin(ctx, order.userId);
              return order;
            },
            whoami: (_: unknown, __: unknown, ctx: SubgraphContext) => {
              world.record('whoami', ctx);
              return { requestId: ctx.requestId, viewerId: ctx.viewer?.id ?? null };
            },
            items: (_: unknown, { first }: { first: number }, ctx: SubgraphContext) => {
              world.record('items', ctx);
              return Array.from({ length: Math.min(first, 50) }, (_x, i) => item(i));
            },
            item: (_: unknown, __: unknown, ctx: SubgraphContext) => {
              world.record('item', ctx);
              return item(0);
            },
            outOfStock: () => {
              throw outOfStock('Only 3 left', { productId: 'p-1', available: 3 });
            },
            invalidName: () => {
              throw badUserInput('Name must not be empty', 'input.name');
            },
            crash: () => {
              throw new Error('connection to db-7.internal refused');
            },
            slow: async () => {
              await sleep(world.slowMs);
              return 'done';
            },
          },
          Order: {
            __resolveReference: (ref: { id: string }) => world.orders.get(ref.id) ?? null,
            customerId: (order: ProbeOrder) => order.userId,
          },
        },
      };
    },
  };
}

export function probePaymentsSubgraph(world: ProbeWorld): SubgraphModule {
  return {
    name: 'payments',
    port: 0,
    async create() {
      return {
        typeDefs: paymentsTypeDefs,
        resolvers: {
          Query: {
            payment: (_: unknown, { id }: { id: string }, ctx: SubgraphContext) => {
              world.record('payment', ctx);
              const payment = world.payments.get(id);
              if (!payment) return null;
              assertOwnerOrAdmin(ctx, world.orders.get(payment.orderId)?.userId);
              return payment;
            },
          },
          Payment: {
            __resolveReference: (ref: { id: string }) => world.payments.get(ref.id) ?? null,
            order: (payment: ProbePayment) => ({ id: payment.orderId }),
          },
          Order: {
            payment: async (order: { id: string }, _: unknown, ctx: SubgraphContext) => {
              world.record('Order.payment', ctx);
              const delay = world.paymentDelays.shift();
              if (delay) await sleep(delay);
              return [...world.payments.values()].find((p) => p.orderId === order.id) ?? null;
            },
          },
        },
      };
    },
  };
}
