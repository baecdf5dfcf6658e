import { type ZoneDoc } from '../models/zone';

/** Where a quote ships to: an address's country and region, upper case. */
export interface Destination {
  country: string;
  region: string | null;
}

/**
 * How closely a zone holds a destination: 2 when it names the destination's region, 1 when it
 * holds the whole country, 0 when the destination is outside it.
 */
export function zoneSpecificity(zone: Pick<ZoneDoc, 'members'>, destination: Destination): number {
  let best = 0;
  for (const member of zone.members) {
    if (member.country !== destination.country) continue;
    if (member.regions.length === 0) best = Math.max(best, 1);
    else if (destination.region !== null && member.regions.includes(destination.region)) best = 2;
  }
  return best;
}

/**
 * The zones holding a destination, most specific first: a zone naming the region before a zone of
 * the whole country, then a zone of fewer countries before a wider one (Germany before the EU),
 * then by code. The order in which their rules win.
 */
export function zonesFor<Z extends Pick<ZoneDoc, '_id' | 'members'>>(
  zones: readonly Z[],
  destination: Destination,
): Z[] {
  return zones
    .map((zone) => ({ zone, specificity: zoneSpecificity(zone, destination) }))
    .filter(({ specificity }) => specificity > 0)
    .sort(
      (a, b) =>
        b.specificity - a.specificity ||
        a.zone.members.length - b.zone.members.length ||
        a.zone._id.localeCompare(b.zone._id),
    )
    .map(({ zone }) => zone);
}
