import { type Viewer } from '@novamart/kit';
import { startServiceHarness, type ServiceHarness } from '@novamart/kit/testing';
import { subscribeConsumers } from '@novamart/events';
import { cartConsumers } from '../src/events/handlers';
import { CARTS_COLLECTION } from '../src/models/cart';
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

export interface CartHarness
  extends
    CartServices,
    Pick<
      ServiceHarness<CartServices>,
      'conn' | 'bus' | 'published' | 'publish' | 'handled' | 'settled' | 'close'
    > {
  clock: TestClock;
  /** Publishes a product (created) with its stock. */
  stockedProduct(
    product: Partial<ProductFixture> & { productId: string },
    available?: number,
  ): Promise<ProductFixture>;
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

export { eventually, failure } from '@novamart/kit/testing';

export async function startCartHarness(): Promise<CartHarness> {
  const clock = new TestClock();
  const base = await startServiceHarness<CartServices>({
    name: 'cart',
    services: ({ conn }) => createCartServices({ conn, guestCartTtlMs: 7 * DAY_MS, now: clock.now }),
    consumers: (bus, conn, services) => subscribeConsumers(bus, conn, cartConsumers(services)),
    observe: ['cart.*'],
    documentEvents: [CARTS_COLLECTION],
  });
  const { conn, bus, published } = base;

  const harness: CartHarness = {
    ...base.services,
    conn,
    bus,
    clock,
    published,
    publish: (type, aggregateId, payload, occurredAt) => base.publish(type, aggregateId, payload, occurredAt),
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
    handled: (event) => base.handled(event),
    settled: () => base.settled(),
    close: () => base.close(),
  };
  return harness;
}
