import { modelOn } from '@novamart/kit';
import { Schema, type Connection, type Model, type Types } from 'mongoose';

export interface CategoryDoc {
  _id: Types.ObjectId;
  slug: string;
  name: string;
  /** Null (or absent, categories made before the tree): a root category. */
  parentSlug?: string | null;
  /** Slugs of the ancestors, root first (absent: none): descendants of X are those with X in path. */
  path?: string[];
  createdAt: Date;
  updatedAt: Date;
}

const categorySchema = new Schema<CategoryDoc>(
  {
    slug: { type: String, required: true },
    name: { type: String, required: true },
    parentSlug: { type: String, default: null },
    path: { type: [String], default: [] },
  },
  { collection: 'categories', timestamps: true },
);

categorySchema.index({ slug: 1 }, { unique: true });
categorySchema.index({ path: 1 });
categorySchema.index({ parentSlug: 1, name: 1 });

export type CategoryModel = Model<CategoryDoc>;

export function categoryModel(conn: Connection): CategoryModel {
  return modelOn<CategoryDoc>(conn, 'Category', categorySchema);
}
