import { modelOn } from '@novamart/kit';
import { type Connection, type Model, Schema } from 'mongoose';

/**
 * What this subgraph knows of a product, from `product.*` and `inventory.stock_changed`: its name
 * (for reasons) and whether it may be recommended. `available` is null until stock is known.
 */
export interface CatalogEntryDoc {
  _id: string;
  name: string | null;
  active: boolean;
  available: number | null;
  /** occurredAt of the product and stock events applied, so an older one never wins. */
  productAt: Date | null;
  stockAt: Date | null;
}

export type CatalogEntryModel = Model<CatalogEntryDoc>;

/** Only active products with stock to sell are ever recommended. */
export function isRecommendable(
  entry: Pick<CatalogEntryDoc, 'active' | 'available' | 'name'> | null | undefined,
): boolean {
  return !!entry && entry.active && entry.name !== null && (entry.available ?? 0) > 0;
}

/** The same rule as a query filter (for $lookup'd entries). */
export const RECOMMENDABLE_FILTER = { active: true, name: { $ne: null }, available: { $gt: 0 } } as const;

const schema = new Schema<CatalogEntryDoc>(
  {
    _id: { type: String, required: true },
    name: { type: String, default: null },
    active: { type: Boolean, default: false },
    available: { type: Number, default: null },
    productAt: { type: Date, default: null },
    stockAt: { type: Date, default: null },
  },
  { collection: 'catalog', versionKey: false },
);

export function catalogEntryModel(conn: Connection): CatalogEntryModel {
  return modelOn<CatalogEntryDoc>(conn, 'CatalogEntry', schema);
}
