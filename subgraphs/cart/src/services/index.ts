import { type Connection } from 'mongoose';
import { type SubgraphClient } from '@novamart/kit';
import { cartModel } from '../models/cart';
import { catalogProductModel } from '../models/catalog-product';
import { AuthoritativeCatalog } from './authoritative-catalog';
import { CartDiscounts } from './cart-discounts';
import { CartService } from './cart-service';
import { CatalogProjection } from './catalog-projection';

export interface CartServices {
  carts: CartService;
  catalog: CatalogProjection;
  discounts: CartDiscounts;
}

/** Models (indexes built) and services on the cart subgraph's connection. */
export async function createCartServices(options: {
  conn: Connection;
  guestCartTtlMs: number;
  /** The products and inventory subgraphs' APIs, which cart commands decide on; null: the projection (service tests). */
  peers?: { products: SubgraphClient; inventory: SubgraphClient } | null;
  maxOrderTotal?: number;
  /** The promotions subgraph's API, which prices discount codes; null: no codes (service tests). */
  promotions?: SubgraphClient | null;
  defaultCurrency?: string;
  now?: () => Date;
}): Promise<CartServices> {
  const { conn } = options;
  const carts = cartModel(conn);
  const products = catalogProductModel(conn);
  await Promise.all([carts.init(), products.init()]);
  const catalog = new CatalogProjection(products);
  const discounts = new CartDiscounts(options.promotions ?? null);
  const cartService = new CartService({
    discounts,
    ...(options.defaultCurrency ? { defaultCurrency: options.defaultCurrency } : {}),
    conn,
    carts,
    catalog: new AuthoritativeCatalog(catalog, options.peers ?? null),
    guestCartTtlMs: options.guestCartTtlMs,
    ...(options.maxOrderTotal !== undefined ? { maxOrderTotal: options.maxOrderTotal } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  return { carts: cartService, catalog, discounts };
}
