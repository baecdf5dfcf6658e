import { type Connection } from 'mongoose';
import { idempotentConsumer, type EventBus } from '@novamart/events';
import { type SubgraphClient } from '@novamart/kit';
import { cartEventEffects } from '../events/handlers';
import { cartModel } from '../models/cart';
import { catalogProductModel } from '../models/catalog-product';
import { AuthoritativeCatalog } from './authoritative-catalog';
import { CartService } from './cart-service';
import { CatalogProjection } from './catalog-projection';

/** The consumer group of the cart subgraph on the event bus. */
export const CART_GROUP = 'cart';

export interface CartServices {
  carts: CartService;
  catalog: CatalogProjection;
}

/** Models (indexes built) and services on the cart subgraph's connection. */
export async function createCartServices(options: {
  conn: Connection;
  guestCartTtlMs: number;
  /** The products and inventory subgraphs' APIs, which cart commands decide on; null: the projection (service tests). */
  peers?: { products: SubgraphClient; inventory: SubgraphClient } | null;
  maxOrderTotal?: number;
  now?: () => Date;
}): Promise<CartServices> {
  const { conn } = options;
  const carts = cartModel(conn);
  const products = catalogProductModel(conn);
  await Promise.all([carts.init(), products.init()]);
  const catalog = new CatalogProjection(products);
  const cartService = new CartService({
    conn,
    carts,
    catalog: new AuthoritativeCatalog(catalog, options.peers ?? null),
    guestCartTtlMs: options.guestCartTtlMs,
    ...(options.maxOrderTotal !== undefined ? { maxOrderTotal: options.maxOrderTotal } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  return { carts: cartService, catalog };
}

/** Subscribes the cart's event effects, each run once per event (`idempotentConsumer`). */
export function subscribeCartConsumers(bus: EventBus, conn: Connection, services: CartServices): void {
  const effects = cartEventEffects(services);
  bus.subscribe({
    group: CART_GROUP,
    types: Object.keys(effects),
    handler: idempotentConsumer(conn, CART_GROUP, async (event, session, outbox) => {
      await effects[event.type]?.(event, session, outbox);
    }),
  });
}
