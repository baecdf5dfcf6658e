import { modelOn } from '@novamart/kit';
import { Schema, type Connection, type Model } from 'mongoose';

/**
 * One promotion used by one order. REDEEMED counts against the promotion's limits; RELEASED (the
 * order was not placed, or was cancelled before payment) gave its use back.
 */
export interface RedemptionDoc {
  _id: string;
  orderId: string;
  promotionId: string;
  code: string | null;
  description: string;
  /** `user:<id>` and/or `email:<address>`: the per-customer counters it took. */
  customerKeys: string[];
  amount: number;
  /** Per order line (in the order checkout sent them), the part of `amount` off it; absent on older ones. */
  lineAmounts?: number[];
  shippingAmount: number;
  freeShipping: boolean;
  currency: string;
  status: 'REDEEMED' | 'RELEASED';
  /** order.placed arrived: the order exists. A REDEEMED redemption without it is a hold the sweeper may release. */
  orderPlaced?: boolean;
  releaseReason?: string;
  createdAt: Date;
  updatedAt: Date;
}

const redemptionSchema = new Schema<RedemptionDoc>(
  {
    _id: { type: String, required: true },
    orderId: { type: String, required: true },
    promotionId: { type: String, required: true },
    code: { type: String, default: null },
    description: { type: String, required: true },
    customerKeys: { type: [String], default: [] },
    amount: { type: Number, required: true },
    lineAmounts: { type: [Number], default: undefined },
    shippingAmount: { type: Number, required: true },
    freeShipping: { type: Boolean, required: true },
    currency: { type: String, required: true },
    status: { type: String, required: true, enum: ['REDEEMED', 'RELEASED'] },
    orderPlaced: Boolean,
    releaseReason: String,
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'redemptions', versionKey: false },
);

// A promotion is redeemed once per order, whatever the retries.
redemptionSchema.index({ orderId: 1, promotionId: 1 }, { unique: true });
// The sweeper's holds: redeemed, order never heard of, oldest first.
redemptionSchema.index({ status: 1, orderPlaced: 1, createdAt: 1 });

export type RedemptionModel = Model<RedemptionDoc>;

export function redemptionModel(conn: Connection): RedemptionModel {
  return modelOn<RedemptionDoc>(conn, 'Redemption', redemptionSchema);
}

/** Live redemptions of one promotion by one customer key (`<promotionId>|<key>`). */
export interface CustomerUsageDoc {
  _id: string;
  count: number;
}

const customerUsageSchema = new Schema<CustomerUsageDoc>(
  { _id: { type: String, required: true }, count: { type: Number, required: true } },
  { collection: 'customer_usages', versionKey: false },
);

export type CustomerUsageModel = Model<CustomerUsageDoc>;

export function customerUsageModel(conn: Connection): CustomerUsageModel {
  return modelOn<CustomerUsageDoc>(conn, 'CustomerUsage', customerUsageSchema);
}

export const usageKey = (promotionId: string, customerKey: string): string => `${promotionId}|${customerKey}`;
