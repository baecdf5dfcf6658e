/**
 * A cart's total for an address and method, by the same rule as an order's (orders'
 * services/totals.ts): tax-inclusive prices already contain their tax, exclusive ones get it added.
 */
export function cartTotal(parts: {
  subtotal: number;
  discountTotal?: number;
  shippingCost: number;
  taxTotal: number;
  pricesIncludeTax: boolean;
}): number {
  const addedTax = parts.pricesIncludeTax ? 0 : parts.taxTotal;
  return parts.subtotal - (parts.discountTotal ?? 0) + parts.shippingCost + addedTax;
}
