import { modelOn } from '@novamart/kit';
import { Schema, type Connection, type Model, type Types } from 'mongoose';

/**
 * Current stock of one product, kept equal to the ledger: onHand = Σ movement.delta,
 * reserved = Σ movement.reservedDelta, available = onHand - reserved.
 */
export interface StockItemDoc {
  _id: Types.ObjectId;
  /** The product the variant belongs to: `Product.inventory` sums its variants' items. */
  productId: string;
  /**
   * The stock key: one item per product variant. A product's default variant has the product's
   * id, so items made before variants (keyed by product) are its default variant's
   * (`backfillVariantIds` writes the field on them).
   */
  variantId: string;
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
    variantId: { type: String, required: true },
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

stockItemSchema.index({ variantId: 1 }, { unique: true });
stockItemSchema.index({ productId: 1, variantId: 1 });
// stockLevelsChangedSince: what changed after a time.
stockItemSchema.index({ updatedAt: 1 });

export type StockItemModel = Model<StockItemDoc>;

/**
 * Start-up step (CONTRIBUTING "Changing stored data"): items stored before variants were unique
 * per product and lacked `variantId`; each becomes its product's default variant's item (same id)
 * and the unique product index gives way to the unique variant one. Idempotent: the update filters
 * on the old shape, and the index is dropped only while it exists.
 */
export async function backfillVariantIds(StockItem: StockItemModel): Promise<void> {
  const collection = StockItem.collection;
  const indexes = await collection.indexes().catch(() => []);
  if (indexes.some((index) => index.name === 'productId_1' && index.unique)) {
    await collection.dropIndex('productId_1');
  }
  const old = await StockItem.find({ variantId: { $exists: false } }, { productId: 1 })
    .lean<{ _id: Types.ObjectId; productId: string }[]>()
    .exec();
  if (old.length === 0) return;
  await StockItem.bulkWrite(
    old.map((item) => ({
      updateOne: {
        filter: { _id: item._id, variantId: { $exists: false } },
        update: { $set: { variantId: item.productId } },
      },
    })),
    { timestamps: false },
  );
}

export function stockItemModel(conn: Connection): StockItemModel {
  return modelOn<StockItemDoc>(conn, 'StockItem', stockItemSchema);
}
