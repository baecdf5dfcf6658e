import type { DirectConsumer } from '@novamart/events';
import type { ProductModel } from '../models/product';
import { applyStockLevel } from '../services/stock-projection';

/** The consumer group of the products subgraph (its in-stock projection). */
export const PRODUCTS_GROUP = 'products';

/**
 * `inventory.stock_changed` feeds the projection (`productAvailable`: the product's sum). The write
 * is one conditional update stamped with the event's time, idempotent by that stamp: no
 * idempotency record or transaction around it. Only whether the product is in stock is read from
 * the projection (the inStock filter and facet), so a change that leaves the product on the same
 * side of zero (`previousProductAvailable`, absent on older events: written) is not written: most
 * orders' reservations. Skipping keeps the projection right whatever the arrival order: each
 * skipped event ends where the change before it (in inventory's order) ended, so the in-stock
 * state after the newest change equals that after the newest change that crossed zero, and the
 * stamp makes the newest written change (a crossing, or a refresh of inventory's answer) win.
 */
export function productsConsumer(Product: ProductModel): DirectConsumer {
  return {
    group: PRODUCTS_GROUP,
    idempotentBy: 'the write applies only when its event is newer than the row (stockAt)',
    handlers: {
      'inventory.stock_changed': async (event) => {
        const { productId, available, productAvailable, previousProductAvailable } = event.payload;
        if (inStockUnchanged(productAvailable, previousProductAvailable)) return;
        await applyStockLevel(Product, {
          productId,
          available: productAvailable ?? available,
          at: new Date(event.occurredAt),
        });
      },
    },
  };
}

/** The product was in stock before the change exactly when it is after it (unknown: false). */
function inStockUnchanged(after: number | undefined, before: number | undefined): boolean {
  return after !== undefined && before !== undefined && after > 0 === before > 0;
}
