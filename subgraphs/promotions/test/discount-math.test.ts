import { describe, expect, it } from 'vitest';
import {
  chooseDiscounts,
  discountFor,
  percentOf,
  type DiscountLine,
  type PromotionRule,
} from '../src/services/discount-math';

const rule = (overrides: Partial<PromotionRule>): PromotionRule => ({
  id: overrides.id ?? 'promo',
  name: overrides.name ?? 'Promo',
  kind: 'PERCENTAGE',
  target: 'ORDER',
  productIds: [],
  categorySlugs: [],
  percentOffBps: null,
  amountOff: null,
  currency: null,
  buyProductId: null,
  buyQuantity: null,
  getProductId: null,
  getQuantity: null,
  getPercentOffBps: null,
  minSubtotal: null,
  combinable: true,
  ...overrides,
});

const line = (productId: string, quantity: number, unitAmount: number, categorySlug: string | null = null) =>
  ({ productId, quantity, unitAmount, categorySlug }) satisfies DiscountLine;

const usd = { currency: 'USD', shippingAmount: 0 };

describe('percentOf: half to even, in integers', () => {
  it.each([
    [999, 1000, 100], // 99.9
    [333, 1000, 33], // 33.3
    [100, 1250, 12], // 12.5 → 12 (even)
    [300, 1250, 38], // 37.5 → 38 (even)
    [5, 1000, 0], // 0.5 → 0 (even)
    [15, 1000, 2], // 1.5 → 2 (even)
    [100_000_000, 10_000, 100_000_000],
    [1, 1, 0],
  ])('%i × %i bps → %i', (amount, bps, expected) => {
    expect(percentOf(amount, bps)).toBe(expected);
  });
});

describe('discountFor', () => {
  it('takes a percentage per line: 3 × 333 at 10 % is 100, three lines of 333 are 3 × 33 = 99', () => {
    const tenPercent = rule({ percentOffBps: 1000 });
    expect(discountFor(tenPercent, [line('a', 3, 333)], usd).amount).toBe(100);
    expect(
      discountFor(tenPercent, [line('a', 1, 333), line('b', 1, 333), line('c', 1, 333)], usd).amount,
    ).toBe(99);
  });

  it('limits a product or category promotion to its lines', () => {
    const lines = [line('book', 2, 1999, 'books'), line('mug', 1, 1000, 'kitchen')];
    expect(
      discountFor(rule({ percentOffBps: 1000, target: 'CATEGORIES', categorySlugs: ['books'] }), lines, usd),
    ).toEqual({ amount: 400, shippingAmount: 0 }); // 10 % of 3998 = 399.8
    expect(
      discountFor(rule({ percentOffBps: 5000, target: 'PRODUCTS', productIds: ['mug'] }), lines, usd).amount,
    ).toBe(500);
  });

  it('caps a fixed amount at what it applies to, and refuses another currency or a small cart', () => {
    const fiveOff = rule({ kind: 'FIXED_AMOUNT', amountOff: 500, currency: 'USD', minSubtotal: 1000 });
    expect(discountFor(fiveOff, [line('a', 1, 2000)], usd).amount).toBe(500);
    expect(discountFor({ ...fiveOff, minSubtotal: null }, [line('a', 1, 300)], usd).amount).toBe(300);
    expect(discountFor(fiveOff, [line('a', 1, 999)], usd).amount).toBe(0);
    expect(discountFor(fiveOff, [line('a', 1, 2000)], { currency: 'EUR', shippingAmount: 0 }).amount).toBe(0);
  });

  it('buy 2 get 1 free of the same product: every third unit', () => {
    const b2g1 = rule({
      kind: 'BUY_X_GET_Y',
      buyProductId: 'a',
      buyQuantity: 2,
      getQuantity: 1,
      getPercentOffBps: 10_000,
    });
    expect(discountFor(b2g1, [line('a', 2, 700)], usd).amount).toBe(0);
    expect(discountFor(b2g1, [line('a', 3, 700)], usd).amount).toBe(700);
    expect(discountFor(b2g1, [line('a', 7, 700)], usd).amount).toBe(1400);
  });

  it('buy 1 of a product, get another half price: as many as were bought and are in the cart', () => {
    const half = rule({
      kind: 'BUY_X_GET_Y',
      buyProductId: 'pen',
      buyQuantity: 1,
      getProductId: 'ink',
      getQuantity: 1,
      getPercentOffBps: 5000,
    });
    expect(discountFor(half, [line('pen', 3, 1000), line('ink', 2, 333)], usd).amount).toBe(333); // 50 % of 666
    expect(discountFor(half, [line('pen', 1, 1000), line('ink', 2, 333)], usd).amount).toBe(166); // 166.5 → 166
  });

  it('free shipping takes the whole shipping amount', () => {
    const free = rule({ kind: 'FREE_SHIPPING', minSubtotal: 5000, currency: 'USD' });
    expect(discountFor(free, [line('a', 1, 6000)], { currency: 'USD', shippingAmount: 499 })).toEqual({
      amount: 0,
      shippingAmount: 499,
    });
    expect(
      discountFor(free, [line('a', 1, 4000)], { currency: 'USD', shippingAmount: 499 }).shippingAmount,
    ).toBe(0);
  });
});

