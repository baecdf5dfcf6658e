import { type TaxClass, type VariantCatalogRow, variantCatalogRowFields } from '@novamart/events';
import { modelOn } from '@novamart/kit';
import { Schema, type Connection, type Model } from 'mongoose';

export type { TaxClass };

/**
 * The cart's own view of a product, kept from the products and inventory events. The catalog half
 * (sku .. active) and the stock half (available) arrive on different streams, in any order; each
 * half remembers the time of the event it came from so a late, older event cannot overwrite it.
 */
export interface CatalogProductDoc extends VariantCatalogRow {
  available?: number;
  stockAt?: Date;
}

const catalogProductSchema = new Schema<CatalogProductDoc>(
  { ...variantCatalogRowFields, available: Number, stockAt: Date },
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
