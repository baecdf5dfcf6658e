import { modelOn } from '@novamart/kit';
import { Schema, type Connection, type Model, type Types } from 'mongoose';

/**
 * RESERVED → COMMITTED (payment succeeded) → RETURNED (paid order cancelled, stock restocked);
 * RESERVED → RELEASED (order cancelled) or EXPIRED (not paid in time);
 * FAILED: not enough stock for some line, nothing held;
 * CANCELLED: the order was cancelled before inventory saw it placed, so it is never reserved;
 * PAID_BEFORE_PLACED: payment.succeeded overtook order.placed (they travel on different streams),
 * so the reservation commits the moment it is made.
 */
export const RESERVATION_STATUSES = [
  'RESERVED',
  'COMMITTED',
  'RETURNED',
  'RELEASED',
  'EXPIRED',
  'FAILED',
  'CANCELLED',
  'PAID_BEFORE_PLACED',
] as const;
export type ReservationStatus = (typeof RESERVATION_STATUSES)[number];

export interface ReservationLine {
  productId: string;
  /** The variant held; absent on reservations made before variants (the default variant). */
  variantId?: string;
  quantity: number;
}

/** The stock key of a line: its variant, or the product's default variant (the product's id). */
export function lineVariantId(line: { productId: string; variantId?: string | null }): string {
  return line.variantId ?? line.productId;
}

export interface ShortLine {
  productId: string;
  variantId?: string;
  requested: number;
  available: number;
}

/** The stock an order holds; one per order (orderId is unique), which makes reserving idempotent. */
export interface ReservationDoc {
  _id: Types.ObjectId;
  orderId: string;
  status: ReservationStatus;
  lines: ReservationLine[];
  shortLines: ShortLine[];
  expiresAt: Date | null;
  releaseReason: string | null;
  /**
   * The id of the `order.placed` event that made the reservation, and of the `payment.succeeded`
   * that committed it (or left the PAID_BEFORE_PLACED marker): the consumer is idempotent by this
   * state, and these tell a redelivery of that very event ('duplicate') from another event of the
   * same fact. Absent on reservations made before, and on those a service call made.
   */
  placedBy?: string | null;
  paidBy?: string | null;
  createdAt: Date;
  updatedAt: Date;
}

const lineSchema = new Schema<ReservationLine>(
  {
    productId: { type: String, required: true },
    variantId: { type: String },
    quantity: { type: Number, required: true, min: 1 },
  },
  { _id: false },
);

const shortLineSchema = new Schema<ShortLine>(
  {
    productId: { type: String, required: true },
    variantId: { type: String },
    requested: { type: Number, required: true },
    available: { type: Number, required: true },
  },
  { _id: false },
);

const reservationSchema = new Schema<ReservationDoc>(
  {
    orderId: { type: String, required: true },
    status: { type: String, required: true, enum: RESERVATION_STATUSES },
    lines: { type: [lineSchema], default: [] },
    shortLines: { type: [shortLineSchema], default: [] },
    expiresAt: { type: Date, default: null },
    releaseReason: { type: String, default: null },
    placedBy: { type: String },
    paidBy: { type: String },
  },
  { collection: 'reservations', timestamps: true },
);

reservationSchema.index({ orderId: 1 }, { unique: true });
// The expiry sweep: held reservations by deadline.
reservationSchema.index({ status: 1, expiresAt: 1 });

export type ReservationModel = Model<ReservationDoc>;

export function reservationModel(conn: Connection): ReservationModel {
  return modelOn<ReservationDoc>(conn, 'Reservation', reservationSchema);
}
