import { modelOn } from '@novamart/kit';
import { Schema, type Connection, type Model, type Types } from 'mongoose';

export const TAX_CLASSES = ['STANDARD', 'REDUCED', 'ZERO'] as const;
export type TaxClass = (typeof TAX_CLASSES)[number];

/** The rate of one tax class in one zone (Germany's REDUCED 7%, California's STANDARD 7.25%). */
export interface TaxRateDoc {
  _id: Types.ObjectId;
  zoneCode: string;
  taxClass: TaxClass;
  /** What tax lines call it: `DE VAT 19%`, `CA sales tax`. */
  name: string;
  /** Basis points: 1900 = 19%, 725 = 7.25%. */
  rateBasisPoints: number;
  createdAt: Date;
  updatedAt: Date;
}

/** Whether catalog prices in a currency already include tax (EUR: yes, USD: no). */
export interface TaxSettingDoc {
  /** ISO 4217 code. */
  _id: string;
  pricesIncludeTax: boolean;
  createdAt: Date;
  updatedAt: Date;
}

const taxRateSchema = new Schema<TaxRateDoc>(
  {
    zoneCode: { type: String, required: true },
    taxClass: { type: String, required: true, enum: TAX_CLASSES },
    name: { type: String, required: true },
    rateBasisPoints: { type: Number, required: true },
  },
  { collection: 'tax_rates', timestamps: true, versionKey: false },
);
taxRateSchema.index({ zoneCode: 1, taxClass: 1 }, { unique: true });

const taxSettingSchema = new Schema<TaxSettingDoc>(
  {
    _id: { type: String, required: true },
    pricesIncludeTax: { type: Boolean, required: true },
  },
  { collection: 'tax_settings', timestamps: true, versionKey: false },
);

export type TaxRateModel = Model<TaxRateDoc>;
export type TaxSettingModel = Model<TaxSettingDoc>;

export function taxRateModel(conn: Connection): TaxRateModel {
  return modelOn<TaxRateDoc>(conn, 'TaxRate', taxRateSchema);
}

export function taxSettingModel(conn: Connection): TaxSettingModel {
  return modelOn<TaxSettingDoc>(conn, 'TaxSetting', taxSettingSchema);
}
