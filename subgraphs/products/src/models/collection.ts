import { modelOn } from '@novamart/kit';
import { Schema, type Connection, type Model, type Types } from 'mongoose';

export const COLLECTION_TYPES = ['MANUAL', 'RULE'] as const;
export type CollectionType = (typeof COLLECTION_TYPES)[number];

/** What a RULE collection holds: every active product matching all the conditions given. */
export interface CollectionRule {
  /** With its descendants. */
  categorySlug: string | null;
  /** Minor units, inclusive. */
  minPrice: number | null;
  maxPrice: number | null;
}

/**
 * A group of products across categories: MANUAL lists its products, RULE matches them (a price
 * range, a category) whenever it is read, so a new product that fits is in it at once.
 */
export interface CollectionDoc {
  _id: Types.ObjectId;
  slug: string;
  name: string;
  type: CollectionType;
  /** MANUAL: the products, in the admin's order. */
  productIds: Types.ObjectId[];
  rule: CollectionRule | null;
  createdAt: Date;
  updatedAt: Date;
}

const ruleSchema = new Schema<CollectionRule>(
  {
    categorySlug: { type: String, default: null },
    minPrice: { type: Number, default: null },
    maxPrice: { type: Number, default: null },
  },
  { _id: false },
);

const collectionSchema = new Schema<CollectionDoc>(
  {
    slug: { type: String, required: true },
    name: { type: String, required: true },
    type: { type: String, required: true, enum: COLLECTION_TYPES },
    productIds: { type: [Schema.Types.ObjectId], default: [] },
    rule: { type: ruleSchema, default: null },
  },
  { collection: 'collections', timestamps: true },
);

collectionSchema.index({ slug: 1 }, { unique: true });

export type CollectionModel = Model<CollectionDoc>;

export function collectionModel(conn: Connection): CollectionModel {
  return modelOn<CollectionDoc>(conn, 'Collection', collectionSchema);
}
