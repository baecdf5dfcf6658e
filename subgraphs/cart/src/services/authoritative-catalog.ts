import { type SubgraphClient, upsertRacing } from '@novamart/kit';
import {
  PRODUCT_VARIANT_SELECTION,
  type ProductVariantAnswer,
  variantFactsOf,
  variantName,
} from '@novamart/events';
import { type KnownProduct } from '../models/catalog-product';
import { type CatalogProjection } from './catalog-projection';

// Lines hold variants: a product's default variant has the product's id, so a line of a product
// without options asks for the same id it always did.
const PRODUCTS = `query CartVariants($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on ProductVariant { ${PRODUCT_VARIANT_SELECTION} } }
}`;

const STOCK = `query CartStock($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on ProductVariant { id inventory { available } } }
}`;

/**
 * What a cart command decides on: the products subgraph's current product and the inventory
 * subgraph's current stock, asked through their APIs. The cart's projection of their events is a
 * moment behind them, so deciding on it would refuse a product created, repriced or restocked just
 * before (or accept one just archived). The catalog answers are written into the projection too
 * (stamped with the product's updatedAt, so the newest of event and answer wins): the cart the
 * command returns, and every read after it, shows the prices the command decided on.
 *
 * Without the two clients (service tests) it decides on the projection.
 */
export class AuthoritativeCatalog {
  constructor(
    private readonly projection: CatalogProjection,
    private readonly peers: { products: SubgraphClient; inventory: SubgraphClient } | null,
  ) {}

  async load(ids: Iterable<string>): Promise<Map<string, KnownProduct>> {
    const unique = [...new Set(ids)];
    if (!this.peers || unique.length === 0) return this.projection.load(unique);
    const representations = unique.map((id) => ({ __typename: 'ProductVariant', id }));
    const [catalog, stock] = await Promise.all([
      this.peers.products.request<{ _entities: (ProductVariantAnswer | null)[] }>(PRODUCTS, {
        representations,
      }),
      this.peers.inventory.request<{
        _entities: ({ id: string; inventory: { available: number } } | null)[];
      }>(STOCK, { representations }),
    ]);
    const available = new Map<string, number>();
    for (const row of stock._entities) if (row) available.set(row.id, row.inventory.available);
    const byId = new Map<string, KnownProduct>();
    await Promise.all(
      catalog._entities.map(async (answer) => {
        if (!answer) return;
        const variant = variantFactsOf(answer);
        await upsertRacing(() => this.projection.applyVariant(variant, new Date(answer.updatedAt)));
        byId.set(answer.id, {
          id: answer.id,
          productId: variant.productId,
          sku: variant.sku,
          name: variantName(variant.productName, variant.title),
          priceAmount: variant.priceAmount,
          currency: variant.currency,
          active: variant.active,
          taxClass: answer.taxClass,
          weightGrams: answer.weightGrams ?? 0,
          available: Math.max(0, available.get(answer.id) ?? 0),
        });
      }),
    );
    return byId;
  }
}
