import { modelOn } from '@novamart/kit';
import { type Connection, type Model, Schema } from 'mongoose';
import { type DecayedCounts } from '../scoring';

/**
 * One user's engagement with one product: per interaction type, the count of interactions decayed
 * to the anchor `at` (epoch milliseconds of the newest interaction). See scoring.ts.
 */
export interface EngagementDoc extends DecayedCounts {
  userId: string;
  productId: string;
  /** Epoch ms of the newest PURCHASE, null when the user never bought the product. */
  purchasedAt: number | null;
  /** How many interactions went in (undecayed). */
  interactions: number;
}

export type EngagementModel = Model<EngagementDoc>;

const schema = new Schema<EngagementDoc>(
  {
    userId: { type: String, required: true },
    productId: { type: String, required: true },
    sView: { type: Number, default: 0 },
    sAddToCart: { type: Number, default: 0 },
    sPurchase: { type: Number, default: 0 },
    sWishlist: { type: Number, default: 0 },
    at: { type: Number, required: true },
    purchasedAt: { type: Number, default: null },
    interactions: { type: Number, default: 0 },
  },
  { collection: 'engagements', versionKey: false },
);
schema.index({ userId: 1, productId: 1 }, { unique: true, name: 'engagement_user_product' });
// A user's recent engagements (personal seeds), and everyone's recent ones (popularity).
schema.index({ userId: 1, at: -1 }, { name: 'engagements_by_user_recent' });
schema.index({ at: -1 }, { name: 'engagements_recent' });

export function engagementModel(conn: Connection): EngagementModel {
  return modelOn<EngagementDoc>(conn, 'Engagement', schema);
}
