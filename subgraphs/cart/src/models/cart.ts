import { pendingEventsPath, type PendingEvent } from '@novamart/events';
import { modelOn } from '@novamart/kit';
import { Schema, type Connection, type Model } from 'mongoose';

export interface CartLine {
  productId: string;
  /** Absent: the product's default variant, whose id is the product's (lines made before variants too). */
  variantId?: string;
  quantity: number;
  addedAt: Date;
}

/** What a line holds: its variant (the default variant's id is the product's). One line per variant. */
export function lineKey(line: { productId: string; variantId?: string | null }): string {
  return line.variantId ?? line.productId;
}

export type RemovalReason = 'ARCHIVED' | 'OUT_OF_STOCK' | 'CURRENCY_MISMATCH';

export interface RemovedLine {
  productId: string;
  variantId?: string;
  name: string;
  quantity: number;
  reason: RemovalReason;
  removedAt: Date;
}

export interface CartDoc {
  /** A guest cart's id is its bearer token (128 random bits); a customer's cart id is random too. */
  _id: string;
  /** Absent on a guest cart. */
  userId?: string;
  items: CartLine[];
  removedItems: RemovedLine[];
  /**
   * Bumped by every change. Writers compare-and-set on it, and consumers of `cart.updated` use it
   * to ignore an older state that arrives late.
   */
  revision: number;
  createdAt: Date;
  updatedAt: Date;
  /** Guest carts only: the TTL index deletes the cart at this time. */
  expiresAt?: Date;
  /** Discount codes applied (upper case, in the order applied); the promotions subgraph prices them. */
  discountCodes?: string[];
  /**
   * The orders whose lines were taken out of this cart (`order.placed`), for as long as that event
   * can be redelivered: a repeat finds its order here and takes nothing twice.
   */
  ordersTaken?: OrderTaken[];
  /** Its events until the relay has published them; never read (`pendingEventsPath`). */
  pendingEvents?: PendingEvent[];
}

export interface OrderTaken {
  orderId: string;
  at: Date;
}

const lineSchema = new Schema<CartLine>(
  {
    productId: { type: String, required: true },
    variantId: { type: String },
    quantity: { type: Number, required: true, min: 1 },
    addedAt: { type: Date, required: true },
  },
  { _id: false },
);

const removedLineSchema = new Schema<RemovedLine>(
  {
    productId: { type: String, required: true },
    variantId: { type: String },
    name: { type: String, required: true },
    quantity: { type: Number, required: true },
    reason: { type: String, required: true, enum: ['ARCHIVED', 'OUT_OF_STOCK', 'CURRENCY_MISMATCH'] },
    removedAt: { type: Date, required: true },
  },
  { _id: false },
);

const orderTakenSchema = new Schema<OrderTaken>(
  {
    orderId: { type: String, required: true },
    at: { type: Date, required: true },
  },
  { _id: false },
);

/** Its documents carry their own events (`DocumentEvents`): the cart's relay reads them here. */
export const CARTS_COLLECTION = 'carts';

const cartSchema = new Schema<CartDoc>(
  {
    _id: { type: String, required: true },
    userId: { type: String },
    items: { type: [lineSchema], default: [] },
    removedItems: { type: [removedLineSchema], default: [] },
    revision: { type: Number, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    expiresAt: { type: Date },
    discountCodes: { type: [String], default: undefined },
    ordersTaken: { type: [orderTakenSchema], default: undefined },
    pendingEvents: pendingEventsPath,
  },
  { collection: CARTS_COLLECTION, versionKey: false },
);

// One cart per customer; guest carts have no userId and stay out of the (sparse) index.
cartSchema.index({ userId: 1 }, { unique: true, sparse: true });
// Guest carts vanish after their expiry; customers' carts have no expiresAt and never expire.
cartSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });
// product.archived finds the carts holding the product.
cartSchema.index({ 'items.productId': 1 });

export type CartModel = Model<CartDoc>;

export function cartModel(conn: Connection): CartModel {
  return modelOn<CartDoc>(conn, 'Cart', cartSchema);
}
