/**
 * The discount computation: pure functions of a promotion's rule and a cart's lines, in integer
 * minor units. No I/O, so the rules (and their rounding) are tested on their own.
 *
 * Rounding: a percentage is taken of each eligible line's total (unit price × quantity) and
 * rounded half to even to the minor unit, then the lines are summed. 10 % of 3 × 333 is
 * 99.9 → 100; 10 % of three lines of 1 × 333 is 3 × 33.3 → 3 × 33 = 99 (the per-line rule is what
 * an order records against each line, so a partial refund can never find more discount than
 * the line had). 12.5 % of 100 is 12.5 → 12, of 300 is 37.5 → 38 (half to even).
 */

export type PromotionKind = 'PERCENTAGE' | 'FIXED_AMOUNT' | 'BUY_X_GET_Y' | 'FREE_SHIPPING';
export type PromotionTarget = 'ORDER' | 'PRODUCTS' | 'CATEGORIES';

/** What the computation needs of a promotion (models/promotion.ts stores more). */
export interface PromotionRule {
  id: string;
  name: string;
  kind: PromotionKind;
  target: PromotionTarget;
  productIds: string[];
  categorySlugs: string[];
  /** PERCENTAGE: hundredths of a percent (10 % = 1000). */
  percentOffBps: number | null;
  /** FIXED_AMOUNT: minor units of `currency`. */
  amountOff: number | null;
  /** Set when the rule holds money (a fixed amount, a minimum): it applies to carts in it only. */
  currency: string | null;
  buyProductId: string | null;
  buyQuantity: number | null;
  /** Defaults to the bought product. */
  getProductId: string | null;
  getQuantity: number | null;
  /** BUY_X_GET_Y: the discount on the "get" units, in hundredths of a percent (free = 10000). */
  getPercentOffBps: number | null;
  minSubtotal: number | null;
  combinable: boolean;
}

export interface DiscountLine {
  productId: string;
  quantity: number;
  unitAmount: number;
  /** The product's category, when known (category promotions need it). */
  categorySlug: string | null;
}

export interface Candidate {
  rule: PromotionRule;
  /** The discount code that brought it; null for an automatic promotion. */
  code: string | null;
}

export interface AppliedDiscount {
  promotionId: string;
  code: string | null;
  description: string;
  /** Off the items, minor units. */
  amount: number;
  /** Per cart line (in the order given), the part of `amount` taken off it: they sum to `amount`. */
  lineAmounts: number[];
  /** Off the shipping, minor units (FREE_SHIPPING: all of it). */
  shippingAmount: number;
  freeShipping: boolean;
}

/** `amount × bps / 10000`, rounded half to even (banker's rounding), in integers. */
export function percentOf(amount: number, bps: number): number {
  const product = amount * bps;
  const quotient = Math.floor(product / 10_000);
  const twiceRemainder = 2 * (product - quotient * 10_000);
  if (twiceRemainder > 10_000) return quotient + 1;
  if (twiceRemainder < 10_000) return quotient;
  return quotient % 2 === 0 ? quotient : quotient + 1;
}

/**
 * Splits `total` over parts proportionally to `weights`, by largest remainder, so the parts sum
 * exactly to `total`: each part is floor(total × weight / Σweights); the units left over go one
 * each to the largest remainders (ties: the earlier part). With `total` ≤ Σweights no part exceeds
 * its weight. All weights 0: everything on nothing (all parts 0, `total` must be 0).
 */
export function allocate(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((acc, weight) => acc + weight, 0);
  if (sum === 0 || total === 0) return weights.map(() => 0);
  // BigInt: total × weight may pass 2^53 on large orders.
  const big = weights.map((weight) => BigInt(total) * BigInt(weight));
  const parts = big.map((value) => Number(value / BigInt(sum)));
  const remainders = big.map((value, index) => ({ index, remainder: Number(value % BigInt(sum)) }));
  const left = total - parts.reduce((acc, part) => acc + part, 0);
  remainders.sort((a, b) => b.remainder - a.remainder || a.index - b.index);
  for (const { index } of remainders.slice(0, left)) parts[index] = (parts[index] ?? 0) + 1;
  return parts;
}

export function subtotalOf(lines: readonly DiscountLine[]): number {
  return lines.reduce((sum, line) => sum + line.unitAmount * line.quantity, 0);
}

function eligible(rule: PromotionRule, line: DiscountLine): boolean {
  if (rule.target === 'PRODUCTS') return rule.productIds.includes(line.productId);
  if (rule.target === 'CATEGORIES')
    return line.categorySlug !== null && rule.categorySlugs.includes(line.categorySlug);
  return true;
}

const lineAmount = (line: DiscountLine) => line.unitAmount * line.quantity;

/** BUY_X_GET_Y, per line: the discount lands on the lines of the "get" product (split by their amounts). */
function buyXGetY(rule: PromotionRule, lines: readonly DiscountLine[]): number[] {
  const amount = buyXGetYAmount(rule, lines);
  const getId = rule.getProductId ?? rule.buyProductId;
  return allocate(
    amount,
    lines.map((line) => (line.productId === getId ? lineAmount(line) : 0)),
  );
}

