import { describe, expect, it } from 'vitest';
import { failure } from '@novamart/kit/testing';
import { bandPrice, validateWeightBands, type WeightBand } from '../src/services/weight-bands';

const AT = 'input.weightBands';
const band = (minGrams: number, maxGrams: number | null, amount: number): WeightBand => ({
  minGrams,
  maxGrams,
  amount,
});

async function refusal(bands: WeightBand[]) {
  return failure(Promise.resolve().then(() => validateWeightBands(bands, AT)));
}

describe('validateWeightBands', () => {
  it('accepts contiguous bands from 0 g in any order and returns them sorted', () => {
    const sorted = validateWeightBands(
      [band(2000, null, 1500), band(0, 1000, 500), band(1000, 2000, 900)],
      AT,
    );
    expect(sorted.map((b) => b.minGrams)).toEqual([0, 1000, 2000]);
  });

  it('refuses a gap, naming the band after it as the admin sent it', async () => {
    const error = await refusal([band(0, 1000, 500), band(1500, null, 900)]);
    expect(error).toMatchObject({ code: 'BAD_USER_INPUT', field: `${AT}[1].minGrams` });
    expect(error.message).toMatch(/gap.*1000 g to 1500 g/);
  });

  it('refuses an overlap', async () => {
    const error = await refusal([band(800, 2000, 900), band(0, 1000, 500)]);
    expect(error).toMatchObject({ code: 'BAD_USER_INPUT', field: `${AT}[0].minGrams` });
    expect(error.message).toMatch(/overlap/);
  });

  it('refuses an open-ended band that is not the last', async () => {
    const error = await refusal([band(0, null, 500), band(1000, null, 900)]);
    expect(error).toMatchObject({ code: 'BAD_USER_INPUT', field: `${AT}[0].maxGrams` });
  });

  it('refuses bands that do not start at 0 g', async () => {
    expect(await refusal([band(100, null, 500)])).toMatchObject({ field: `${AT}[0].minGrams` });
  });

  it('refuses empty bands, a band ending at or before its start, and negative or fractional values', async () => {
    expect(await refusal([])).toMatchObject({ field: AT });
    expect(await refusal([band(0, 0, 500)])).toMatchObject({ field: `${AT}[0].maxGrams` });
    expect(await refusal([band(0, null, -1)])).toMatchObject({ field: `${AT}[0].amount` });
    expect(await refusal([band(0, 10.5, 1)])).toMatchObject({ field: `${AT}[0].maxGrams` });
    expect(await refusal([band(-5, 10, 1)])).toMatchObject({ field: `${AT}[0].minGrams` });
  });
});

describe('bandPrice', () => {
  const bands = [band(0, 1000, 500), band(1000, 5000, 900), band(5000, 20_000, 1500)];
  it('prices by the band holding the weight, lower bound inclusive, upper exclusive', () => {
    expect(bandPrice(bands, 0)).toBe(500);
    expect(bandPrice(bands, 999)).toBe(500);
    expect(bandPrice(bands, 1000)).toBe(900);
    expect(bandPrice(bands, 19_999)).toBe(1500);
  });
  it('has no price beyond the last band', () => {
    expect(bandPrice(bands, 20_000)).toBeNull();
  });
});
