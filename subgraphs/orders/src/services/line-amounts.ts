import { badUserInput } from '@novamart/kit';
import { type FulfilmentLine, type OrderDoc, type OrderLine } from '../models/order';
import { lineNetAmounts, unitsNetAmount } from './line-net';

/** The order fields a line's net amount depends on (services/line-net.ts). */
export type PricedOrder = Pick<
  OrderDoc,
  'items' | 'discountTotal' | 'taxTotal' | 'pricesIncludeTax' | 'shippingCost' | 'shippingDiscount'
>;

export interface QuantityInput {
  productId: string;
  /** Absent: the product's default variant (its id is the product's), or the product's only line. */
  variantId?: string | null;
  quantity: number;
}

/** How many units of a line a shipment (or a return) may take, and how many were counted before. */
export interface LineBudget {
  left: (line: OrderLine) => number;
  counted: (line: OrderLine) => number;
}

/** The variant of an order line (or of a fulfilment line): absent on older orders, the default one. */
export function lineVariant(line: { productId: string; variantId?: string | null }): string {
  return line.variantId ?? line.productId;
}

/**
 * The order line a client names: by product and variant; without a variant, the product's only
 * line or its default variant's. BAD_USER_INPUT on `<field>.productId` / `<field>.variantId`.
 */
export function resolveLine(order: Pick<OrderDoc, 'items'>, wanted: QuantityInput, field: string): OrderLine {
  const ofProduct = order.items.filter((item) => item.productId === wanted.productId);
  if (ofProduct.length === 0) {
    throw badUserInput('This product is not a line of the order', `${field}.productId`);
  }
  if (wanted.variantId != null) {
    const line = ofProduct.find((item) => lineVariant(item) === wanted.variantId);
    if (!line) throw badUserInput('This variant is not a line of the order', `${field}.variantId`);
    return line;
  }
  if (ofProduct.length === 1) return ofProduct[0]!;
  const byDefault = ofProduct.find((item) => lineVariant(item) === item.productId);
  if (!byDefault) {
    throw badUserInput(
      'The order has several variants of this product: name the variantId',
      `${field}.variantId`,
    );
  }
  return byDefault;
}

/**
 * Lines asked for by a client (a shipment's, a return's), checked against the order and against
 * how many units of each line are still available for it (`budget.left`): every variant an order
 * line, once; every quantity a positive integer no larger than what is left. Errors are
 * BAD_USER_INPUT naming `<field>[i].productId` / `.variantId` / `.quantity`.
 */
export function fulfilmentLines(
  order: PricedOrder,
  requested: readonly QuantityInput[],
  budget: LineBudget,
  field: string,
  what: string,
): FulfilmentLine[] {
  if (!Array.isArray(requested) || requested.length === 0) {
    throw badUserInput(`${field} must name at least one line`, field);
  }
  const seen = new Set<OrderLine>();
  return requested.map((wanted, i) => {
    const line = resolveLine(order, wanted, `${field}[${i}]`);
    if (seen.has(line)) {
      throw badUserInput(
        'The same line is named twice',
        `${field}[${i}].${wanted.variantId != null ? 'variantId' : 'productId'}`,
      );
    }
    seen.add(line);
    const available = budget.left(line);
    if (!Number.isSafeInteger(wanted.quantity) || wanted.quantity < 1) {
      throw badUserInput('quantity must be a positive integer', `${field}[${i}].quantity`);
    }
    if (wanted.quantity > available) {
      throw badUserInput(
        `quantity ${wanted.quantity} is more than the ${available} ${what} of ${line.sku}`,
        `${field}[${i}].quantity`,
        { available },
      );
    }
    return toFulfilmentLine(order, line, budget.counted(line), wanted.quantity);
  });
}

/**
 * `quantity` units of `line`, after `before` of its units were counted (shipped, or returned), with
 * their net amount: their share of the line's price, discounts and tax (services/line-net.ts), so
 * shipments (what payments captures) and returns (what payments refunds) add up to the line's net.
 */
export function toFulfilmentLine(
  order: PricedOrder,
  line: OrderLine,
  before: number,
  quantity: number,
): FulfilmentLine {
  const net = lineNetAmounts(order)[order.items.indexOf(line)] ?? 0;
  return {
    productId: line.productId,
    variantId: lineVariant(line),
    sku: line.sku,
    quantity,
    amount: unitsNetAmount(net, line.quantity, before, quantity),
  };
}

export function sumAmounts(lines: readonly { amount: number }[]): number {
  return lines.reduce((sum, line) => sum + line.amount, 0);
}

/** Units of each variant (`lineVariant`) in a list of lines (of shipments, of returns). */
export function quantitiesByVariant(
  lines: Iterable<{ productId: string; variantId?: string | null; quantity: number }>,
): Map<string, number> {
  const totals = new Map<string, number>();
  for (const line of lines) {
    const key = lineVariant(line);
    totals.set(key, (totals.get(key) ?? 0) + line.quantity);
  }
  return totals;
}
