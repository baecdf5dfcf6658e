import type { ConsumerDeclaration } from '@novamart/events';
import type { ProductModel } from '../models/product';
import { applyStockLevel } from '../services/stock-projection';

/** The consumer group of the products subgraph (its in-stock projection). */
export const PRODUCTS_GROUP = 'products';

/** `inventory.stock_changed` feeds the projection (`productAvailable`: the product's sum). */
export function productsConsumer(Product: ProductModel): ConsumerDeclaration {
  return {
    group: PRODUCTS_GROUP,
    handlers: {
      'inventory.stock_changed': async (event, { session }) => {
        const { productId, available, productAvailable } = event.payload;
        await applyStockLevel(
          Product,
          { productId, available: productAvailable ?? available, at: new Date(event.occurredAt) },
          session,
        );
      },
    },
  };
}
