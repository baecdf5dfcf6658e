import { modelOn } from '@novamart/kit';
import { type Connection, type Model, Schema, type Types } from 'mongoose';

export const REFUND_STATUSES = ['PENDING_APPROVAL', 'PENDING', 'SUCCEEDED', 'FAILED', 'REJECTED'] as const;
export type RefundStatus = (typeof REFUND_STATUSES)[number];

export interface RefundStatusChange {
  status: RefundStatus;
  reason: string | null;
  /** Who made the change; null for the system. */
  by: string | null;
  at: Date;
}

export interface RefundDoc {
  _id: Types.ObjectId;
  paymentId: Types.ObjectId;
  orderId: string;
  userId: string | null;
  amount: number;
  currency: string;
  reason: string | null;
  status: RefundStatus;
  /**
   * `manual` from an admin; `cancellation` when a paid order is cancelled; `external` when made in
   * Stripe's dashboard; `return` when a returned parcel is received (`return.received`).
   */
  kind: 'manual' | 'cancellation' | 'external' | 'return';
  /** The orders subgraph's return it refunds (kind `return`), else null. */
  returnId?: string | null;
  requestedBy: string | null;
  approvedBy: string | null;
  rejectedBy: string | null;
  rejectionReason: string | null;
  providerRefundId: string | null;
  failureReason: string | null;
  history: RefundStatusChange[];
  createdAt: Date;
  updatedAt: Date;
}

const refundSchema = new Schema<RefundDoc>(
  {
    paymentId: { type: Schema.Types.ObjectId, required: true, index: true },
    orderId: { type: String, required: true },
    userId: { type: String, default: null },
    amount: { type: Number, required: true, min: 1 },
    currency: { type: String, required: true },
    reason: { type: String, default: null },
    status: { type: String, enum: REFUND_STATUSES, required: true, index: true },
    kind: { type: String, enum: ['manual', 'cancellation', 'external', 'return'], required: true },
    returnId: { type: String, default: null },
    requestedBy: { type: String, default: null },
    approvedBy: { type: String, default: null },
    rejectedBy: { type: String, default: null },
    rejectionReason: { type: String, default: null },
    providerRefundId: { type: String, default: null },
    failureReason: { type: String, default: null },
    history: {
      type: [
        {
          _id: false,
          status: String,
          reason: { type: String, default: null },
          by: { type: String, default: null },
          at: Date,
        },
      ],
      default: [],
    },
  },
  { collection: 'refunds', timestamps: true, versionKey: false },
);
// A cancellation refunds a payment once, however often the cancellation event arrives.
refundSchema.index(
  { paymentId: 1, kind: 1 },
  { unique: true, partialFilterExpression: { kind: 'cancellation' } },
);
// A return is refunded once, however often `return.received` arrives.
refundSchema.index(
  { returnId: 1 },
  { unique: true, partialFilterExpression: { returnId: { $type: 'string' } } },
);
refundSchema.index(
  { providerRefundId: 1 },
  { unique: true, partialFilterExpression: { providerRefundId: { $type: 'string' } } },
);

export type RefundModel = Model<RefundDoc>;

export function refundModel(conn: Connection): RefundModel {
  return modelOn<RefundDoc>(conn, 'Refund', refundSchema);
}
