import { type Connection, type Model, Schema, type Types } from 'mongoose';

export const PAYMENT_STATUSES = [
  'REQUIRES_PAYMENT_METHOD',
  'PROCESSING',
  'REQUIRES_ACTION',
  'SUCCEEDED',
  'FAILED',
  'CANCELLED',
  'PARTIALLY_REFUNDED',
  'REFUNDED',
] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

export interface PaymentStatusChange {
  status: PaymentStatus;
  reason: string | null;
  at: Date;
}

export interface PaymentDoc {
  _id: Types.ObjectId;
  orderId: string;
  /** The order's customer; null for a guest order. */
  userId: string | null;
  amount: number;
  currency: string;
  status: PaymentStatus;
  provider: 'stripe' | 'simulated';
  providerPaymentId: string | null;
  clientSecret: string | null;
  failureReason: string | null;
  declineCode: string | null;
  /** Confirmation attempts so far; each attempt has its own provider idempotency key. */
  attempts: number;
  amountRefunded: number;
  /** Reserved by refunds that are requested but not settled. */
  amountRefundPending: number;
  /** amount - amountRefunded - amountRefundPending, kept as a field so a refund can claim it atomically. */
  refundableRemaining: number;
  history: PaymentStatusChange[];
  createdAt: Date;
  updatedAt: Date;
}

const paymentSchema = new Schema<PaymentDoc>(
  {
    orderId: { type: String, required: true, unique: true },
    userId: { type: String, default: null, index: true },
    amount: { type: Number, required: true, min: 0 },
    currency: { type: String, required: true },
    status: { type: String, enum: PAYMENT_STATUSES, required: true },
    provider: { type: String, enum: ['stripe', 'simulated'], required: true },
    providerPaymentId: {
      type: String,
      default: null,
      index: { unique: true, partialFilterExpression: { providerPaymentId: { $type: 'string' } } },
    },
    clientSecret: { type: String, default: null },
    failureReason: { type: String, default: null },
    declineCode: { type: String, default: null },
    attempts: { type: Number, default: 0 },
    amountRefunded: { type: Number, default: 0 },
    amountRefundPending: { type: Number, default: 0 },
    refundableRemaining: { type: Number, default: 0 },
    history: {
      type: [{ _id: false, status: String, reason: { type: String, default: null }, at: Date }],
      default: [],
    },
  },
  { collection: 'payments', timestamps: true, versionKey: false },
);

export type PaymentModel = Model<PaymentDoc>;

export function paymentModel(conn: Connection): PaymentModel {
  return (conn.models.Payment as PaymentModel) ?? conn.model<PaymentDoc>('Payment', paymentSchema);
}
