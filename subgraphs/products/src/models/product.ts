import { pendingEventsPath, type PendingEvent } from '@novamart/events';
import { modelOn } from '@novamart/kit';
import { Schema, type Connection, type Model, type Types } from 'mongoose';

export interface ProductImage {
  url: string;
  alt: string | null;
}

export const TAX_CLASSES = ['STANDARD', 'REDUCED', 'ZERO'] as const;
export type TaxClass = (typeof TAX_CLASSES)[number];

/** An option a shopper chooses (Size: S, M, L), values in display order. */
export interface ProductOption {
  name: string;
  values: string[];
}

export interface SelectedOption {
  name: string;
  value: string;
}

/**
 * One sellable variant. The first variant is the product's default (what `addToCart(productId)`
 * means) and its `_id` is the product's `_id`: stock, carts and orders made before variants existed
 * keyed everything by product id, and that id goes on naming the same thing.
 */
export interface VariantDoc {
  _id: Types.ObjectId;
  sku: string;
  /** One value per product option, in the options' order; empty for a product without options. */
  selectedOptions: SelectedOption[];
  /** Null: the product's price. */
  priceAmount: number | null;
  compareAtPriceAmount: number | null;
  weightGrams: number | null;
  taxClass: TaxClass;
  images: ProductImage[];
}

export interface ProductDoc {
  _id: Types.ObjectId;
  sku: string;
  slug: string;
  name: string;
  /** Lower-cased name: NAME_ASC must not put every capitalised name before the lower-case ones. */
  nameKey: string;
  description: string;
  /** Search terms of the name (services/search-terms.ts): they weigh more in relevance. */
  nameTerms: string[];
  /** Search terms of name and description together: what a search matches. */
  searchTerms: string[];
  priceAmount: number;
  currency: string;
  categorySlug: string | null;
  /**
   * The category's ancestors then the category (services/category-tree.ts keeps it when a category
   * moves): a category filter with descendants is one indexed match. Absent on products stored
   * before the tree, whose categories were all roots.
   */
  categoryPath?: string[];
  images: ProductImage[];
  /** Absent on products stored before variants (services/variants.ts reads them as none). */
  options?: ProductOption[];
  /** Absent on products stored before variants: read as the default variant alone, backfilled at start. */
  variants?: VariantDoc[];
  active: boolean;
  /**
   * The in-stock projection (services/stock-projection.ts): available over all variants, and when.
   * Only its sign is read; events that do not move the product across zero are not written, so
   * the number is the one of the last change that did (or of the last refresh).
   */
  stockAvailable?: number;
  stockAt?: Date;
  archivedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  /**
   * Bumped by every write of the product: the catalog's writes are a compare-and-set of the
   * revision they read, so the events they carry (computed before the write) are those of the
   * product as written. Absent on products stored before it, read as 0.
   */
  revision?: number;
  /** Its events until the relay has published them; never read (`pendingEventsPath`). */
  pendingEvents?: PendingEvent[];
}

const imageSchema = new Schema<ProductImage>(
  { url: { type: String, required: true }, alt: { type: String, default: null } },
  { _id: false },
);

const optionSchema = new Schema<ProductOption>(
  { name: { type: String, required: true }, values: { type: [String], default: [] } },
  { _id: false },
);

const selectedOptionSchema = new Schema<SelectedOption>(
  { name: { type: String, required: true }, value: { type: String, required: true } },
  { _id: false },
);

const variantSchema = new Schema<VariantDoc>({
  sku: { type: String, required: true },
  selectedOptions: { type: [selectedOptionSchema], default: [] },
  priceAmount: { type: Number, default: null, min: 0 },
  compareAtPriceAmount: { type: Number, default: null, min: 0 },
  weightGrams: { type: Number, default: null, min: 0 },
  taxClass: { type: String, enum: TAX_CLASSES, default: 'STANDARD' },
  images: { type: [imageSchema], default: [] },
});

/** Its documents carry their own events (`DocumentEvents`): the products relay reads them here. */
export const PRODUCTS_COLLECTION = 'products';

const productSchema = new Schema<ProductDoc>(
  {
    sku: { type: String, required: true },
    slug: { type: String, required: true },
    name: { type: String, required: true },
    nameKey: { type: String, required: true },
    description: { type: String, required: true },
    nameTerms: { type: [String], default: [] },
    searchTerms: { type: [String], default: [] },
    priceAmount: { type: Number, required: true, min: 0 },
    currency: { type: String, required: true },
    categorySlug: { type: String, default: null },
    categoryPath: { type: [String], default: undefined },
    images: { type: [imageSchema], default: [] },
    options: { type: [optionSchema], default: undefined },
    variants: { type: [variantSchema], default: undefined },
    active: { type: Boolean, required: true, default: true },
    archivedAt: { type: Date, default: null },
    stockAvailable: { type: Number },
    stockAt: { type: Date },
    revision: { type: Number, default: 0 },
    pendingEvents: pendingEventsPath,
  },
  { collection: PRODUCTS_COLLECTION, timestamps: true },
);

productSchema.index({ sku: 1 }, { unique: true });
productSchema.index({ slug: 1 }, { unique: true });
// Storefront lists: one index per sort, each ending in _id, the keyset tie-breaker.
productSchema.index({ active: 1, createdAt: -1, _id: -1 });
productSchema.index({ active: 1, priceAmount: 1, _id: 1 });
productSchema.index({ active: 1, nameKey: 1, _id: 1 });
productSchema.index({ active: 1, categorySlug: 1, createdAt: -1, _id: -1 });
productSchema.index({ active: 1, categoryPath: 1, createdAt: -1, _id: -1 });
// Variants: resolved by id (ProductVariant entities), SKUs unique across every product's variants.
productSchema.index({ 'variants._id': 1 });
productSchema.index({ 'variants.sku': 1 }, { unique: true, sparse: true });
// Full-text search: a multikey index over the stemmed terms of name and description.
productSchema.index({ searchTerms: 1, active: 1 });

export type ProductModel = Model<ProductDoc>;

/**
 * The filter of a compare-and-set on the revision `product` was read at: a product stored before
 * the revision has none (matched as 0 or absent; the first write makes it 1).
 */
export function atRevision(product: Pick<ProductDoc, 'revision'>): {
  revision: number | { $in: (number | null)[] };
} {
  const revision = product.revision ?? 0;
  return revision === 0 ? { revision: { $in: [0, null] } } : { revision };
}

/** The update every write of a product includes (`ProductDoc.revision`). */
export const BUMP_REVISION = { $inc: { revision: 1 } } as const;

export function productModel(conn: Connection): ProductModel {
  return modelOn<ProductDoc>(conn, 'Product', productSchema);
}
