import type { Logger, SubgraphClient } from '@novamart/kit';
import type { ProductDoc } from '../models/product';

const RECORD_OPENING_STOCK = `mutation RecordOpeningStock($productId: ID!, $quantity: Int!) {
  recordOpeningStock(productId: $productId, quantity: $quantity) { available }
}`;

/**
 * createProduct's initialStock belongs to inventory. `product.created` carries it there, but a
 * moment after the mutation answers; so that the admin's next request (Product.inventory,
 * addToCart) sees the stock, createProduct also hands it to inventory's API, as the admin, once
 * the product is committed. Inventory records the opening stock once per product whichever comes
 * first, so the event that follows changes nothing. If inventory cannot be reached the product
 * still exists and the event records the stock when it arrives: the call only makes it visible sooner.
 */
export async function recordOpeningStock(
  inventory: SubgraphClient,
  product: ProductDoc,
  initialStock: number,
  authorization: string | undefined,
  logger: Logger,
): Promise<void> {
  try {
    await inventory.request(
      RECORD_OPENING_STOCK,
      { productId: String(product._id), quantity: initialStock },
      { authorization: authorization ?? null },
    );
  } catch (err) {
    logger.warn({ err, productId: String(product._id) }, 'opening stock left to product.created');
  }
}
