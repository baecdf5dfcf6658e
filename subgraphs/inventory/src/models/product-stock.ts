import { modelOn } from '@novamart/kit';
import { Schema, type Connection, type Model } from 'mongoose';

/**
 * A product's available over all its variants, keyed by the product's id: the one document every
 * transaction that changes (or announces) the product's total writes, so that two changes of
 * different variants of one product meet as a write conflict instead of each reading the other's
 * variant from its own snapshot. Kept equal to Σ stock_items.available by the ledger (`$inc` in the
 * transaction of each change); made when first needed, from the items (stores from before it have
 * none).
 */
export interface ProductStockDoc {
  _id: string;
  available: number;
  /** Bumped by every write: the number of changes announced since the document was made. */
  version: number;
}

const productStockSchema = new Schema<ProductStockDoc>(
  {
    _id: { type: String, required: true },
    available: { type: Number, required: true },
    version: { type: Number, required: true },
  },
  { collection: 'product_stock', versionKey: false },
);

export type ProductStockModel = Model<ProductStockDoc>;

export function productStockModel(conn: Connection): ProductStockModel {
  return modelOn<ProductStockDoc>(conn, 'ProductStock', productStockSchema);
}
