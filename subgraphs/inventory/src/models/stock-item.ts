import { Schema, type Connection, type Model, type Types } from 'mongoose';

/**
 * Current stock of one product, kept equal to the ledger: onHand = Σ movement.delta,
 * reserved = Σ movement.reservedDelta, available = onHand - reserved.
 */
export interface StockItemDoc {
  _id: Types.ObjectId;
  productId: string;
  /** From product events, for the low-stock alert. */
  sku: string | null;
  name: string | null;
  available: number;
  reserved: number;
  onHand: number;
  reorderLevel: number;
  /** How many units to order when the product runs low (set by an admin); null until set. */
  reorderQuantity?: number | null;
  /**
   * A low-stock alert went out for the current dip to or below the reorder level; cleared when
   * available rises above it again, so the next crossing alerts once more.
   */
  lowStockAlerted: boolean;
  /**
   * The product's opening stock is recorded. It arrives twice (products asks for it while creating
   * the product, and `product.created` carries it again), and only the first may count.
   */
  openingRecorded?: boolean;
  createdAt: Date;
  updatedAt: Date;
}

const stockItemSchema = new Schema<StockItemDoc>(
  {
    productId: { type: String, required: true },
    sku: { type: String, default: null },
    name: { type: String, default: null },
    available: { type: Number, required: true, default: 0, min: 0 },
    reserved: { type: Number, required: true, default: 0, min: 0 },
    onHand: { type: Number, required: true, default: 0, min: 0 },
    reorderLevel: { type: Number, required: true, default: 0, min: 0 },
    reorderQuantity: { type: Number, default: null, min: 1 },
    lowStockAlerted: { type: Boolean, required: true, default: false },
    openingRecorded: { type: Boolean },
  },
  { collection: 'stock_items', timestamps: true },
);

stockItemSchema.index({ productId: 1 }, { unique: true });

export type StockItemModel = Model<StockItemDoc>;

export function stockItemModel(conn: Connection): StockItemModel {
  return (
    (conn.models.StockItem as StockItemModel | undefined) ??
    conn.model<StockItemDoc>('StockItem', stockItemSchema)
  );
}
