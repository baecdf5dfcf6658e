import { type SubgraphClient, type Viewer, upsertRacing } from '@novamart/kit';
import { PRODUCT_VARIANT_SELECTION, type ProductVariantAnswer, variantFactsOf } from '@novamart/events';
import { type CartSnapshotDoc } from '../models/cart-snapshot';
import { type CatalogPriceDoc } from '../models/catalog-price';
import { type Projections } from './projections';

const CART = `query CheckoutCart($id: ID) {
  cart(id: $id) { id revision expiresAt items { product { id } variantId quantity } discountCodes }
}`;

// Lines are variants; a product's default variant has the product's id.
const VARIANTS = `query CheckoutVariants($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on ProductVariant { ${PRODUCT_VARIANT_SELECTION} } }
}`;

interface CartAnswer {
  id: string;
  revision: number;
  expiresAt: string | null;
  items: { product: { id: string }; variantId: string; quantity: number }[];
  discountCodes: string[];
}

/**
 * Checkout decides on the orders subgraph's projections of carts and prices, and those follow the
 * cart and products subgraphs' events a moment behind them. So before deciding, checkout asks the
 * owners' APIs for the rows it is about to read (the caller's cart, as the caller, with its
 * revision; the catalog entries of its lines, with their updatedAt) and applies the answers to the
 * projections under the projections' own rule (highest revision, newest time wins). What the
 * client's last cart mutation returned is then what checkout orders, whichever replicas answer.
 */
export class OwnerRefresh {
  constructor(
    private readonly projections: Projections,
    private readonly cart: SubgraphClient,
    private readonly products: SubgraphClient,
  ) {}

  /**
   * The caller's cart (their own without `cartId`). A cart the owner does not show this caller
   * (unknown, expired, merged away, someone else's) fails with the cart subgraph's NOT_FOUND.
   * Returns the snapshot as written from the answer, or null when a signed-in caller has no cart
   * yet or the snapshot already holds a newer revision (checkout then reads it).
   */
  async refreshCart(
    viewer: Viewer | null,
    cartId: string | null,
    authorization: string | undefined,
  ): Promise<CartSnapshotDoc | null> {
    const { cart } = await this.cart.request<{ cart: CartAnswer | null }>(
      CART,
      { id: cartId },
      { authorization: authorization ?? null },
    );
    if (!cart) return null;
    return this.projections.applyCartUpdated({
      cartId: cart.id,
      // The cart answered for this caller: a customer's cart is theirs, a guest cart has no owner.
      userId: cartId === null ? (viewer?.id ?? null) : null,
      revision: cart.revision,
      lines: cart.items.map((item) => ({
        productId: item.product.id,
        ...(item.variantId !== item.product.id ? { variantId: item.variantId } : {}),
        quantity: item.quantity,
      })),
      expiresAt: cart.expiresAt,
      discountCodes: cart.discountCodes,
    });
  }

  /**
   * The catalog rows of the given variants (a default variant's id is its product's), by variant
   * id, as they stand once the answers are applied: what checkout prices with. A variant the
   * owner does not know is absent.
   */
  async refreshProducts(variantIds: readonly string[]): Promise<Map<string, CatalogPriceDoc>> {
    const rows = new Map<string, CatalogPriceDoc>();
    if (variantIds.length === 0) return rows;
    const { _entities } = await this.products.request<{ _entities: (ProductVariantAnswer | null)[] }>(
      VARIANTS,
      {
        representations: [...new Set(variantIds)].map((id) => ({ __typename: 'ProductVariant', id })),
      },
    );
    await Promise.all(
      _entities.map(async (variant) => {
        if (!variant) return;
        const row = await upsertRacing(() =>
          this.projections.applyVariant(variantFactsOf(variant), new Date(variant.updatedAt)),
        );
        rows.set(row._id, row);
      }),
    );
    return rows;
  }
}
