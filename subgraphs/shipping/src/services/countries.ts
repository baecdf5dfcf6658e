import { type ShippingMethodModel } from '../models/shipping-method';
import { type ZoneModel } from '../models/zone';

/** A country the shop ships to, as the storefront offers it. */
export interface ShippingCountry {
  /** ISO 3166-1 alpha-2, upper case. */
  code: string;
  /** Its English name (the code itself for one ICU does not know). */
  name: string;
}

// Node ships full ICU: every ISO 3166-1 code has its English name without a list of our own.
const REGION_NAMES = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'code' });

function countryName(code: string): string {
  return REGION_NAMES.of(code) ?? code;
}

/**
 * The countries checkout may offer: those of the zones where at least one shipping method is
 * active. A zone with no method (a tax-only zone such as US-CA) or only inactive ones adds none;
 * a country whose regions alone are in a zone counts (an address there can be shipped to).
 */
export class ShippingCountryService {
  constructor(
    private readonly zones: ZoneModel,
    private readonly methods: ShippingMethodModel,
  ) {}

  /** By English name, each country once; one aggregate on the methods, whatever the zones. */
  async list(): Promise<ShippingCountry[]> {
    const rows = await this.methods
      .aggregate<{ _id: string }>([
        { $match: { active: true } },
        { $group: { _id: '$zoneCode' } },
        {
          $lookup: {
            from: this.zones.collection.collectionName,
            localField: '_id',
            foreignField: '_id',
            as: 'zone',
          },
        },
        { $unwind: '$zone' },
        { $unwind: '$zone.members' },
        { $group: { _id: '$zone.members.country' } },
      ])
      .exec();
    return rows
      .map(({ _id: code }) => ({ code, name: countryName(code) }))
      .sort((a, b) => a.name.localeCompare(b.name, 'en') || a.code.localeCompare(b.code));
  }
}
