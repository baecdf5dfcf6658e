import { modelOn } from '@novamart/kit';
import { Schema, type Connection, type Model, type Types } from 'mongoose';
import { type WeightBand } from '../services/weight-bands';

export const SHIPPING_METHOD_TYPES = ['STANDARD', 'EXPRESS', 'PICKUP'] as const;
export type ShippingMethodType = (typeof SHIPPING_METHOD_TYPES)[number];

/** FLAT: `flatAmount`; WEIGHT_BANDS: the band of the parcel's weight; FREE_OVER: free from `freeOverThreshold`, else `flatAmount`. */
export const SHIPPING_PRICINGS = ['FLAT', 'WEIGHT_BANDS', 'FREE_OVER'] as const;
export type ShippingPricing = (typeof SHIPPING_PRICINGS)[number];

export interface ShippingMethodDoc {
  _id: Types.ObjectId;
  zoneCode: string;
  /** Unique within its zone, e.g. `EXPRESS`; what checkout's `shippingMethodCode` names. */
  code: string;
  name: string;
  carrier: string | null;
  type: ShippingMethodType;
  /** Prices are in this currency's minor units; the method applies to carts in it only. */
  currency: string;
  pricing: ShippingPricing;
  flatAmount: number | null;
  weightBands: WeightBand[];
  freeOverThreshold: number | null;
  active: boolean;
  createdAt: Date;
  updatedAt: Date;
}

const bandSchema = new Schema<WeightBand>(
  {
    minGrams: { type: Number, required: true },
    maxGrams: { type: Number, default: null },
    amount: { type: Number, required: true },
  },
  { _id: false },
);

const methodSchema = new Schema<ShippingMethodDoc>(
  {
    zoneCode: { type: String, required: true },
    code: { type: String, required: true },
    name: { type: String, required: true },
    carrier: { type: String, default: null },
    type: { type: String, required: true, enum: SHIPPING_METHOD_TYPES },
    currency: { type: String, required: true },
    pricing: { type: String, required: true, enum: SHIPPING_PRICINGS },
    flatAmount: { type: Number, default: null },
    weightBands: { type: [bandSchema], default: [] },
    freeOverThreshold: { type: Number, default: null },
    active: { type: Boolean, default: true },
  },
  { collection: 'shipping_methods', timestamps: true, versionKey: false },
);

methodSchema.index({ zoneCode: 1, code: 1 }, { unique: true });

export type ShippingMethodModel = Model<ShippingMethodDoc>;

export function shippingMethodModel(conn: Connection): ShippingMethodModel {
  return modelOn<ShippingMethodDoc>(conn, 'ShippingMethod', methodSchema);
}
