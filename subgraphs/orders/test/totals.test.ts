import { describe, expect, it } from 'vitest';
import { orderTotals } from '../src/services/totals';

describe('orderTotals', () => {
  const lines = [{ amount: 5997 }, { amount: 1070 }];

  it('adds tax-exclusive tax to the total', () => {
    expect(
      orderTotals({ lines, shippingCost: 1500, tax: { taxTotal: 544, pricesIncludeTax: false } }),
    ).toEqual({
      subtotal: 7067,
      discountTotal: 0,
      shippingCost: 1500,
      shippingDiscount: 0,
      taxTotal: 544,
      total: 9111,
    });
  });

  it('shows tax-inclusive tax without changing the total', () => {
    expect(
      orderTotals({ lines, shippingCost: 990, tax: { taxTotal: 1186, pricesIncludeTax: true } }),
    ).toMatchObject({
      taxTotal: 1186,
      total: 8057,
    });
  });

  it('takes per-line discounts off, and an untaxed order is subtotal plus shipping', () => {
    expect(
      orderTotals({ lines: [{ amount: 5997, discount: 600 }, { amount: 1070 }], shippingCost: 499 }),
    ).toEqual({
      subtotal: 7067,
      discountTotal: 600,
      shippingCost: 499,
      shippingDiscount: 0,
      taxTotal: 0,
      total: 6966,
    });
  });

  it('takes a free-shipping discount off the shipping, and adds the tax of what is left', () => {
    // 7899 − (290 + 1000) + (1500 − 1500) + 479 = 7088 (tests/sell-real-products.e2e.test.ts, California)
    expect(
      orderTotals({
        lines: [
          { amount: 2900, discount: 290 },
          { amount: 4999, discount: 1000 },
        ],
        shippingCost: 1500,
        shippingDiscount: 1500,
        tax: { taxTotal: 479, pricesIncludeTax: false },
      }),
    ).toEqual({
      subtotal: 7899,
      discountTotal: 1290,
      shippingCost: 1500,
      shippingDiscount: 1500,
      taxTotal: 479,
      total: 7088,
    });
  });
});
