import { auditEntrySchema, modelOn, type AuditEntry } from '@novamart/kit';
import { Schema, type Connection, type Model, type Types } from 'mongoose';

/** One customer's review of one product (unique per product and author). The text is stored as given. */
export interface ReviewDoc {
  _id: Types.ObjectId;
  productId: string;
  userId: string;
  rating: number;
  text: string;
  /** The name the author chose to show with it; null (or absent, before it existed): none. */
  authorName?: string | null;
  /** Hidden by a moderator (SUPPORT or ADMIN): left out of Product.reviews and Product.rating. */
  hidden: boolean;
  /** Who hid it; null while it is shown (a restored review too). */
  hiddenBy: string | null;
  /** Each hide and restore, oldest first (`review.hidden`, `review.restored`); absent on older reviews. */
  auditTrail?: AuditEntry[];
  createdAt: Date;
  updatedAt: Date;
}

const reviewSchema = new Schema<ReviewDoc>(
  {
    productId: { type: String, required: true },
    userId: { type: String, required: true },
    rating: { type: Number, required: true, min: 1, max: 5 },
    text: { type: String, required: true },
    authorName: { type: String, default: null },
    hidden: { type: Boolean, required: true, default: false },
    hiddenBy: { type: String, default: null },
    auditTrail: { type: [auditEntrySchema()], default: [] },
  },
  { collection: 'reviews', timestamps: true },
);

reviewSchema.index({ productId: 1, userId: 1 }, { unique: true, name: 'one_review_per_product' });
reviewSchema.index({ productId: 1, hidden: 1, createdAt: -1, _id: -1 }, { name: 'reviews_by_product' });
// moderationReviews without a product: its state and rating are always `$in` lists, so this index
// serves every filter newest first by merging at most 2 × 5 sorted runs (no in-memory sort).
reviewSchema.index({ hidden: 1, rating: 1, createdAt: -1, _id: -1 }, { name: 'reviews_for_moderation' });

export type ReviewModel = Model<ReviewDoc>;

export function reviewModel(conn: Connection): ReviewModel {
  return modelOn<ReviewDoc>(conn, 'Review', reviewSchema);
}
