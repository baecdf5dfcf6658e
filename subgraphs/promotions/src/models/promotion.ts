import { modelOn } from '@novamart/kit';
import { Schema, type Connection, type Model } from 'mongoose';
import { type PromotionKind, type PromotionTarget, type PromotionRule } from '../services/discount-math';

/** A promotion: its rule, its window, its limits. Automatic ones apply without a code. */
export interface PromotionDoc extends Omit<PromotionRule, 'id'> {
  _id: string;
  description: string;
  startsAt: Date;
  endsAt: Date | null;
  /** Redemptions allowed in total; null: unlimited. */
  usageLimit: number | null;
  /** usageLimit − live redemptions: taken with a conditional `$inc` (`usesLeft > 0`); null: unlimited. */
  usesLeft: number | null;
  /** Redemptions allowed per customer (signed-in id, and email); null: unlimited. */
  perCustomerLimit: number | null;
  /** Live (not released) redemptions. */
  timesRedeemed: number;
  automatic: boolean;
  active: boolean;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  /**
   * Counts the back office's changes: an update is decided on the promotion as read and written
   * only while this is unchanged (a clock cannot tell two changes in one millisecond apart).
   * Absent on promotions written before it existed, which reads as 0.
   */
  revision?: number;
}

const kinds: PromotionKind[] = ['PERCENTAGE', 'FIXED_AMOUNT', 'BUY_X_GET_Y', 'FREE_SHIPPING'];
const targets: PromotionTarget[] = ['ORDER', 'PRODUCTS', 'CATEGORIES'];

const promotionSchema = new Schema<PromotionDoc>(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true },
    description: { type: String, default: '' },
    kind: { type: String, required: true, enum: kinds },
    target: { type: String, required: true, enum: targets },
    productIds: { type: [String], default: [] },
    categorySlugs: { type: [String], default: [] },
    percentOffBps: { type: Number, default: null },
    amountOff: { type: Number, default: null },
    currency: { type: String, default: null },
    buyProductId: { type: String, default: null },
    buyQuantity: { type: Number, default: null },
    getProductId: { type: String, default: null },
    getQuantity: { type: Number, default: null },
    getPercentOffBps: { type: Number, default: null },
    minSubtotal: { type: Number, default: null },
    combinable: { type: Boolean, required: true },
    startsAt: { type: Date, required: true },
    endsAt: { type: Date, default: null },
    usageLimit: { type: Number, default: null },
    usesLeft: { type: Number, default: null },
    perCustomerLimit: { type: Number, default: null },
    timesRedeemed: { type: Number, default: 0 },
    automatic: { type: Boolean, required: true },
    active: { type: Boolean, required: true },
    createdBy: { type: String, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    revision: { type: Number, default: 0 },
  },
  { collection: 'promotions', versionKey: false },
);

// The automatic promotions a cart is quoted with; the admin list, newest first.
promotionSchema.index({ automatic: 1, active: 1 });
promotionSchema.index({ createdAt: -1, _id: -1 });

export type PromotionModel = Model<PromotionDoc>;

export function promotionModel(conn: Connection): PromotionModel {
  return modelOn<PromotionDoc>(conn, 'Promotion', promotionSchema);
}

export function ruleOf(doc: PromotionDoc): PromotionRule {
  return {
    id: doc._id,
    name: doc.name,
    kind: doc.kind,
    target: doc.target,
    productIds: doc.productIds,
    categorySlugs: doc.categorySlugs,
    percentOffBps: doc.percentOffBps,
    amountOff: doc.amountOff,
    currency: doc.currency,
    buyProductId: doc.buyProductId,
    buyQuantity: doc.buyQuantity,
    getProductId: doc.getProductId,
    getQuantity: doc.getQuantity,
    getPercentOffBps: doc.getPercentOffBps,
    minSubtotal: doc.minSubtotal,
    combinable: doc.combinable,
  };
}
