import { type ClientSession } from 'mongoose';
import { type DomainEvent, type Outbox } from '@novamart/events';
import { type CartService } from '../services/cart-service';
import {
  type CatalogProjection,
  type PriceChange,
  type ProductSnapshot,
  type StockChange,
} from '../services/catalog-projection';

/** The effect of one event, run once per event inside the consumer's transaction. */
export type CartEventEffect = (
  event: DomainEvent<any>,
  session: ClientSession,
  outbox: Outbox,
) => Promise<void>;

/** `order.placed` as far as the cart reads it. */
export interface OrderPlacedForCart {
  orderId: string;
  cartId?: string | null;
  lines: { productId: string; quantity: number }[];
}

/** Event type → effect. Consumed by the cart subgraph under the consumer group `cart`. */
export function cartEventEffects(deps: {
  catalog: CatalogProjection;
  carts: CartService;
}): Record<string, CartEventEffect> {
  const { catalog, carts } = deps;

  const snapshot: CartEventEffect = async (event, session, outbox) => {
    // An archive is final whatever flag the snapshot carries.
    const product =
      event.type === 'product.archived'
        ? { ...(event.payload as ProductSnapshot), active: false }
        : (event.payload as ProductSnapshot);
    const applied = await catalog.applySnapshot(product, new Date(event.occurredAt), session);
    if (applied && product.active === false) {
      await carts.dropArchivedProduct({ productId: product.productId, name: product.name }, session, outbox);
    }
  };

  return {
    'product.created': snapshot,
    'product.updated': snapshot,
    'product.archived': snapshot,
    'product.price_changed': async (event, session) => {
      await catalog.applyPrice(event.payload as PriceChange, new Date(event.occurredAt), session);
    },
    'inventory.stock_changed': async (event, session) => {
      await catalog.applyStock(event.payload as StockChange, new Date(event.occurredAt), session);
    },
    'order.placed': async (event, session, outbox) => {
      const order = event.payload as OrderPlacedForCart;
      if (!order.cartId) return;
      await carts.removeOrderedLines(order.cartId, order.lines, session, outbox);
    },
  };
}
