import { type OrderDoc } from '../models/order';

/**
 * `total` split over `weights` in proportion, in whole minor units that add up to `total` exactly
 * (largest remainder; ties to the earlier weight). Zero weights get nothing.
 */
export function allocate(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((acc, w) => acc + Math.max(0, w), 0);
  if (total === 0 || sum === 0) return weights.map(() => 0);
  const exact = weights.map((w) => (BigInt(total) * BigInt(Math.max(0, w))) / BigInt(sum));
  const shares = exact.map(Number);
  const remainders = weights.map((w, i) => ({
    i,
    rest: (BigInt(total) * BigInt(Math.max(0, w))) % BigInt(sum),
  }));
  let left = total - shares.reduce((acc, s) => acc + s, 0);
  remainders.sort((a, b) => (a.rest === b.rest ? a.i - b.i : a.rest > b.rest ? -1 : 1));
  for (const { i } of remainders) {
    if (left <= 0) break;
    shares[i] = (shares[i] ?? 0) + 1;
    left -= 1;
  }
  return shares;
}

/**
 * The net amount of each order line (in `items` order), minor units: what the whole line cost the
 * customer. The order stores its discounts and tax as totals, so each line's share is derived
 * from them, deterministically (the fields it reads never change after checkout):
 * - discount: `discountTotal` split over the lines by their amount (unit price × quantity);
 * - tax, only when prices exclude it (inclusive prices already contain theirs): `taxTotal` split
 *   over the lines' discounted amounts and the discounted shipping, which is taxed like a line.
 *
 *   net = unitAmount × quantity − discount share + (pricesIncludeTax ? 0 : tax share)
 *
 * The lines' nets plus the shipping's (`shippingNetAmount`) add up to the order's total exactly.
 */
export function lineNetAmounts(
  order: Pick<
    OrderDoc,
    'items' | 'discountTotal' | 'taxTotal' | 'pricesIncludeTax' | 'shippingCost' | 'shippingDiscount'
  >,
): number[] {
  const gross = order.items.map((line) => line.unitAmount * line.quantity);
  const discounts = allocate(order.discountTotal ?? 0, gross);
  const discounted = gross.map((amount, i) => amount - (discounts[i] ?? 0));
  if (order.pricesIncludeTax || !order.taxTotal) return discounted;
  const shipping = order.shippingCost - (order.shippingDiscount ?? 0);
  const taxes = allocate(order.taxTotal, [...discounted, shipping]);
  return discounted.map((amount, i) => amount + (taxes[i] ?? 0));
}

/**
 * The net amount of `quantity` units of a line whose whole net is `lineNet`, after `before` of its
 * `lineQuantity` units were counted already (shipped, or claimed by returns): cumulative shares,
 * so the line's parcels (or returns) add up to `lineNet` exactly.
 */
export function unitsNetAmount(
  lineNet: number,
  lineQuantity: number,
  before: number,
  quantity: number,
): number {
  const upTo = (units: number) =>
    units >= lineQuantity ? lineNet : Math.floor((lineNet * units) / lineQuantity);
  return upTo(before + quantity) - upTo(before);
}
