/**
 * A cart's total for an address and method, by the same rule as an order's (orders'
 * services/totals.ts): tax-inclusive prices already contain their tax, exclusive ones get it added.
 *
 *   total = subtotal − discountTotal + (shippingCost − shippingDiscount) + (pricesIncludeTax ? 0 : taxTotal)
 *
 * The tax (the shipping subgraph's) is already on the discounted line amounts and the charged shipping.
 */
export function cartTotal(parts: {
  subtotal: number;
  discountTotal?: number;
  shippingCost: number;
  shippingDiscount?: number;
  taxTotal: number;
  pricesIncludeTax: boolean;
}): number {
  const addedTax = parts.pricesIncludeTax ? 0 : parts.taxTotal;
  const shipping = parts.shippingCost - (parts.shippingDiscount ?? 0);
  return parts.subtotal - (parts.discountTotal ?? 0) + shipping + addedTax;
}
