import { Schema, type Connection, type Model, type Types } from 'mongoose';

export interface CategoryDoc {
  _id: Types.ObjectId;
  slug: string;
  name: string;
  createdAt: Date;
  updatedAt: Date;
}

const categorySchema = new Schema<CategoryDoc>(
  {
    slug: { type: String, required: true },
    name: { type: String, required: true },
  },
  { collection: 'categories', timestamps: true },
);

categorySchema.index({ slug: 1 }, { unique: true });

export type CategoryModel = Model<CategoryDoc>;

export function categoryModel(conn: Connection): CategoryModel {
  return (
    (conn.models.Category as CategoryModel | undefined) ?? conn.model<CategoryDoc>('Category', categorySchema)
  );
}
