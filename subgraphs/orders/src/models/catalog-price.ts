import { Schema, type Connection, type Model } from 'mongoose';

/**
 * The orders subgraph's own view of the catalog, kept from product events: what checkout prices
 * lines with. `catalogAt`/`priceAt` are the times of the events applied, so older events that
 * arrive late are ignored.
 */
export interface CatalogPriceDoc {
  _id: string;
  sku?: string;
  name?: string;
  priceAmount?: number;
  currency?: string;
  active?: boolean;
  catalogAt?: Date;
  priceAt?: Date;
}

const catalogPriceSchema = new Schema<CatalogPriceDoc>(
  {
    _id: { type: String, required: true },
    sku: String,
    name: String,
    priceAmount: Number,
    currency: String,
    active: Boolean,
    catalogAt: Date,
    priceAt: Date,
  },
  { collection: 'catalog_prices', versionKey: false },
);

export type CatalogPriceModel = Model<CatalogPriceDoc>;

export function catalogPriceModel(conn: Connection): CatalogPriceModel {
  return (
    (conn.models.CatalogPrice as CatalogPriceModel | undefined) ??
    conn.model<CatalogPriceDoc>('CatalogPrice', catalogPriceSchema)
  );
}
