import { modelOn } from '@novamart/kit';
import { Schema, type Connection, type Model, type Types } from 'mongoose';

export const MOVEMENT_REASONS = [
  'PURCHASE',
  'SALE',
  'RETURN',
  'DAMAGE',
  'ADJUSTMENT',
  'RESERVATION',
  'RELEASE',
] as const;
export type MovementReason = (typeof MOVEMENT_REASONS)[number];

/** One ledger entry; never updated or deleted. */
export interface StockMovementDoc {
  _id: Types.ObjectId;
  productId: string;
  /** The variant whose stock moved (absent on movements made before variants: the default variant). */
  variantId?: string;
  /** Change of onHand. */
  delta: number;
  /** Change of reserved; available changes by delta - reservedDelta. */
  reservedDelta: number;
  reason: MovementReason;
  reference: string | null;
  /** The order whose reservation caused it, if any. */
  orderId: string | null;
  createdAt: Date;
}

const stockMovementSchema = new Schema<StockMovementDoc>(
  {
    productId: { type: String, required: true },
    variantId: { type: String },
    delta: { type: Number, required: true },
    reservedDelta: { type: Number, required: true, default: 0 },
    reason: { type: String, required: true, enum: MOVEMENT_REASONS },
    reference: { type: String, default: null },
    orderId: { type: String, default: null },
  },
  { collection: 'stock_movements', timestamps: { createdAt: true, updatedAt: false } },
);

// The ledger of one product, newest first: the stockMovements keyset.
stockMovementSchema.index({ productId: 1, createdAt: -1, _id: -1 });

export type StockMovementModel = Model<StockMovementDoc>;

export function stockMovementModel(conn: Connection): StockMovementModel {
  return modelOn<StockMovementDoc>(conn, 'StockMovement', stockMovementSchema);
}
