import { Schema, type Connection, type Model, type Types } from 'mongoose';

export interface ProductImage {
  url: string;
  alt: string | null;
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
  images: ProductImage[];
  active: boolean;
  archivedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

const imageSchema = new Schema<ProductImage>(
  { url: { type: String, required: true }, alt: { type: String, default: null } },
  { _id: false },
);

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
    images: { type: [imageSchema], default: [] },
    active: { type: Boolean, required: true, default: true },
    archivedAt: { type: Date, default: null },
  },
  { collection: 'products', timestamps: true },
);

productSchema.index({ sku: 1 }, { unique: true });
productSchema.index({ slug: 1 }, { unique: true });
// Storefront lists: one index per sort, each ending in _id, the keyset tie-breaker.
productSchema.index({ active: 1, createdAt: -1, _id: -1 });
productSchema.index({ active: 1, priceAmount: 1, _id: 1 });
productSchema.index({ active: 1, nameKey: 1, _id: 1 });
productSchema.index({ active: 1, categorySlug: 1, createdAt: -1, _id: -1 });
// Full-text search: a multikey index over the stemmed terms of name and description.
productSchema.index({ searchTerms: 1, active: 1 });

export type ProductModel = Model<ProductDoc>;

export function productModel(conn: Connection): ProductModel {
  return (
    (conn.models.Product as ProductModel | undefined) ?? conn.model<ProductDoc>('Product', productSchema)
  );
}
