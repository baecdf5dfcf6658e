import { type SubgraphContext, type ResolverMap } from '@novamart/kit';
import { lineKey, type CartDoc, type RemovedLine } from './models/cart';
import { type KnownProduct } from './models/catalog-product';
import { type CartService } from './services/cart-service';
import { type CatalogProjection } from './services/catalog-projection';
import { priceCart, type PricedCart, type PricedLine } from './services/pricing';

export interface CartContext extends SubgraphContext {
  carts: CartService;
  catalog: CatalogProjection;
  defaultCurrency: string;
}

const productRef = (id: string) => ({ __typename: 'Product' as const, id });
const variantRef = (id: string) => ({ __typename: 'ProductVariant' as const, id });

/** Catalog entries for all carts of one request in one query. */
function catalogLoader(ctx: CartContext) {
  return ctx.loaders.get<string, KnownProduct | null>('cart.catalogProduct', async (ids) => {
    const byId = await ctx.catalog.load(ids);
    return ids.map((id) => byId.get(id) ?? null);
  });
}

async function priced(cart: CartDoc, ctx: CartContext): Promise<PricedCart> {
  const products = await catalogLoader(ctx).loadMany(cart.items.map(lineKey));
  const byId = new Map<string, KnownProduct>();
  for (const product of products) if (product && !(product instanceof Error)) byId.set(product.id, product);
  return priceCart(cart, byId, ctx.defaultCurrency);
}

/** The subgraph's resolver map, typed against its context (as every subgraph's is). */
export type Resolvers = ResolverMap<CartContext>;

export const resolvers: Resolvers = {
  Query: {
    cart: (_: unknown, args: { id?: string | null }, ctx: CartContext) => ctx.carts.get(ctx.viewer, args.id),
  },
  Mutation: {
    addToCart: (
      _: unknown,
      args: { cartId?: string | null; productId: string; variantId?: string | null; quantity: number },
      ctx: CartContext,
    ) => ctx.carts.addItem(ctx.viewer, args),
    updateCartItem: (
      _: unknown,
      args: { cartId?: string | null; productId: string; variantId?: string | null; quantity: number },
      ctx: CartContext,
    ) => ctx.carts.updateItem(ctx.viewer, args),
    removeFromCart: (
      _: unknown,
      args: { cartId?: string | null; productId: string; variantId?: string | null },
      ctx: CartContext,
    ) => ctx.carts.removeItem(ctx.viewer, args),
    clearCart: (_: unknown, args: { cartId?: string | null }, ctx: CartContext) =>
      ctx.carts.clear(ctx.viewer, args.cartId),
    mergeCart: (_: unknown, args: { guestCartId: string }, ctx: CartContext) =>
      ctx.carts.merge(ctx.viewer, args.guestCartId),
  },
  Cart: {
    id: (cart: CartDoc) => cart._id,
    items: async (cart: CartDoc, _: unknown, ctx: CartContext) => (await priced(cart, ctx)).lines,
    itemCount: async (cart: CartDoc, _: unknown, ctx: CartContext) => (await priced(cart, ctx)).itemCount,
    subtotal: async (cart: CartDoc, _: unknown, ctx: CartContext) => (await priced(cart, ctx)).subtotal,
    expiresAt: (cart: CartDoc) => cart.expiresAt ?? null,
  },
  CartItem: {
    product: (line: PricedLine) => productRef(line.productId),
    variant: (line: PricedLine) => variantRef(line.variantId),
    unitPrice: (line: PricedLine) => ({ amount: line.unitAmount, currency: line.currency }),
    lineTotal: (line: PricedLine) => ({ amount: line.lineAmount, currency: line.currency }),
  },
  RemovedCartItem: {
    product: (line: RemovedLine) => productRef(line.productId),
    variant: (line: RemovedLine) => variantRef(lineKey(line)),
  },
};
