import { type AddressInput, auditEntrySchema, type AuditEntry } from '@novamart/kit';
import { Schema, type Connection, type Model } from 'mongoose';

export const ORDER_STATUSES = [
  'PENDING',
  'AWAITING_PAYMENT',
  'PAID',
  'SHIPPED',
  'DELIVERED',
  'CANCELLED',
  'REFUNDED',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export interface OrderLine {
  productId: string;
  sku: string;
  name: string;
  quantity: number;
  /** Catalog price per unit when the order was placed, minor units. */
  unitAmount: number;
}

/** The order's shipping address: the contract's AddressInput, normalised at checkout. */
export type ShippingAddress = AddressInput;

export interface StatusChange {
  status: OrderStatus;
  reason: string | null;
  at: Date;
}

export interface RecordedPayment {
  paymentId: string;
  amount: number;
  currency: string;
  at: Date;
}

export interface RecordedRefund {
  refundId: string;
  amount: number;
  at: Date;
}

export interface OrderDoc {
  /** An unguessable token (128 random bits): a guest order is reached by its id alone. */
  _id: string;
  /** Absent on a guest order. */
  userId?: string;
  email: string;
  /** Who placed it, for idempotency: `user:<id>` or, for a guest, `cart:<cartId>`. */
  callerKey: string;
  idempotencyKey: string;
  /** Hash of the checkout input: a key reused with different input is refused. */
  requestHash: string;
  cartId: string;
  /** The cart revision the lines were taken from. */
  cartRevision: number;
  items: OrderLine[];
  currency: string;
  subtotal: number;
  shippingCost: number;
  total: number;
  shippingAddress: ShippingAddress;
  status: OrderStatus;
  statusHistory: StatusChange[];
  /** Every status change with its actor (kit auditEntry), written with the change. */
  auditTrail?: AuditEntry[];
  carrier?: string;
  trackingNumber?: string;
  reservationId?: string;
  payment?: RecordedPayment;
  refunds: RecordedRefund[];
  /** Bumped by every write; writers compare-and-set on it. */
  revision: number;
  createdAt: Date;
  updatedAt: Date;
}

const lineSchema = new Schema<OrderLine>(
  {
    productId: { type: String, required: true },
    sku: { type: String, required: true },
    name: { type: String, required: true },
    quantity: { type: Number, required: true },
    unitAmount: { type: Number, required: true },
  },
  { _id: false },
);

const addressSchema = new Schema<ShippingAddress>(
  {
    name: { type: String, required: true },
    line1: { type: String, required: true },
    line2: String,
    city: { type: String, required: true },
    region: String,
    postalCode: { type: String, required: true },
    country: { type: String, required: true },
    phone: String,
  },
  { _id: false },
);

const statusChangeSchema = new Schema<StatusChange>(
  {
    status: { type: String, required: true, enum: ORDER_STATUSES },
    reason: { type: String, default: null },
    at: { type: Date, required: true },
  },
  { _id: false },
);

const orderSchema = new Schema<OrderDoc>(
  {
    _id: { type: String, required: true },
    userId: String,
    email: { type: String, required: true },
    callerKey: { type: String, required: true },
    idempotencyKey: { type: String, required: true },
    requestHash: { type: String, required: true },
    cartId: { type: String, required: true },
    cartRevision: { type: Number, required: true },
    items: { type: [lineSchema], required: true },
    currency: { type: String, required: true },
    subtotal: { type: Number, required: true },
    shippingCost: { type: Number, required: true },
    total: { type: Number, required: true },
    shippingAddress: { type: addressSchema, required: true },
    status: { type: String, required: true, enum: ORDER_STATUSES },
    statusHistory: { type: [statusChangeSchema], required: true },
    auditTrail: { type: [auditEntrySchema()], default: [] },
    carrier: String,
    trackingNumber: String,
    reservationId: String,
    payment: {
      type: new Schema<RecordedPayment>(
        {
          paymentId: { type: String, required: true },
          amount: { type: Number, required: true },
          currency: { type: String, required: true },
          at: { type: Date, required: true },
        },
        { _id: false },
      ),
    },
    refunds: {
      type: [
        new Schema<RecordedRefund>(
          {
            refundId: { type: String, required: true },
            amount: { type: Number, required: true },
            at: { type: Date, required: true },
          },
          { _id: false },
        ),
      ],
      default: [],
    },
    revision: { type: Number, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'orders', versionKey: false },
);

// Same caller, same key: one order, even for concurrent duplicates.
orderSchema.index({ callerKey: 1, idempotencyKey: 1 }, { unique: true });
// A customer's orders and the admin list, newest first, with (createdAt, _id) as the cursor.
orderSchema.index({ userId: 1, createdAt: -1, _id: -1 });
orderSchema.index({ createdAt: -1, _id: -1 });
orderSchema.index({ status: 1, createdAt: -1, _id: -1 });
orderSchema.index({ email: 1, createdAt: -1, _id: -1 });

export type OrderModel = Model<OrderDoc>;

export function orderModel(conn: Connection): OrderModel {
  return (conn.models.Order as OrderModel | undefined) ?? conn.model<OrderDoc>('Order', orderSchema);
}
