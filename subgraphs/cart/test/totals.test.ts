import { describe, expect, it } from 'vitest';
import { cartTotal } from '../src/services/totals';

// The same rule as orders' orderTotals (subgraphs/orders/test/totals.test.ts), on the same figures.
describe('cartTotal', () => {
  it('Germany, prices include VAT: discounts and shipping change the total, the tax does not', () => {
    // 7000 − 1150 + (990 − 0), VAT 753 inside (tests/sell-real-products.e2e.test.ts)
    expect(
      cartTotal({
        subtotal: 7000,
        discountTotal: 1150,
        shippingCost: 990,
        shippingDiscount: 0,
        taxTotal: 753,
        pricesIncludeTax: true,
      }),
    ).toBe(6840);
  });

  it('California, prices exclude tax: a free-shipping discount takes the charge off, the tax is added', () => {
    // 7899 − 1290 + (1500 − 1500) + 479
    expect(
      cartTotal({
        subtotal: 7899,
        discountTotal: 1290,
        shippingCost: 1500,
        shippingDiscount: 1500,
        taxTotal: 479,
        pricesIncludeTax: false,
      }),
    ).toBe(7088);
  });

  it('without discounts or shipping: the subtotal plus any added tax', () => {
    expect(cartTotal({ subtotal: 5997, shippingCost: 0, taxTotal: 435, pricesIncludeTax: false })).toBe(6432);
  });
});
