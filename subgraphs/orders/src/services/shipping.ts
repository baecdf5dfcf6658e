/** Shipping price rules, in the order currency's minor units. */
export interface ShippingRules {
  /** Charged on every order below the threshold. */
  flatRate: number;
  /** Orders whose subtotal reaches it ship free; 0 makes all shipping free. */
  freeThreshold: number;
}

export function shippingCost(subtotal: number, rules: ShippingRules): number {
  return subtotal >= rules.freeThreshold ? 0 : rules.flatRate;
}
