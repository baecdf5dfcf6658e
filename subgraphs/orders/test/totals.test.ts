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
    ).toEqual({ subtotal: 7067, discountTotal: 600, shippingCost: 499, taxTotal: 0, total: 6966 });
  });
});
