import { type ClientSession } from 'mongoose';
import { type CatalogEntryDoc, type CatalogEntryModel, isRecommendable } from '../models/catalog-entry';

export interface ProductSnapshotPayload {
  productId: string;
  name: string;
  active: boolean;
  initialStock?: number | null;
}

export interface StockChangedPayload {
  productId: string;
  available: number;
  /** The product's available over all its variants (absent on events from before variants). */
  productAvailable?: number;
}

/** The scope every list depends on: bumped when a product becomes (un)recommendable or is renamed. */
export const CATALOG_SCOPE = 'catalog';

/**
 * Keeps the product names and the recommendable flag this subgraph needs, from product and
 * inventory events. Events of one stream arrive in order, but product and stock events come on
 * different streams; each side keeps the occurredAt it applied so an older event never wins.
 * Each method returns whether cached lists are affected.
 */
export class CatalogProjection {
  constructor(private readonly catalog: CatalogEntryModel) {}

  async applyProduct(
    session: ClientSession,
    type: string,
    occurredAt: Date,
    p: ProductSnapshotPayload,
  ): Promise<boolean> {
    const before = await this.catalog.findById(p.productId).session(session).lean<CatalogEntryDoc>();
    if (before?.productAt && before.productAt > occurredAt) return false;
    const active = type === 'product.archived' ? false : p.active;
    const set: Partial<CatalogEntryDoc> = { name: p.name, active, productAt: occurredAt };
    // Opening stock travels with the creation; the inventory's own stock events take over from it.
    if (type === 'product.created' && !before?.stockAt && p.initialStock != null)
      set.available = p.initialStock;
    await this.catalog.updateOne({ _id: p.productId }, { $set: set }, { upsert: true, session });
    const after = { ...(before ?? { name: null, active: false, available: null }), ...set };
    return (
      isRecommendable(before) !== isRecommendable(after) ||
      (isRecommendable(after) && before?.name !== after.name)
    );
  }

  async applyStock(session: ClientSession, occurredAt: Date, p: StockChangedPayload): Promise<boolean> {
    const before = await this.catalog.findById(p.productId).session(session).lean<CatalogEntryDoc>();
    if (before?.stockAt && before.stockAt > occurredAt) return false;
    // The product's stock over all its variants (older events, from before variants: the one item's).
    const available = p.productAvailable ?? p.available;
    await this.catalog.updateOne(
      { _id: p.productId },
      { $set: { available, stockAt: occurredAt } },
      { upsert: true, session },
    );
    return (
      isRecommendable(before) !==
      isRecommendable({ name: before?.name ?? null, active: before?.active ?? false, available })
    );
  }
}
