import type { Logger, SubgraphClient } from '@novamart/kit';
import type { ClientSession, QueryFilter, UpdateQuery } from 'mongoose';
import { BUMP_REVISION, type ProductDoc, type ProductModel } from '../models/product';

const CHANGED_SINCE = `query StockChangedSince($since: DateTime!) {
  stockLevelsChangedSince(since: $since) { productId available updatedAt }
}`;

/** A transaction that wrote before the newest change seen may commit after it: read that far back again. */
const OVERLAP_MS = 10_000;

export interface StockLevel {
  productId: string;
  /** Available over all the product's variants. */
  available: number;
  at: Date;
}

/**
 * The products subgraph's projection of stock, for the in-stock filter and facet: each product's
 * available units over all its variants (`stockAvailable`) and the time of the answer it came from
 * (`stockAt`, newest wins). Written without touching `updatedAt`, which is the catalog's own.
 */
export async function applyStockLevel(
  Product: ProductModel,
  level: StockLevel,
  session?: ClientSession,
): Promise<void> {
  await Product.updateOne(...stockLevelUpdate(level), { session, timestamps: false }).exec();
}

function stockLevelUpdate(level: StockLevel): [QueryFilter<ProductDoc>, UpdateQuery<ProductDoc>] {
  return [
    { _id: level.productId, $or: [{ stockAt: null }, { stockAt: { $lte: level.at } }] },
    // A write like any other: the revision moves (a catalog write that read before it decides again).
    { $set: { stockAvailable: level.available, stockAt: level.at }, ...BUMP_REVISION },
  ];
}

/**
 * Read your own writes for the in-stock filter: before a list reads the projection, the stock
 * levels inventory changed since the last refresh (less an overlap) are asked of inventory's API
 * and applied, so an admin's adjustStock shows in the next `products(filter: { inStock })`.
 * Without inventory (service tests) the events alone feed the projection.
 */
export class StockRefresh {
  private since: Date;

  constructor(
    private readonly Product: ProductModel,
    private readonly inventory: SubgraphClient,
    private readonly logger: Logger,
    now = new Date(),
  ) {
    this.since = new Date(now.getTime() - OVERLAP_MS);
  }

  async refresh(): Promise<void> {
    const since = this.since;
    let answer: { stockLevelsChangedSince: { productId: string; available: number; updatedAt: string }[] };
    try {
      answer = await this.inventory.request(CHANGED_SINCE, { since: since.toISOString() });
    } catch (err) {
      // The events still bring the projection up to date; the list is served from it as it is.
      this.logger.warn({ err }, 'stock levels left to inventory.stock_changed');
      return;
    }
    const levels = answer.stockLevelsChangedSince.map((row) => ({
      productId: row.productId,
      available: row.available,
      at: new Date(row.updatedAt),
    }));
    if (levels.length > 0) {
      // One command for all of them.
      await this.Product.bulkWrite(
        levels.map((level) => {
          const [filter, update] = stockLevelUpdate(level);
          return { updateOne: { filter, update } };
        }),
        { ordered: false, timestamps: false },
      );
    }
    const newest = Math.max(since.getTime() + OVERLAP_MS, ...levels.map((level) => level.at.getTime()));
    if (newest - OVERLAP_MS > this.since.getTime()) this.since = new Date(newest - OVERLAP_MS);
  }
}
