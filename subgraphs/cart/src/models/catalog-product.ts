import { modelOn } from '@novamart/kit';
import { Schema, type Connection, type Model } from 'mongoose';

/** A variant's tax class (products' and shipping's `TaxClass`). */
export type TaxClass = 'STANDARD' | 'REDUCED' | 'ZERO';

/**
 * The cart's own view of a product, kept from the products and inventory events. The catalog half
 * (sku .. active) and the stock half (available) arrive on different streams, in any order; each
 * half remembers the time of the event it came from so a late, older event cannot overwrite it.
 */
export interface CatalogProductDoc {
  /** The variant's id; a product's default variant has the product's id (rows made before variants). */
  _id: string;
  /** The product of a variant; absent on a default variant's row (its _id). */
  productId?: string;
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
  available?: number;
  stockAt?: Date;
}

const catalogProductSchema = new Schema<CatalogProductDoc>(
  {
    _id: { type: String, required: true },
    productId: String,
    sku: String,
    name: String,
    priceAmount: Number,
    currency: String,
    active: Boolean,
    taxClass: String,
    weightGrams: Number,
    catalogAt: Date,
    priceAt: Date,
    available: Number,
    stockAt: Date,
  },
  { collection: 'catalog_products', versionKey: false },
);

export type CatalogProductModel = Model<CatalogProductDoc>;

export function catalogProductModel(conn: Connection): CatalogProductModel {
  return modelOn<CatalogProductDoc>(conn, 'CatalogProduct', catalogProductSchema);
}

/** A product the catalog has told us about (not just its stock), with a price. */
export interface KnownProduct {
  /** The variant's id (a default variant's is the product's). */
  id: string;
  productId: string;
  sku: string;
  name: string;
  priceAmount: number;
  currency: string;
  active: boolean;
  taxClass: TaxClass;
  /** Per unit; 0 when unknown. */
  weightGrams: number;
  /** Units that can still be reserved; 0 until inventory has reported the product. */
  available: number;
}

export function toKnownProduct(doc: CatalogProductDoc | null | undefined): KnownProduct | null {
  if (!doc || doc.sku == null || doc.name == null || doc.priceAmount == null || doc.currency == null)
    return null;
  return {
    id: doc._id,
    productId: doc.productId ?? doc._id,
    sku: doc.sku,
    name: doc.name,
    priceAmount: doc.priceAmount,
    currency: doc.currency,
    active: doc.active !== false,
    taxClass: doc.taxClass ?? 'STANDARD',
    weightGrams: doc.weightGrams ?? 0,
    available: Math.max(0, doc.available ?? 0),
  };
}
