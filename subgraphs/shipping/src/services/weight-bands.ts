import { badUserInput } from '@novamart/kit';

/** A price for parcels from `minGrams` (inclusive) up to `maxGrams` (exclusive; null: no upper bound). */
export interface WeightBand {
  minGrams: number;
  maxGrams: number | null;
  amount: number;
}

/**
 * Weight bands must cover 0 g upwards without a gap or an overlap: in order of `minGrams`, the first
 * starts at 0, each starts where the previous one ends, and only the last may be open-ended.
 * Anything else is BAD_USER_INPUT naming the band's field as sent (`<at>[i].minGrams`), so an
 * admin sees which band to fix. Returns the bands sorted.
 */
export function validateWeightBands(bands: readonly WeightBand[], at: string): WeightBand[] {
  if (bands.length === 0) throw badUserInput('Weight-band pricing needs at least one band', at);
  // Fields name the band as the admin sent it (its index in the input), whatever the order.
  const indexed = bands.map((band, index) => ({
    band: { minGrams: band.minGrams, maxGrams: band.maxGrams ?? null, amount: band.amount },
    index,
  }));
  indexed.sort((a, b) => a.band.minGrams - b.band.minGrams);
  indexed.forEach(({ band, index }, i) => {
    const field = `${at}[${index}]`;
    if (!Number.isInteger(band.minGrams) || band.minGrams < 0)
      throw badUserInput('minGrams must be a whole number of grams, 0 or more', `${field}.minGrams`);
    if (band.maxGrams !== null && (!Number.isInteger(band.maxGrams) || band.maxGrams <= band.minGrams))
      throw badUserInput('maxGrams must be a whole number of grams above minGrams', `${field}.maxGrams`);
    if (!Number.isInteger(band.amount) || band.amount < 0)
      throw badUserInput('amount must be minor units, 0 or more', `${field}.amount`);
    const before = indexed[i - 1];
    const previous = before?.band;
    const expectedStart = previous ? previous.maxGrams : 0;
    if (previous && previous.maxGrams === null)
      throw badUserInput(
        `Band from ${previous.minGrams} g has no upper bound, so it overlaps the band from ${band.minGrams} g`,
        `${at}[${before?.index}].maxGrams`,
      );
    if (band.minGrams < (expectedStart ?? 0))
      throw badUserInput(
        `Bands overlap: this band starts at ${band.minGrams} g, inside the band before it (up to ${expectedStart} g)`,
        `${field}.minGrams`,
      );
    if (band.minGrams > (expectedStart ?? 0))
      throw badUserInput(
        `Bands leave a gap: nothing prices ${expectedStart} g to ${band.minGrams} g`,
        `${field}.minGrams`,
      );
  });
  return indexed.map(({ band }) => band);
}

/** The band price for a parcel of `grams`, or null when no band covers it. */
export function bandPrice(bands: readonly WeightBand[], grams: number): number | null {
  const band = bands.find((b) => grams >= b.minGrams && (b.maxGrams === null || grams < b.maxGrams));
  return band ? band.amount : null;
}
