import { type AddressInput, type SubgraphContext, type ResolverMap } from '@novamart/kit';
import { lineKey, type CartDoc, type RemovedLine } from './models/cart';
import { type KnownProduct } from './models/catalog-product';
import { catalogDecidedOn, type CartService } from './services/cart-service';
import { type CatalogProjection } from './services/catalog-projection';
import { type CartDiscount, type CartDiscountQuote, type CartDiscounts } from './services/cart-discounts';
import { priceCart, type PricedCart, type PricedLine } from './services/pricing';
import { type CartQuote, type CartShippingQuotes } from './services/shipping-quote';

export interface CartContext extends SubgraphContext {
  carts: CartService;
  catalog: CatalogProjection;
  discounts: CartDiscounts;
  defaultCurrency: string;
  shippingQuotes: CartShippingQuotes;
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
  const loader = catalogLoader(ctx);
  // A cart a mutation just wrote is priced at the catalog that mutation decided on.
  for (const [id, product] of catalogDecidedOn(cart) ?? []) loader.prime(id, product);
  const products = await loader.loadMany(cart.items.map(lineKey));
  const byId = new Map<string, KnownProduct>();
  for (const product of products) if (product && !(product instanceof Error)) byId.set(product.id, product);
  return priceCart(cart, byId, ctx.defaultCurrency);
}

interface QuoteArgs {
  address: AddressInput;
  shippingMethodCode?: string | null;
}

/** One shipping quote per cart revision, address and method per request, whichever fields ask. */
function quoteOf(cart: CartDoc, args: QuoteArgs, ctx: CartContext): Promise<CartQuote> {
  const loader = ctx.loaders.get<{ cart: CartDoc; args: QuoteArgs }, CartQuote, string>(
    'cart.shippingQuote',
    (keys) =>
      Promise.all(
        keys.map(async ({ cart: one, args: { address, shippingMethodCode } }) => {
          const pricedCart = await priced(one, ctx);
          return ctx.shippingQuotes.quote(pricedCart, address, shippingMethodCode ?? null, (shippingAmount) =>
            ctx.discounts.quote(one, pricedCart, undefined, shippingAmount),
          );
        }),
      ),
    {
      cacheKeyFn: ({ cart: one, args: { address, shippingMethodCode } }) =>
        JSON.stringify([one._id, one.revision, address, shippingMethodCode ?? null]),
    },
  );
  return loader.load({ cart, args });
}

/** One quote per cart object a request resolves, shared by its discount fields. */
const quotes = new WeakMap<CartDoc, Promise<CartDiscountQuote>>();

function discountQuote(cart: CartDoc, ctx: CartContext): Promise<CartDiscountQuote> {
  let quote = quotes.get(cart);
  if (!quote) {
    quote = priced(cart, ctx).then((pricedCart) => ctx.discounts.quote(cart, pricedCart));
    quotes.set(cart, quote);
  }
  return quote;
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
    applyDiscountCode: (_: unknown, args: { cartId?: string | null; code: string }, ctx: CartContext) =>
      ctx.carts.applyDiscountCode(ctx.viewer, args),
    removeDiscountCode: (_: unknown, args: { cartId?: string | null; code: string }, ctx: CartContext) =>
      ctx.carts.removeDiscountCode(ctx.viewer, args),
  },
  Cart: {
    id: (cart: CartDoc) => cart._id,
    items: async (cart: CartDoc, _: unknown, ctx: CartContext) => (await priced(cart, ctx)).lines,
    itemCount: async (cart: CartDoc, _: unknown, ctx: CartContext) => (await priced(cart, ctx)).itemCount,
    subtotal: async (cart: CartDoc, _: unknown, ctx: CartContext) => (await priced(cart, ctx)).subtotal,
    expiresAt: (cart: CartDoc) => cart.expiresAt ?? null,
    shippingOptions: async (cart: CartDoc, args: QuoteArgs, ctx: CartContext) =>
      (await quoteOf(cart, { address: args.address }, ctx)).options,
    taxLines: async (cart: CartDoc, args: QuoteArgs, ctx: CartContext) =>
      (await quoteOf(cart, args, ctx)).taxLines,
    taxTotal: async (cart: CartDoc, args: QuoteArgs, ctx: CartContext) =>
      (await quoteOf(cart, args, ctx)).taxTotal,
    shippingCost: async (cart: CartDoc, args: QuoteArgs, ctx: CartContext) =>
      (await quoteOf(cart, args, ctx)).shippingCost,
    shippingDiscount: async (cart: CartDoc, args: QuoteArgs, ctx: CartContext) =>
      (await quoteOf(cart, args, ctx)).shippingDiscount,
    pricesIncludeTax: async (cart: CartDoc, args: QuoteArgs, ctx: CartContext) =>
      (await quoteOf(cart, args, ctx)).pricesIncludeTax,
    total: async (cart: CartDoc, args: QuoteArgs, ctx: CartContext) => (await quoteOf(cart, args, ctx)).total,
    discountCodes: (cart: CartDoc) => cart.discountCodes ?? [],
    discounts: async (cart: CartDoc, _: unknown, ctx: CartContext) => {
      const quote = await discountQuote(cart, ctx);
      return quote.discounts.map((discount) => ({ ...discount, currency: quote.currency }));
    },
    discountTotal: async (cart: CartDoc, _: unknown, ctx: CartContext) => {
      const quote = await discountQuote(cart, ctx);
      return { amount: quote.discountTotal, currency: quote.currency };
    },
    discountedSubtotal: async (cart: CartDoc, _: unknown, ctx: CartContext) => {
      const [quote, pricedCart] = await Promise.all([discountQuote(cart, ctx), priced(cart, ctx)]);
      return { amount: pricedCart.subtotal.amount - quote.discountTotal, currency: quote.currency };
    },
  },
  CartDiscount: {
    amount: (discount: CartDiscount & { currency: string }) => ({
      amount: discount.amount,
      currency: discount.currency,
    }),
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