describe('chooseDiscounts: combinability', () => {
  const lines = [line('a', 1, 10_000)];
  const tenPercent = rule({ id: 'p10', name: '10 %', percentOffBps: 1000 });
  const fiveOff = rule({ id: 'f5', name: '$5', kind: 'FIXED_AMOUNT', amountOff: 500, currency: 'USD' });
  const exclusive30 = rule({ id: 'x30', name: '30 % alone', percentOffBps: 3000, combinable: false });
  const exclusive12 = rule({ id: 'x12', name: '12 % alone', percentOffBps: 1200, combinable: false });

  it('applies every combinable promotion together', () => {
    const chosen = chooseDiscounts(
      [
        { rule: tenPercent, code: null },
        { rule: fiveOff, code: 'FIVE' },
      ],
      lines,
      usd,
    );
    expect(chosen.map((d) => [d.promotionId, d.code, d.amount])).toEqual([
      ['p10', null, 1000],
      ['f5', 'FIVE', 500],
    ]);
    expect(chosen[1]!.description).toBe('$5 (code FIVE)');
  });

  it('gives a non-combinable promotion alone when it beats the combinable set, else the set', () => {
    const candidates = [
      { rule: tenPercent, code: null },
      { rule: fiveOff, code: 'FIVE' },
    ];
    expect(chooseDiscounts([...candidates, { rule: exclusive30, code: 'BIG' }], lines, usd)).toEqual([
      expect.objectContaining({ promotionId: 'x30', amount: 3000 }),
    ]);
    // 12 % (1200) against 10 % + $5 (1500): the set wins.
    expect(
      chooseDiscounts([...candidates, { rule: exclusive12, code: 'MID' }], lines, usd).map(
        (d) => d.promotionId,
      ),
    ).toEqual(['p10', 'f5']);
  });

  it('never takes more than the subtotal', () => {
    const big = rule({ id: 'big', kind: 'FIXED_AMOUNT', amountOff: 9_000, currency: 'USD' });
    const chosen = chooseDiscounts(
      [
        { rule: tenPercent, code: null },
        { rule: big, code: null },
      ],
      lines,
      usd,
    );
    expect(chosen.reduce((sum, d) => sum + d.amount, 0)).toBe(10_000);
  });

  it('shows free shipping on a cart before shipping is known', () => {
    const free = rule({ id: 'ship', kind: 'FREE_SHIPPING' });
    expect(chooseDiscounts([{ rule: free, code: null }], lines, usd)).toEqual([
      expect.objectContaining({ promotionId: 'ship', amount: 0, shippingAmount: 0, freeShipping: true }),
    ]);
  });
});
