import { modelOn } from '@novamart/kit';
import { Schema, type Connection, type Model } from 'mongoose';

/**
 * The payments the payments subgraph announced for an order (`payment.status_changed`, first
 * seen when the intent is created), as they were recorded before the announcements moved onto the
 * order itself (`OrderDoc.announcedPaymentIds`). Nothing writes this collection any more; it is
 * still read (by id, only when the order does not list the payment) so that a payment announced
 * before the upgrade and succeeding after it is not lost. One payment per order on the payments
 * side, so the first announcement won.
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
