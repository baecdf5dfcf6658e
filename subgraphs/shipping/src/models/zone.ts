import { modelOn } from '@novamart/kit';
import { Schema, type Connection, type Model } from 'mongoose';

/** A country of a zone: the whole country when `regions` is empty, else only those regions. */
export interface ZoneMember {
  /** ISO 3166-1 alpha-2, upper case. */
  country: string;
  /** Region codes as addresses carry them (e.g. `CA`), upper case. */
  regions: string[];
}

/**
 * A zone: the one unit where both shipping methods and tax rates apply (as Vendure's Zone is for
 * its ShippingMethod checkers and TaxRates).
 */
export interface ZoneDoc {
  /** The zone's code, e.g. `EU`, `US-CA`. */
  _id: string;
  name: string;
  members: ZoneMember[];
  /**
   * Bumped by every save of one of its methods or tax rates, in the same transaction: the save and
   * the zone's delete write this document both, so they cannot interleave (admin-service.ts).
   * Absent on a zone whose methods and rates were never saved since.
   */
  revision?: number;
  createdAt: Date;
  updatedAt: Date;
}

const memberSchema = new Schema<ZoneMember>(
  { country: { type: String, required: true }, regions: { type: [String], default: [] } },
  { _id: false },
);

const zoneSchema = new Schema<ZoneDoc>(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true },
    members: { type: [memberSchema], required: true },
    revision: { type: Number },
  },
  { collection: 'zones', timestamps: true, versionKey: false },
);

// The zones of an address's country in one indexed find.
zoneSchema.index({ 'members.country': 1 });

export type ZoneModel = Model<ZoneDoc>;

export function zoneModel(conn: Connection): ZoneModel {
  return modelOn<ZoneDoc>(conn, 'Zone', zoneSchema);
}
