import { modelOn } from '@novamart/kit';
import { Schema, type Connection, type Model } from 'mongoose';

/**
 * The payments the payments subgraph announced for an order (`payment.status_changed`, first
 * seen when the intent is created): what a `payment.succeeded` must match before it moves money
 * state. One payment per order on the payments side, so the first announcement wins.
 */
export interface KnownPaymentDoc {
  /** The payment id. */
  _id: string;
  orderId: string;
  announcedAt: Date;
}

const knownPaymentSchema = new Schema<KnownPaymentDoc>(
  {
    _id: { type: String, required: true },
    orderId: { type: String, required: true, index: true },
    announcedAt: { type: Date, required: true },
  },
  { collection: 'known_payments', versionKey: false },
);

export type KnownPaymentModel = Model<KnownPaymentDoc>;

export function knownPaymentModel(conn: Connection): KnownPaymentModel {
  return modelOn<KnownPaymentDoc>(conn, 'KnownPayment', knownPaymentSchema);
}