function buyXGetYAmount(rule: PromotionRule, lines: readonly DiscountLine[]): number {
  const buy = rule.buyQuantity ?? 0;
  const get = rule.getQuantity ?? 0;
  const buyId = rule.buyProductId;
  const getId = rule.getProductId ?? buyId;
  if (buy <= 0 || get <= 0 || !buyId || !getId) return 0;
  const quantityOf = (id: string) =>
    lines.filter((line) => line.productId === id).reduce((sum, line) => sum + line.quantity, 0);
  const getLine = lines.find((line) => line.productId === getId);
  if (!getLine) return 0;
  // Same product: every group of buy + get units has `get` discounted units. Another product:
  // every `buy` units bought discount `get` units of it, as many as the cart holds.
  const discountedUnits =
    buyId === getId
      ? Math.floor(quantityOf(buyId) / (buy + get)) * get
      : Math.min(Math.floor(quantityOf(buyId) / buy) * get, quantityOf(getId));
  return percentOf(discountedUnits * getLine.unitAmount, rule.getPercentOffBps ?? 10_000);
}

/**
 * What one promotion takes off a cart: items (per line, in the order of `lines`) and shipping, in
 * minor units. Zero when it does not apply (another currency, minimum not met, nothing eligible).
 * Checks of dates and limits are the caller's (they need the database).
 *
 * Per line: a percentage is taken of each eligible line (rounded half to even per line, as above);
 * a fixed amount is split over the eligible lines in proportion to their amounts by largest
 * remainder (`allocate`); buy X get Y lands on the lines of the "get" product.
 */
export function discountFor(
  rule: PromotionRule,
  lines: readonly DiscountLine[],
  cart: { currency: string; shippingAmount: number },
): { amount: number; lineAmounts: number[]; shippingAmount: number } {
  const lineAmounts = discountByLine(rule, lines, cart);
  const none = { amount: 0, lineAmounts: lines.map(() => 0), shippingAmount: 0 };
  if (lineAmounts === null) return none;
  return {
    amount: lineAmounts.reduce((sum, part) => sum + part, 0),
    lineAmounts,
    shippingAmount: rule.kind === 'FREE_SHIPPING' ? cart.shippingAmount : 0,
  };
}

/** Per line; null when the promotion does not apply to the cart at all. */
function discountByLine(
  rule: PromotionRule,
  lines: readonly DiscountLine[],
  cart: { currency: string },
): number[] | null {
  if (rule.currency !== null && rule.currency !== cart.currency) return null;
  if (rule.minSubtotal !== null && subtotalOf(lines) < rule.minSubtotal) return null;
  const inScope = lines.map((line) => (eligible(rule, line) ? lineAmount(line) : 0));
  switch (rule.kind) {
    case 'PERCENTAGE':
      return inScope.map((amount) => percentOf(amount, rule.percentOffBps ?? 0));
    case 'FIXED_AMOUNT': {
      const scope = inScope.reduce((sum, amount) => sum + amount, 0);
      return allocate(Math.min(rule.amountOff ?? 0, scope), inScope);
    }
    case 'BUY_X_GET_Y':
      return buyXGetY(rule, lines);
    case 'FREE_SHIPPING':
      return lines.map(() => 0);
  }
}

function describe(rule: PromotionRule, code: string | null): string {
  return code ? `${rule.name} (code ${code})` : rule.name;
}

/**
 * The discounts a cart gets from its candidates (automatic promotions and applied codes, in that
 * order). Combinability: every combinable promotion applies together; a promotion that is not
 * combinable applies alone. Of "all combinable ones together" and "each non-combinable one alone",
 * the customer gets whichever takes the most off (items plus shipping); on a tie the combinable
 * set wins, then the earlier candidate. Item discounts together never exceed a line's amount (the
 * last ones are cut), and shipping discounts never exceed the shipping.
 */
export function chooseDiscounts(
  candidates: readonly Candidate[],
  lines: readonly DiscountLine[],
  cart: { currency: string; shippingAmount: number },
): AppliedDiscount[] {
  const evaluated = candidates
    .map(({ rule, code }) => ({ rule, code, ...discountFor(rule, lines, cart) }))
    .filter((entry) => entry.amount > 0 || entry.shippingAmount > 0 || applies(entry.rule, lines, cart));
  const value = (set: readonly (typeof evaluated)[number][]) =>
    set.reduce((sum, entry) => sum + entry.amount + entry.shippingAmount, 0);
  let best = evaluated.filter((entry) => entry.rule.combinable);
  for (const entry of evaluated) {
    if (!entry.rule.combinable && value([entry]) > value(best)) best = [entry];
  }
  // Per line: the discounts on a line never exceed its amount (the last ones are cut).
  const lineLeft = lines.map(lineAmount);
  let shippingLeft = cart.shippingAmount;
  return best.map((entry) => {
    const lineAmounts = entry.lineAmounts.map((part, index) => {
      const taken = Math.min(part, lineLeft[index] ?? 0);
      lineLeft[index] = (lineLeft[index] ?? 0) - taken;
      return taken;
    });
    const shippingAmount = Math.min(entry.shippingAmount, shippingLeft);
    shippingLeft -= shippingAmount;
    return {
      promotionId: entry.rule.id,
      code: entry.code,
      description: describe(entry.rule, entry.code),
      amount: lineAmounts.reduce((sum, part) => sum + part, 0),
      lineAmounts,
      shippingAmount,
      freeShipping: entry.rule.kind === 'FREE_SHIPPING',
    };
  });
}

/**
 * A free-shipping promotion is shown on a cart before any shipping is known (its value is then
 * 0): it applies when its currency and minimum are met.
 */
function applies(
  rule: PromotionRule,
  lines: readonly DiscountLine[],
  cart: { currency: string; shippingAmount: number },
): boolean {
  if (rule.kind !== 'FREE_SHIPPING') return false;
  if (rule.currency !== null && rule.currency !== cart.currency) return false;
  return rule.minSubtotal === null || subtotalOf(lines) >= rule.minSubtotal;
}
