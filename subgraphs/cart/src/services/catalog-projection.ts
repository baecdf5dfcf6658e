import { type ClientSession } from 'mongoose';
import { upsertIfNewer } from '@novamart/kit';
import { type ProductSnapshotLike, type VariantFacts, variantName, variantRows } from '@novamart/events';
import {
  toKnownProduct,
  type CatalogProductDoc,
  type CatalogProductModel,
  type KnownProduct,
} from '../models/catalog-product';

export interface PriceChange {
  productId: string;
  previousAmount?: number;
  amount: number;
  currency: string;
}

export interface StockChange {
  productId: string;
  /** Absent on older events: the default variant (the product's id). */
  variantId?: string;
  available: number;
}

/**
 * Keeps the cart's projection of the catalog and of stock. Each write applies only when its event
 * is at least as new as what the projection holds, so redelivered and reordered events leave the
 * newest state in place.
 */
export class CatalogProjection {
  constructor(private readonly products: CatalogProductModel) {}

  /**
   * product.created / product.updated / product.archived: every variant's row. Returns true when
   * the snapshot was applied (it was not older than what the product's row holds).
   */
  async applySnapshot(snapshot: ProductSnapshotLike, at: Date, session?: ClientSession): Promise<boolean> {
    let applied = false;
    for (const row of variantRows(snapshot)) {
      if (await this.applyVariant(row, at, session)) applied = true;
    }
    return applied;
  }

  /** One variant's row, unless the row holds a newer catalog state. */
  async applyVariant(snapshot: VariantFacts, at: Date, session?: ClientSession): Promise<boolean> {
    const current = await this.products
      .findById(snapshot.variantId, { catalogAt: 1, priceAt: 1 })
      .session(session ?? null)
      .lean();
    // An equal stamp is the same catalog state (products stamps each state once: `catalogStamp`).
    if (current?.catalogAt && current.catalogAt >= at) return false;
    const set: Partial<CatalogProductDoc> = {
      sku: snapshot.sku,
      name: variantName(snapshot.productName, snapshot.title),
      active: snapshot.active,
      taxClass: snapshot.taxClass ?? 'STANDARD',
      weightGrams: snapshot.weightGrams ?? null,
      catalogAt: at,
      ...(snapshot.variantId !== snapshot.productId ? { productId: snapshot.productId } : {}),
    };
    // A price_changed newer than this snapshot keeps its price.
    if (!current?.priceAt || current.priceAt <= at) {
      Object.assign(set, { priceAmount: snapshot.priceAmount, currency: snapshot.currency, priceAt: at });
    }
    await this.products.updateOne({ _id: snapshot.variantId }, { $set: set }, { upsert: true, session });
    return true;
  }

  /**
   * product.price_changed: the default variant's price, unless the row holds a newer one. One
   * command, idempotent by `priceAt` (the direct consumer `cart-catalog`).
   */
  applyPrice(change: PriceChange, at: Date): Promise<boolean> {
    return upsertIfNewer(
      this.products,
      change.productId,
      { field: 'priceAt', value: at, sameApplies: true },
      { $set: { priceAmount: change.amount, currency: change.currency, priceAt: at } },
    );
  }

  /** inventory.stock_changed: the variant's available units; one command, idempotent by `stockAt`. */
  applyStock(change: StockChange, at: Date): Promise<boolean> {
    return upsertIfNewer(
      this.products,
      change.variantId ?? change.productId,
      { field: 'stockAt', value: at, sameApplies: true },
      { $set: { available: change.available, stockAt: at } },
    );
  }

  /** The known products among `ids`, by id, in one query. */
  async load(ids: Iterable<string>, session?: ClientSession): Promise<Map<string, KnownProduct>> {
    const unique = [...new Set(ids)];
    const byId = new Map<string, KnownProduct>();
    if (unique.length === 0) return byId;
    const docs = await this.products
      .find({ _id: { $in: unique } })
      .session(session ?? null)
      .lean();
    for (const doc of docs) {
      const product = toKnownProduct(doc);
      if (product) byId.set(product.id, product);
    }
    return byId;
  }
}
