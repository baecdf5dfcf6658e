/** One priced line for the totals: its amount (unit price × quantity) and the discounts on it. */
export interface TotalsLine {
  amount: number;
  /** Minor units taken off the line (promotions); default 0. */
  discount?: number;
}

export interface TotalsInput {
  lines: readonly TotalsLine[];
  shippingCost: number;
  /** Taken off the shipping (a free-shipping promotion); default 0. */
  shippingDiscount?: number;
  /** The tax of the lines after discounts and of the charged shipping; absent: untaxed. */
  tax?: { taxTotal: number; pricesIncludeTax: boolean } | null;
}

export interface OrderTotals {
  subtotal: number;
  discountTotal: number;
  shippingCost: number;
  shippingDiscount: number;
  taxTotal: number;
  total: number;
}

/**
 * An order's totals, the one function that adds them up (the cart's `cartTotal` is the same rule).
 * Tax-inclusive prices already contain their tax (it is shown, not added); tax-exclusive prices
 * get it added. The tax itself (the shipping subgraph's) is on the discounted line amounts and
 * on the shipping charged.
 *
 *   total = subtotal − discountTotal + (shippingCost − shippingDiscount) + (pricesIncludeTax ? 0 : taxTotal)
 */
export function orderTotals(input: TotalsInput): OrderTotals {
  const subtotal = input.lines.reduce((sum, line) => sum + line.amount, 0);
  const discountTotal = input.lines.reduce((sum, line) => sum + (line.discount ?? 0), 0);
  const shippingDiscount = input.shippingDiscount ?? 0;
  const taxTotal = input.tax?.taxTotal ?? 0;
  const addedTax = input.tax && !input.tax.pricesIncludeTax ? taxTotal : 0;
  return {
    subtotal,
    discountTotal,
    shippingCost: input.shippingCost,
    shippingDiscount,
    taxTotal,
    total: subtotal - discountTotal + input.shippingCost - shippingDiscount + addedTax,
  };
}
