import type { DirectConsumer } from '@novamart/events';
import type { ProductModel } from '../models/product';
import { applyStockLevel } from '../services/stock-projection';

/** The consumer group of the products subgraph (its in-stock projection). */
export const PRODUCTS_GROUP = 'products';

/**
 * `inventory.stock_changed` feeds the projection (`productAvailable`: the product's sum). The write
 * is one conditional update stamped with the event's time, idempotent by that stamp: no
 * idempotency record or transaction around it.
 */
export function productsConsumer(Product: ProductModel): DirectConsumer {
  return {
    group: PRODUCTS_GROUP,
    idempotentBy: 'the write applies only when its event is newer than the row (stockAt)',
    handlers: {
      'inventory.stock_changed': async (event) => {
        const { productId, available, productAvailable } = event.payload;
        await applyStockLevel(Product, {
          productId,
          available: productAvailable ?? available,
          at: new Date(event.occurredAt),
        });
      },
    },
  };
}
