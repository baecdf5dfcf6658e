import { describe, expect, it } from 'vitest';
import { allocate, lineNetAmounts, unitsNetAmount } from '../src/services/line-net';

const item = (unitAmount: number, quantity: number) => ({
  productId: 'p',
  sku: 'S',
  name: 'N',
  unitAmount,
  quantity,
});

describe('line net amounts', () => {
  it('allocates in proportion, in whole units that add up exactly (largest remainder)', () => {
    expect(allocate(100, [1, 1, 1])).toEqual([34, 33, 33]);
    expect(allocate(10, [0, 5, 15])).toEqual([0, 3, 7]);
    expect(allocate(0, [4, 5])).toEqual([0, 0]);
  });

  it('is the price without discounts or tax', () => {
    expect(lineNetAmounts({ items: [item(1_900, 1), item(2_100, 2)], shippingCost: 500 })).toEqual([
      1_900, 4_200,
    ]);
  });

  it('takes off each line its share of the discount and adds its share of exclusive tax', () => {
    const order = {
      items: [item(1_000, 1), item(3_000, 1)],
      discountTotal: 400,
      shippingCost: 1_000,
      shippingDiscount: 0,
      taxTotal: 460, // 10% of 900 + 2 700 + 1 000
      pricesIncludeTax: false,
    };
    const nets = lineNetAmounts(order);
    expect(nets).toEqual([990, 2_970]);
    // The lines plus the shipping and its tax are the order's total.
    const total = 4_000 - 400 + 1_000 + 460;
    expect(nets[0]! + nets[1]! + 1_000 + 100).toBe(total);
  });

  it('adds no tax when prices include it (it is in them already)', () => {
    expect(
      lineNetAmounts({
        items: [item(1_190, 2)],
        discountTotal: 100,
        shippingCost: 0,
        taxTotal: 364,
        pricesIncludeTax: true,
      }),
    ).toEqual([2_280]);
  });

  it('splits a line over its parcels so that they add up to the line', () => {
    const parts = [
      unitsNetAmount(1_000, 3, 0, 1),
      unitsNetAmount(1_000, 3, 1, 1),
      unitsNetAmount(1_000, 3, 2, 1),
    ];
    expect(parts).toEqual([333, 333, 334]);
    expect(unitsNetAmount(1_000, 3, 0, 3)).toBe(1_000);
  });
});
