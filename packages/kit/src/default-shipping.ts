import { z } from 'zod';

/**
 * The shop's default shipping rule: what an order without a shipping method is charged (checkout,
 * in orders) and what a cart's preview without one shows (cart), so that both say the same before
 * and after the order. Amounts are minor units of the order's currency. With the shipping
 * subgraph, the charge is then taxed for the address like any shipping.
 */
export interface DefaultShippingRule {
  /** Charged on every order whose subtotal is below the threshold. */
  flatRate: number;
  /** Orders whose subtotal reaches it ship free; 0 makes all shipping free. */
  freeThreshold: number;
}

const minorUnits = (fallback: number) => z.coerce.number().int().min(0).default(fallback);

/** `SHIPPING_FLAT_RATE` and `FREE_SHIPPING_THRESHOLD`, in the configuration shape of orders and cart. */
export const defaultShippingShape = {
  /** Shipping charged on an order below the free-shipping threshold, in minor units ($4.99). */
  SHIPPING_FLAT_RATE: minorUnits(499),
  /** Subtotal from which shipping is free, in minor units ($50.00); 0 ships everything free. */
  FREE_SHIPPING_THRESHOLD: minorUnits(5000),
};

/** The rule as a subgraph's configuration sets it. */
export function defaultShippingRule(config: {
  SHIPPING_FLAT_RATE: number;
  FREE_SHIPPING_THRESHOLD: number;
}): DefaultShippingRule {
  return { flatRate: config.SHIPPING_FLAT_RATE, freeThreshold: config.FREE_SHIPPING_THRESHOLD };
}

/** The default charge for goods worth `subtotal` (before discounts, as checkout prices it). */
export function defaultShippingCharge(subtotal: number, rule: DefaultShippingRule): number {
  return subtotal >= rule.freeThreshold ? 0 : rule.flatRate;
}
