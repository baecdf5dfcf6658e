import { describe, expect, it } from 'vitest';
import {
  DAY_MS,
  decayFactor,
  dominantType,
  engagementAt,
  scoringModel,
  userContribution,
} from '../src/scoring';

const model = scoringModel({
  RECO_WEIGHT_VIEW: 1,
  RECO_WEIGHT_ADD_TO_CART: 3,
  RECO_WEIGHT_PURCHASE: 5,
  RECO_WEIGHT_WISHLIST: 2,
  RECO_HALF_LIFE_DAYS: 14,
});
const counts = (
  c: Partial<Record<'sView' | 'sAddToCart' | 'sPurchase' | 'sWishlist', number>>,
  at: number,
) => ({
  sView: 0,
  sAddToCart: 0,
  sPurchase: 0,
  sWishlist: 0,
  ...c,
  at,
});

describe('behavioral-v1 scoring', () => {
  it('halves a weight every half-life and never inflates future-dated interactions', () => {
    expect(decayFactor(0, 14 * DAY_MS)).toBe(1);
    expect(decayFactor(14 * DAY_MS, 14 * DAY_MS)).toBe(0.5);
    expect(decayFactor(42 * DAY_MS, 14 * DAY_MS)).toBe(0.125);
    expect(decayFactor(-5 * DAY_MS, 14 * DAY_MS)).toBe(1);
  });

  it('weighs the decayed counts per type at read time', () => {
    const at = Date.UTC(2026, 0, 1);
    const doc = counts({ sView: 2, sPurchase: 1 }, at);
    expect(engagementAt(doc, model, at)).toBe(2 * 1 + 1 * 5);
    expect(engagementAt(doc, model, at + 28 * DAY_MS)).toBeCloseTo(7 / 4, 12);
    expect(dominantType(doc, model)).toBe('PURCHASE');
    expect(dominantType(counts({ sView: 4, sAddToCart: 1 }, at), model)).toBe('VIEW');
  });

  it('gives each user at most one vote, split by engagement', () => {
    expect(userContribution(1, 1)).toBe(0.5);
    expect(userContribution(5, 5)).toBeCloseTo(5 / 6, 12);
    const heavy = 1_000;
    expect(userContribution(heavy, heavy)).toBeLessThan(1);
    expect(userContribution(0, 10)).toBe(0);
  });
});
