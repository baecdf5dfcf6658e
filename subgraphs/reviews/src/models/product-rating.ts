import { modelOn } from '@novamart/kit';
import { Schema, type Connection, type Model } from 'mongoose';

/**
 * The visible reviews of one product summed up (`_id` is the product id): changed with `$inc` in the
 * transaction that adds or hides a review, so `Product.rating` is one batched find.
 */
export interface ProductRatingDoc {
  _id: string;
  count: number;
  sum: number;
}

const productRatingSchema = new Schema<ProductRatingDoc>(
  {
    _id: { type: String, required: true },
    count: { type: Number, required: true, default: 0 },
    sum: { type: Number, required: true, default: 0 },
  },
  { collection: 'product_ratings', versionKey: false },
);

export type ProductRatingModel = Model<ProductRatingDoc>;

export function productRatingModel(conn: Connection): ProductRatingModel {
  return modelOn<ProductRatingDoc>(conn, 'ProductRating', productRatingSchema);
}
