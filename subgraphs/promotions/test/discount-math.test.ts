import { describe, expect, it } from 'vitest';
import {
  allocate,
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
    ).toEqual({ amount: 400, lineAmounts: [400, 0], shippingAmount: 0 }); // 10 % of 3998 = 399.8
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
      lineAmounts: [0],
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

describe('allocate: proportional to the line amounts, largest remainder, the parts sum exactly', () => {
  it.each([
    // total, weights, parts
    [100, [1, 1, 1], [34, 33, 33]], // 33.33 each: the one unit left goes to the earliest tie
    [1, [333, 333, 334], [0, 0, 1]], // the largest remainder is the largest line's
    [1000, [1, 1, 998], [1, 1, 998]],
    [999, [1999, 4999, 1], [285, 714, 0]], // 285.33, 713.53, 0.14: floors 285 + 713, 1 left → .53's
    [7, [0, 5, 0, 5], [0, 4, 0, 3]], // untargeted lines (weight 0) get nothing
    [0, [10, 20], [0, 0]],
    [5, [], []],
  ])('%i over %j → %j', (total, weights, parts) => {
    expect(allocate(total, weights)).toEqual(parts);
    if (weights.length > 0) expect(parts.reduce((sum, part) => sum + part, 0)).toBe(total);
  });

  it('stays exact on amounts whose products pass 2^53', () => {
    const parts = allocate(99_999_999_999, [99_999_999_999, 1, 2]);
    expect(parts.reduce((sum, part) => sum + part, 0)).toBe(99_999_999_999);
    expect(parts[0]).toBe(99_999_999_996);
  });

  it('never gives a line more than its amount when the total fits', () => {
    const weights = [1, 2, 3, 997, 13];
    for (let total = 0; total <= 1016; total += 7) {
      allocate(total, weights).forEach((part, index) => expect(part).toBeLessThanOrEqual(weights[index]!));
    }
  });
});

describe('discounts per line (what tax is computed on)', () => {
  it('splits a fixed amount over the lines it targets in proportion to their amounts', () => {
    const fiveOff = rule({ kind: 'FIXED_AMOUNT', amountOff: 500, currency: 'USD' });
    // 500 over 1999 + 4999 + 1 (Σ 6999): 142.81, 357.12, 0.07 → 142 + 357 + 0, 1 left → 143
    expect(
      discountFor(fiveOff, [line('a', 1, 1999), line('b', 1, 4999), line('c', 1, 1)], usd).lineAmounts,
    ).toEqual([143, 357, 0]);
    const onBooks = { ...fiveOff, target: 'CATEGORIES' as const, categorySlugs: ['books'] };
    expect(
      discountFor(
        onBooks,
        [line('a', 1, 1000, 'books'), line('b', 1, 9000), line('c', 3, 1000, 'books')],
        usd,
      ).lineAmounts,
    ).toEqual([125, 0, 375]);
  });

  it('puts buy X get Y on the lines of the "get" product (two variants of it: split by amount)', () => {
    const b2g1 = rule({
      kind: 'BUY_X_GET_Y',
      buyProductId: 'tee',
      buyQuantity: 2,
      getQuantity: 1,
      getPercentOffBps: 10_000,
    });
    // 3 tees in two variant lines: one free at the first line's unit price 1000, split 1000 × (2000, 1000)/3000
    expect(discountFor(b2g1, [line('tee', 2, 1000), line('mug', 1, 500), line('tee', 1, 1000)], usd)).toEqual(
      {
        amount: 1000,
        lineAmounts: [667, 0, 333],
        shippingAmount: 0,
      },
    );
  });

  it('gives each line at most its amount when several promotions meet on it, and sums per promotion', () => {
    const lines = [line('a', 1, 1000), line('b', 1, 3000)];
    const half = rule({ id: 'half-b', percentOffBps: 9000, target: 'PRODUCTS', productIds: ['b'] });
    const twentyOff = rule({ id: 'fixed', kind: 'FIXED_AMOUNT', amountOff: 2000, currency: 'USD' });
    const chosen = chooseDiscounts(
      [
        { rule: half, code: null },
        { rule: twentyOff, code: null },
      ],
      lines,
      usd,
    );
    // 90 % of b = 2700; 2000 split 500 / 1500, but b has only 300 left: 500 + 300
    expect(chosen.map((d) => [d.promotionId, d.amount, d.lineAmounts])).toEqual([
      ['half-b', 2700, [0, 2700]],
      ['fixed', 800, [500, 300]],
    ]);
  });
});
