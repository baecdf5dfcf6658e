import { modelOn } from '@novamart/kit';
import { Schema, type Connection, type Model } from 'mongoose';

/** A code customers type; attached to one promotion, whose rule and limits it uses. */
export interface DiscountCodeDoc {
  /** The code, upper-cased (codes are matched without regard to case). */
  _id: string;
  promotionId: string;
  createdAt: Date;
}

const discountCodeSchema = new Schema<DiscountCodeDoc>(
  {
    _id: { type: String, required: true },
    promotionId: { type: String, required: true },
    createdAt: { type: Date, required: true },
  },
  { collection: 'discount_codes', versionKey: false },
);

discountCodeSchema.index({ promotionId: 1 });

export type DiscountCodeModel = Model<DiscountCodeDoc>;

export function discountCodeModel(conn: Connection): DiscountCodeModel {
  return modelOn<DiscountCodeDoc>(conn, 'DiscountCode', discountCodeSchema);
}
