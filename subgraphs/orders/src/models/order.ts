import { type AddressInput } from '@novamart/kit';
import { Schema, type Connection, type Model } from 'mongoose';
import { type TaxClass } from './catalog-price';

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
  /** The variant ordered; absent on orders placed before variants (the default variant). */
  variantId?: string;
  /** The variant's title and options when the order was placed. */
  variantTitle?: string;
  selectedOptions?: { name: string; value: string }[];
  /** The variant's SKU when the order was placed. */
  sku: string;
  name: string;
  quantity: number;
  /** Catalog price per unit when the order was placed, minor units. */
  unitAmount: number;
  /** The variant's tax class and unit weight when the order was placed; absent on older orders. */
  taxClass?: TaxClass;
  weightGrams?: number;
  /** What the order's discounts took off the line (promotions), minor units; absent: none. */
  discountAmount?: number;
}

/** The order's shipping address: the contract's AddressInput, normalised at checkout. */
export type ShippingAddress = AddressInput;

/** The shipping method an order was placed with (its price is `shippingCost`). */
export interface OrderShippingMethod {
  code: string;
  name: string;
  carrier: string | null;
}

/** One tax line: the tax at one rate (percent), each line rounded half to even, minor units. */
export interface OrderTaxLine {
  name: string;
  rate: number;
  amount: number;
}

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

/** A promotion the order used, as the promotions subgraph redeemed it at checkout. */
export interface OrderDiscount {
  promotionId: string;
  /** Null for an automatic promotion. */
  code: string | null;
  description: string;
  /** Off the items, minor units. */
  amount: number;
  /** Off the shipping, minor units. */
  shippingAmount: number;
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
  /** Absent on orders placed before shipping methods existed. */
  shippingMethod?: OrderShippingMethod | null;
  /** Absent (no tax) on orders placed before tax existed. */
  taxLines?: OrderTaxLine[];
  taxTotal?: number;
  /** Whether the prices (and so `subtotal`) include `taxTotal`; if not, `total` adds it. */
  pricesIncludeTax?: boolean;
  /**
   * subtotal − discountTotal + shippingCost − shippingDiscount, plus taxTotal unless pricesIncludeTax.
   * The discount fields are absent on an order without discounts (and on orders placed before promotions).
   */
  total: number;
  discounts?: OrderDiscount[];
  discountTotal?: number;
  shippingDiscount?: number;
  shippingAddress: ShippingAddress;
  status: OrderStatus;
  statusHistory: StatusChange[];
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
    variantId: String,
    variantTitle: String,
    selectedOptions: {
      type: [new Schema({ name: String, value: String }, { _id: false })],
      default: undefined,
    },
    sku: { type: String, required: true },
    name: { type: String, required: true },
    quantity: { type: Number, required: true },
    unitAmount: { type: Number, required: true },
    taxClass: String,
    weightGrams: Number,
    discountAmount: Number,
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
    shippingMethod: {
      type: new Schema<OrderShippingMethod>(
        {
          code: { type: String, required: true },
          name: { type: String, required: true },
          carrier: { type: String, default: null },
        },
        { _id: false },
      ),
      default: null,
    },
    taxLines: {
      type: [
        new Schema<OrderTaxLine>(
          {
            name: { type: String, required: true },
            rate: { type: Number, required: true },
            amount: { type: Number, required: true },
          },
          { _id: false },
        ),
      ],
      default: [],
    },
    taxTotal: { type: Number, default: 0 },
    pricesIncludeTax: { type: Boolean, default: false },
    total: { type: Number, required: true },
    discounts: {
      type: [
        new Schema<OrderDiscount>(
          {
            promotionId: { type: String, required: true },
            code: { type: String, default: null },
            description: { type: String, required: true },
            amount: { type: Number, required: true },
            shippingAmount: { type: Number, required: true },
          },
          { _id: false },
        ),
      ],
      default: undefined,
    },
    discountTotal: Number,
    shippingDiscount: Number,
    shippingAddress: { type: addressSchema, required: true },
    status: { type: String, required: true, enum: ORDER_STATUSES },
    statusHistory: { type: [statusChangeSchema], required: true },
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
