import { pendingEventsPath, type PendingEvent } from '@novamart/events';
import { auditEntrySchema, type AuditEntry, modelOn } from '@novamart/kit';
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
  // Manual capture (PAYMENT_CAPTURE=manual, or an order waiting for approval):
  'AUTHORIZED',
  'PARTIALLY_CAPTURED',
  'CAPTURED',
  'VOIDED',
] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

export interface PaymentStatusChange {
  status: PaymentStatus;
  reason: string | null;
  at: Date;
}

export type CaptureMethod = 'automatic' | 'manual';

/** NOT_REQUIRED at or below PAYMENT_APPROVAL_THRESHOLD; else PENDING until FINANCE decides. */
export type ApprovalStatus = 'NOT_REQUIRED' | 'PENDING' | 'APPROVED' | 'REJECTED';

/** An order line as the provider receives it (Stripe metadata, the simulation's record). */
export interface PaymentLineItem {
  productId: string;
  sku: string;
  quantity: number;
  /** unit price times quantity, minor units of the payment's currency */
  amount: number;
}

/** One capture of an authorisation; `key` makes a repeated request (a shipment's event) capture once. */
export interface PaymentCapture {
  key: string;
  amount: number;
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
  /** automatic: charged on confirmation (SUCCEEDED); manual: AUTHORIZED, then captured. Absent: automatic. */
  captureMethod?: CaptureMethod;
  /** Captured so far of a manual payment (the whole amount once an automatic one SUCCEEDED). */
  amountCaptured?: number;
  /** Set while a capture is at the provider, so captures run one at a time. */
  captureInFlight?: number | null;
  /** The key of the capture in flight, so that reconciliation can finish it after a crash. */
  captureInFlightKey?: string | null;
  captures?: PaymentCapture[];
  /** When the provider authorised it (manual): the authorisation lapses PAYMENT_AUTHORIZATION_TTL_MS later. */
  authorizedAt?: Date | null;
  approvalStatus?: ApprovalStatus;
  lineItems?: PaymentLineItem[];
  /** Every payment, capture, refund and approval change with its actor. */
  auditTrail?: AuditEntry[];
  createdAt: Date;
  updatedAt: Date;
  /** Its events until the relay has published them; never read (`pendingEventsPath`). */
  pendingEvents?: PendingEvent[];
}

/** Its documents carry their own events (`DocumentEvents`): the payments relay reads them here. */
export const PAYMENTS_COLLECTION = 'payments';

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
    captureMethod: { type: String, enum: ['automatic', 'manual'], default: 'automatic' },
    amountCaptured: { type: Number, default: 0 },
    captureInFlight: { type: Number, default: null },
    captureInFlightKey: { type: String, default: null },
    captures: { type: [{ _id: false, key: String, amount: Number, at: Date }], default: [] },
    authorizedAt: { type: Date, default: null },
    approvalStatus: {
      type: String,
      enum: ['NOT_REQUIRED', 'PENDING', 'APPROVED', 'REJECTED'],
      default: 'NOT_REQUIRED',
    },
    lineItems: {
      type: [{ _id: false, productId: String, sku: String, quantity: Number, amount: Number }],
      default: [],
    },
    auditTrail: { type: [auditEntrySchema()], default: [] },
    pendingEvents: pendingEventsPath,
  },
  { collection: PAYMENTS_COLLECTION, timestamps: true, versionKey: false },
);
// pendingPaymentApprovals; the authorisation sweeper.
paymentSchema.index({ approvalStatus: 1, status: 1, createdAt: 1 });
paymentSchema.index({ status: 1, authorizedAt: 1 });
paymentSchema.index({ captureInFlight: 1, updatedAt: 1 });

export type PaymentModel = Model<PaymentDoc>;

export function paymentModel(conn: Connection): PaymentModel {
  return modelOn<PaymentDoc>(conn, 'Payment', paymentSchema);
}
