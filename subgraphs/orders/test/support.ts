import { type DomainEvent, type InProcessBus, InProcessLiveBus, subscribeConsumers } from '@novamart/events';
import { type Viewer } from '@novamart/kit';
import { ORDERS_COLLECTION } from '../src/models/order';
import { startServiceHarness } from '@novamart/kit/testing';
import { type Connection } from 'mongoose';
import { ordersConsumers } from '../src/events/handlers';
import { type AddressInput, type CheckoutInput } from '../src/services/checkout-input';
import { createOrdersServices, type OrdersServices } from '../src/services';

export const customer = (id = 'u-1'): Viewer => ({ id, role: 'CUSTOMER' });
export const admin: Viewer = { id: 'admin-1', role: 'ADMIN' };

export const address: AddressInput = {
  name: 'Ada Lovelace',
  line1: '12 St James Square',
  city: 'London',
  postalCode: 'SW1Y 4JH',
  country: 'gb',
};

export const SHIPPING = { flatRate: 499, freeThreshold: 5000 };

export { eventually, failure } from '@novamart/kit/testing';

export interface OrdersHarness extends OrdersServices {
  conn: Connection;
  bus: InProcessBus;
  live: InProcessLiveBus;
  /** Every event the orders subgraph published, in order. */
  published: DomainEvent<any>[];
  /** Publishes an event as another subgraph would and waits until the orders group handled it. */
  publish(type: string, aggregateId: string, payload: Record<string, unknown>): Promise<DomainEvent>;
  /** Publishes an event again, as a redelivery would, and waits until everything it caused settled. */
  redeliver(event: DomainEvent): Promise<void>;
  /** Once every event is handled and the outbox relayed (`ServiceHarness.settled`). */
  settled(): Promise<void>;
  product(productId: string, priceAmount: number, extra?: Record<string, unknown>): Promise<void>;
  /** A cart as the cart subgraph announces it; returns the cart id. */
  cart(
    cartId: string,
    lines: { productId: string; quantity: number }[],
    options?: { userId?: string; revision?: number },
  ): Promise<string>;
  registered(userId: string, email: string): Promise<void>;
  /** The order id's events of `type`, published so far. */
  eventsOf(orderId: string, type: string): DomainEvent<any>[];
  close(): Promise<void>;
}

let cartRevisions = 0;

export function checkoutInput(overrides: Partial<CheckoutInput> = {}): CheckoutInput {
  return {
    shippingAddress: address,
    idempotencyKey: `key-${Math.random().toString(36).slice(2)}`,
    ...overrides,
  };
}

export async function startOrdersHarness(): Promise<OrdersHarness> {
  const live = new InProcessLiveBus();
  const base = await startServiceHarness<OrdersServices>({
    name: 'orders',
    services: ({ conn, logger }) => createOrdersServices({ conn, logger, shipping: SHIPPING }),
    consumers: (bus, conn, services) =>
      subscribeConsumers(bus, conn, ordersConsumers(services, live, services.queries)),
    observe: ['order.*', 'shipment.*', 'return.*'],
    documentEvents: [ORDERS_COLLECTION],
  });
  const { conn, bus, published } = base;

  const harness: OrdersHarness = {
    ...base.services,
    conn,
    bus,
    live,
    published,
    publish: (type, aggregateId, payload) => base.publish(type, aggregateId, payload),
    async redeliver(event) {
      // A copy skipped as a duplicate leaves no trace to wait for: wait until nothing is in flight.
      await bus.publish(event);
      await base.settled();
    },
    settled: () => base.settled(),
    async product(productId, priceAmount, extra = {}) {
      await harness.publish('product.created', productId, {
        productId,
        sku: `SKU-${productId}`,
        slug: productId,
        name: `Name ${productId}`,
        priceAmount,
        currency: 'USD',
        categorySlug: null,
        active: true,
        initialStock: 10,
        ...extra,
      });
    },
    async cart(cartId, lines, options = {}) {
      await harness.publish('cart.updated', cartId, {
        cartId,
        userId: options.userId ?? null,
        revision: options.revision ?? ++cartRevisions,
        lines,
        expiresAt: options.userId ? null : new Date(Date.now() + 7 * 86_400_000).toISOString(),
        updatedAt: new Date().toISOString(),
      });
      return cartId;
    },
    async registered(userId, email) {
      await harness.publish('user.registered', userId, {
        userId,
        email,
        name: null,
        role: 'CUSTOMER',
        verificationCode: '123456',
        codeExpiresAt: new Date().toISOString(),
      });
    },
    eventsOf(orderId, type) {
      return published.filter((event) => event.aggregateId === orderId && event.type === type);
    },
    async close() {
      await live.close();
      await base.close();
    },
  };
  return harness;
}
