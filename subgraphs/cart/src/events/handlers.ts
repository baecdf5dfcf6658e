import { type ConsumerDeclaration, type DirectConsumer, type TransactionalHandler } from '@novamart/events';
import { type CartService } from '../services/cart-service';
import { type CatalogProjection } from '../services/catalog-projection';

/** The consumer group of the cart subgraph on the event bus. */
export const CART_GROUP = 'cart';

/**
 * What the cart does with events, consumed under the group `cart`, each once per event inside the
 * consumer's transaction: the projection of product snapshots and archived products taken out of
 * carts.
 */
export function cartConsumer(deps: { catalog: CatalogProjection; carts: CartService }): ConsumerDeclaration {
  const { catalog, carts } = deps;

  const snapshot: TransactionalHandler<'product.created' | 'product.updated' | 'product.archived'> = async (
    event,
    { session, outbox },
  ) => {
    // An archive is final whatever flag the snapshot carries.
    const product = event.type === 'product.archived' ? { ...event.payload, active: false } : event.payload;
    const applied = await catalog.applySnapshot(product, new Date(event.occurredAt), session);
    if (applied && !product.active) {
      await carts.dropArchivedProduct({ productId: product.productId, name: product.name }, session, outbox);
    }
  };

  return {
    group: CART_GROUP,
    handlers: {
      'product.created': snapshot,
      'product.updated': snapshot,
      'product.archived': snapshot,
    },
  };
}

/**
 * Ordered lines taken out of the cart they came from, in the same group: one write of the cart,
 * carrying its `cart.updated`, without a transaction or a processed-event record: the cart records
 * the orders it gave lines to (`CartService.removeOrderedLines`).
 */
export function cartOrderConsumer(carts: CartService): DirectConsumer {
  return {
    group: CART_GROUP,
    idempotentBy:
      "the write that takes an order's lines records the order on the cart (compare-and-set of its revision); a repeat finds it there",
    handlers: {
      'order.placed': async (event) => {
        const { orderId, cartId, lines } = event.payload;
        if (!cartId) return;
        await carts.removeOrderedLines({ orderId, cartId, lines });
      },
    },
  };
}

/**
 * Price and stock changes into the cart's catalog projection, in the same group: each is one write
 * stamped with the event's time (`upsertIfNewer`), idempotent by that stamp, so they run without
 * the idempotency record and transaction that would triple their cost on every order's stock change.
 */
export function cartCatalogConsumer(catalog: CatalogProjection): DirectConsumer {
  return {
    group: CART_GROUP,
    idempotentBy: 'each write applies only when its event is newer than the row (priceAt, stockAt)',
    handlers: {
      'product.price_changed': (event) => catalog.applyPrice(event.payload, new Date(event.occurredAt)),
      'inventory.stock_changed': (event) => catalog.applyStock(event.payload, new Date(event.occurredAt)),
    },
  };
}

/** Every consumer the cart declares (the module and the service harness subscribe the same). */
export function cartConsumers(deps: {
  catalog: CatalogProjection;
  carts: CartService;
}): ConsumerDeclaration[] {
  return [cartConsumer(deps), cartOrderConsumer(deps.carts), cartCatalogConsumer(deps.catalog)];
}
