import { modelOn } from '@novamart/kit';
import { Schema, type Connection, type Model } from 'mongoose';

/**
 * The reviews subgraph's projection of what customers bought, from `order.paid` (and from orders'
 * own answer when a review command finds nothing here yet). `_id` is `<userId>:<productId>`.
 */
export interface PurchaseDoc {
  _id: string;
  userId: string;
  productId: string;
  orderId: string;
  at: Date;
}

const purchaseSchema = new Schema<PurchaseDoc>(
  {
    _id: { type: String, required: true },
    userId: { type: String, required: true },
    productId: { type: String, required: true },
    orderId: { type: String, required: true },
    at: { type: Date, required: true },
  },
  { collection: 'purchases', versionKey: false },
);

export type PurchaseModel = Model<PurchaseDoc>;

export const purchaseKey = (userId: string, productId: string) => `${userId}:${productId}`;

export function purchaseModel(conn: Connection): PurchaseModel {
  return modelOn<PurchaseDoc>(conn, 'Purchase', purchaseSchema);
}
