import {
  createEvent,
  InProcessBus,
  OutboxRelay,
  subscribeConsumers,
  type DomainEvent,
} from '@novamart/events';
import { connectMongo, type Viewer } from '@novamart/kit';
import { startEmbeddedMongoForTests, uniqueDbName } from '@novamart/kit/testing';
import { type Connection } from 'mongoose';
import { cartConsumer } from '../src/events/handlers';
import { createCartServices, type CartServices } from '../src/services';

export const DAY_MS = 24 * 3600_000;

/** A controllable clock. */
export class TestClock {
  constructor(public current = new Date('2026-03-01T12:00:00.000Z')) {}
  now = (): Date => new Date(this.current.getTime());
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

export interface CartHarness extends CartServices {
  conn: Connection;
  bus: InProcessBus;
  clock: TestClock;
  /** Every event the cart subgraph published, in order. */
  published: DomainEvent<any>[];
  publish(
    type: string,
    aggregateId: string,
    payload: Record<string, unknown>,
    occurredAt?: Date,
  ): Promise<DomainEvent>;
  /** Publishes a product (created) with its stock. */
  stockedProduct(
    product: Partial<ProductFixture> & { productId: string },
    available?: number,
  ): Promise<ProductFixture>;
  /** Resolves once the cart consumer group has handled `event` (or throws after a timeout). */
  handled(event: DomainEvent): Promise<void>;
  close(): Promise<void>;
}

export interface ProductFixture {
  productId: string;
  sku: string;
  slug: string;
  name: string;
  priceAmount: number;
  currency: string;
  categorySlug: string | null;
  active: boolean;
}

export const customer = (id = 'u-1'): Viewer => ({ id, role: 'CUSTOMER' });

export async function eventually<T>(
  probe: () => Promise<T | null | undefined | false>,
  timeoutMs = 5_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 15));
  }
}

export async function startCartHarness(): Promise<CartHarness> {
  const mongo = await startEmbeddedMongoForTests();
  const conn = await connectMongo({ url: mongo.uri, dbName: uniqueDbName('cart') });
  const clock = new TestClock();
  const services = await createCartServices({ conn, guestCartTtlMs: 7 * DAY_MS, now: clock.now });
  const bus = new InProcessBus({ blockMs: 50 });
  subscribeConsumers(bus, conn, [cartConsumer(services)]);

  const published: DomainEvent<any>[] = [];
  bus.subscribe({
    group: 'cart-test-observer',
    types: ['cart.*'],
    handler: async (event) => {
      published.push(event);
    },
  });
  // Which events the cart group finished: a second observer of the same domains would race it, so
  // the harness watches the processed-events records instead.
  const processed = conn.collection<{ _id: string }>('processed_events');
  const relay = new OutboxRelay(conn, bus, { pollIntervalMs: 50 });
  await relay.start();
  await bus.start();

  const harness: CartHarness = {
    ...services,
    conn,
    bus,
    clock,
    published,
    async publish(type, aggregateId, payload, occurredAt) {
      const event = createEvent(type, aggregateId, payload);
      if (occurredAt) event.occurredAt = occurredAt.toISOString();
      await bus.publish(event);
      await harness.handled(event);
      return event;
    },
    async stockedProduct(product, available = 10) {
      const fixture: ProductFixture = {
        sku: `SKU-${product.productId}`,
        slug: product.productId,
        name: `Product ${product.productId}`,
        priceAmount: 1000,
        currency: 'USD',
        categorySlug: null,
        active: true,
        ...product,
      };
      await harness.publish('product.created', fixture.productId, { ...fixture, initialStock: available });
      await harness.publish('inventory.stock_changed', fixture.productId, {
        productId: fixture.productId,
        available,
        onHand: available,
        reserved: 0,
        reorderLevel: 0,
      });
      return fixture;
    },
    async handled(event) {
      await eventually(() => processed.findOne({ _id: `cart:${event.id}` }));
    },
    async close() {
      await relay.stop();
      await bus.close();
      await conn.dropDatabase().catch(() => undefined);
      await conn.close();
    },
  };
  return harness;
}
