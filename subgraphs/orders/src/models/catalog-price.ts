import { modelOn } from '@novamart/kit';
import { Schema, type Connection, type Model } from 'mongoose';

/** A variant's tax class (products' and shipping's `TaxClass`). */
export type TaxClass = 'STANDARD' | 'REDUCED' | 'ZERO';

/**
 * The orders subgraph's own view of the catalog, kept from product events: what checkout prices
 * lines with. `catalogAt`/`priceAt` are the times of the events applied, so older events that
 * arrive late are ignored.
 */
export interface CatalogPriceDoc {
  /** The variant's id; a product's default variant has the product's id (rows made before variants). */
  _id: string;
  /** The product of a non-default variant (a default variant's row is its product's _id). */
  productId?: string;
  /** Absent on rows made before variants: "Default", no options. */
  variantTitle?: string;
  selectedOptions?: { name: string; value: string }[];
  sku?: string;
  name?: string;
  priceAmount?: number;
  currency?: string;
  active?: boolean;
  /** Absent on rows made before tax classes: STANDARD. */
  taxClass?: TaxClass;
  /** Unit weight; absent or null: unknown (0 for shipping). */
  weightGrams?: number | null;
  catalogAt?: Date;
  priceAt?: Date;
}

const catalogPriceSchema = new Schema<CatalogPriceDoc>(
  {
    _id: { type: String, required: true },
    productId: String,
    variantTitle: String,
    selectedOptions: {
      type: [new Schema({ name: String, value: String }, { _id: false })],
      default: undefined,
    },
    sku: String,
    name: String,
    priceAmount: Number,
    currency: String,
    active: Boolean,
    taxClass: String,
    weightGrams: Number,
    catalogAt: Date,
    priceAt: Date,
  },
  { collection: 'catalog_prices', versionKey: false },
);

export type CatalogPriceModel = Model<CatalogPriceDoc>;

export function catalogPriceModel(conn: Connection): CatalogPriceModel {
  return modelOn<CatalogPriceDoc>(conn, 'CatalogPrice', catalogPriceSchema);
}
