import { pendingEventsPath, type PendingEvent } from '@novamart/events';
import { type AddressInput, auditEntrySchema, type AuditEntry, modelOn } from '@novamart/kit';
import { Schema, type Connection, type Model } from 'mongoose';
import { type TaxClass } from './catalog-price';

export const ORDER_STATUSES = [
  'PENDING',
  'AWAITING_PAYMENT',
  'PAID',
  'PROCESSING',
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

/**
 * A shipped or returned quantity of one order line; `amount` is its net amount in minor units (its
 * share of the line's price, discounts and tax: services/line-net.ts).
 */
export interface FulfilmentLine {
  productId: string;
  /** The order line's variant (the product's id for its default variant); absent on older lines. */
  variantId?: string;
  sku: string;
  quantity: number;
  amount: number;
  /**
   * A received return's line: back in stock (true: at least one unit) or written off (false),
   * written with the return's RECEIVED; absent on shipments, on returns not received, and on
   * returns received before per-line choices (their return's `restock` is every line's).
   */
  restocked?: boolean;
  /**
   * Units of a received return's line put back on hand (the rest written off), written with
   * `restocked`; absent where it is and on returns received before partial restocks, which put
   * every unit of a line back or none (services/returns.ts `restockedQuantityOf`).
   */
  restockedQuantity?: number;
}

export const SHIPMENT_STATUSES = ['SHIPPED', 'DELIVERED'] as const;
export type ShipmentStatus = (typeof SHIPMENT_STATUSES)[number];

/** One parcel: some lines and quantities of the order (embedded in the order, `shipments`). */
export interface Shipment {
  /** A random UUID. */
  _id: string;
  lines: FulfilmentLine[];
  amount: number;
  carrier: string;
  trackingNumber: string;
  trackingUrl: string | null;
  status: ShipmentStatus;
  /** The dispatcher (or admin) who shipped it. */
  shippedBy: string | null;
  shippedAt: Date;
  deliveredAt: Date | null;
}

export const RETURN_STATUSES = ['REQUESTED', 'APPROVED', 'REJECTED', 'RECEIVED'] as const;
export type ReturnStatus = (typeof RETURN_STATUSES)[number];

/** A customer's return of delivered lines (embedded in the order, `returns`). */
export interface ReturnRequest {
  /** A random UUID. */
  _id: string;
  lines: FulfilmentLine[];
  amount: number;
  reason: string;
  status: ReturnStatus;
  requestedBy: string;
  requestedAt: Date;
  /** SUPPORT's decision (approval or rejection) and its reason. */
  decidedBy: string | null;
  decidedAt: Date | null;
  decisionReason: string | null;
  receivedBy: string | null;
  receivedAt: Date | null;
  /**
   * On receipt: true when any line went back to stock, false when every line was written off
   * (each line's own choice is its `restocked`).
   */
  restock: boolean | null;
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
  /** The checkout's billing address (its shipping address when none was given); absent on older orders. */
  billingAddress?: ShippingAddress | null;
  status: OrderStatus;
  statusHistory: StatusChange[];
  /** Every status change with its actor (kit auditEntry), written with the change. */
  auditTrail?: AuditEntry[];
  carrier?: string;
  trackingNumber?: string;
  reservationId?: string;
  payment?: RecordedPayment;
  refunds: RecordedRefund[];
  /**
   * The payment ids the payments subgraph announced for this order (`payment.status_changed`: the
   * creation, SUCCEEDED, AUTHORIZED; services/payment-trust.ts): a `payment.succeeded` moves money
   * state only for one of them. Added with `$addToSet`, without a revision bump; absent until the
   * first announcement (and on orders whose payments were announced before this field, which
   * `known_payments` still holds). Not in the GraphQL contract.
   */
  announcedPaymentIds?: string[];
  /** Parcels, oldest first (absent on orders stored before shipments existed). */
  shipments?: Shipment[];
  /** Return requests, oldest first (absent on orders stored before returns existed). */
  returns?: ReturnRequest[];
  /** Bumped by every write; writers compare-and-set on it. */
  revision: number;
  createdAt: Date;
  updatedAt: Date;
  /** Its events until the relay has published them; never read (`pendingEventsPath`). */
  pendingEvents?: PendingEvent[];
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
    // "" where the country has no postal codes (kit's normalizePostalCode), which `required` refuses.
    postalCode: { type: String, default: '' },
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

const fulfilmentLineSchema = new Schema<FulfilmentLine>(
  {
    productId: { type: String, required: true },
    variantId: String,
    sku: { type: String, required: true },
    quantity: { type: Number, required: true },
    amount: { type: Number, required: true },
    restocked: { type: Boolean, default: undefined },
    restockedQuantity: { type: Number, default: undefined },
  },
  { _id: false },
);

const shipmentSchema = new Schema<Shipment>({
  _id: { type: String, required: true },
  lines: { type: [fulfilmentLineSchema], required: true },
  amount: { type: Number, required: true },
  carrier: { type: String, required: true },
  trackingNumber: { type: String, required: true },
  trackingUrl: { type: String, default: null },
  status: { type: String, required: true, enum: SHIPMENT_STATUSES },
  shippedBy: { type: String, default: null },
  shippedAt: { type: Date, required: true },
  deliveredAt: { type: Date, default: null },
});

const returnSchema = new Schema<ReturnRequest>({
  _id: { type: String, required: true },
  lines: { type: [fulfilmentLineSchema], required: true },
  amount: { type: Number, required: true },
  reason: { type: String, required: true },
  status: { type: String, required: true, enum: RETURN_STATUSES },
  requestedBy: { type: String, required: true },
  requestedAt: { type: Date, required: true },
  decidedBy: { type: String, default: null },
  decidedAt: { type: Date, default: null },
  decisionReason: { type: String, default: null },
  receivedBy: { type: String, default: null },
  receivedAt: { type: Date, default: null },
  restock: { type: Boolean, default: null },
});

/** Its documents carry their own events (`DocumentEvents`): the orders relay reads them here. */
export const ORDERS_COLLECTION = 'orders';

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
    billingAddress: { type: addressSchema, default: null },
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
    announcedPaymentIds: { type: [String], default: undefined },
    shipments: { type: [shipmentSchema], default: undefined },
    returns: { type: [returnSchema], default: undefined },
    revision: { type: Number, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    pendingEvents: pendingEventsPath,
  },
  { collection: ORDERS_COLLECTION, versionKey: false },
);

// Same caller, same key: one order, even for concurrent duplicates.
orderSchema.index({ callerKey: 1, idempotencyKey: 1 }, { unique: true });
// A revision of a cart is ordered once, whatever the key: checkout's insert is refused here
// instead of taking the cart snapshot in a transaction.
orderSchema.index({ cartId: 1, cartRevision: 1 }, { unique: true });
// A customer's orders and the admin list, newest first, with (createdAt, _id) as the cursor.
orderSchema.index({ userId: 1, createdAt: -1, _id: -1 });
orderSchema.index({ createdAt: -1, _id: -1 });
orderSchema.index({ status: 1, createdAt: -1, _id: -1 });
orderSchema.index({ email: 1, createdAt: -1, _id: -1 });
// markShipmentDelivered(shipmentId) and the return mutations find their order by the embedded id.
orderSchema.index({ 'shipments._id': 1 }, { sparse: true });
orderSchema.index({ 'returns._id': 1 }, { sparse: true });
// The returns queue (Query.returns): the orders holding a return of one status, oldest request first.
orderSchema.index({ 'returns.status': 1, 'returns.requestedAt': 1 }, { sparse: true });

export type OrderModel = Model<OrderDoc>;

export function orderModel(conn: Connection): OrderModel {
  return modelOn<OrderDoc>(conn, 'Order', orderSchema);
}
