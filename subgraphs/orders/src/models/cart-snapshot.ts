import { modelOn } from '@novamart/kit';
import { Schema, type Connection, type Model } from 'mongoose';

/**
 * The orders subgraph's copy of a cart, kept from `cart.updated` / `cart.deleted`: checkout reads
 * the lines here because the cart's database belongs to the cart subgraph.
 */
export interface CartSnapshotDoc {
  _id: string;
  userId?: string;
  /** The cart's revision; only a higher one replaces this snapshot. */
  revision: number;
  /** `variantId` absent: the product's default variant. */
  lines: { productId: string; variantId?: string; quantity: number }[];
  /** The discount codes applied to the cart (cart.updated's `discountCodes`; absent: none). */
  discountCodes?: string[];
  deleted: boolean;
  /** Mirrors the guest cart's expiry (TTL); deleted carts linger a while to absorb late events. */
  expiresAt?: Date;
}

const cartSnapshotSchema = new Schema<CartSnapshotDoc>(
  {
    _id: { type: String, required: true },
    userId: String,
    revision: { type: Number, required: true },
    lines: {
      type: [
        new Schema(
          {
            productId: { type: String, required: true },
            variantId: String,
            quantity: { type: Number, required: true },
          },
          { _id: false },
        ),
      ],
      default: [],
    },
    discountCodes: { type: [String], default: undefined },
    deleted: { type: Boolean, default: false },
    expiresAt: Date,
  },
  { collection: 'cart_snapshots', versionKey: false },
);

cartSnapshotSchema.index({ userId: 1 }, { sparse: true });
cartSnapshotSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

export type CartSnapshotModel = Model<CartSnapshotDoc>;

export function cartSnapshotModel(conn: Connection): CartSnapshotModel {
  return modelOn<CartSnapshotDoc>(conn, 'CartSnapshot', cartSnapshotSchema);
}
