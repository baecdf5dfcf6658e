import { badUserInput } from '@novamart/kit';
import { type FulfilmentLine, type OrderDoc, type OrderLine } from '../models/order';

/**
 * The net amount of `quantity` units of an order line, in minor units: what those units cost the
 * customer. Today that is the unit price × quantity; once discounts and tax exist, this is the one
 * place that adds the units' share of the line's tax and takes off their share of its discounts,
 * so shipments (what payments captures) and returns (what payments refunds) both follow.
 */
export function lineNetAmount(line: OrderLine, quantity: number): number {
  return line.unitAmount * quantity;
}

export interface QuantityInput {
  productId: string;
  quantity: number;
}

/**
 * Lines asked for by a client (a shipment's, a return's), checked against the order and against
 * how many units of each line are still available for it (`left`): every product an order line,
 * once; every quantity a positive integer no larger than what is left. Errors are BAD_USER_INPUT
 * naming `<field>[i].productId` / `<field>[i].quantity`.
 */
export function fulfilmentLines(
  order: Pick<OrderDoc, 'items'>,
  requested: readonly QuantityInput[],
  left: (line: OrderLine) => number,
  field: string,
  what: string,
): FulfilmentLine[] {
  if (!Array.isArray(requested) || requested.length === 0) {
    throw badUserInput(`${field} must name at least one line`, field);
  }
  const seen = new Set<string>();
  return requested.map((wanted, i) => {
    const line = order.items.find((item) => item.productId === wanted.productId);
    if (!line || seen.has(wanted.productId)) {
      throw badUserInput(
        line ? 'The same line is named twice' : 'This product is not a line of the order',
        `${field}[${i}].productId`,
      );
    }
    seen.add(wanted.productId);
    const available = left(line);
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
    return toFulfilmentLine(line, wanted.quantity);
  });
}

export function toFulfilmentLine(line: OrderLine, quantity: number): FulfilmentLine {
  return { productId: line.productId, sku: line.sku, quantity, amount: lineNetAmount(line, quantity) };
}

export function sumAmounts(lines: readonly { amount: number }[]): number {
  return lines.reduce((sum, line) => sum + line.amount, 0);
}

/** Units of each product in a list of lines (of shipments, of returns). */
export function quantitiesByProduct(
  lines: Iterable<{ productId: string; quantity: number }>,
): Map<string, number> {
  const totals = new Map<string, number>();
  for (const line of lines) totals.set(line.productId, (totals.get(line.productId) ?? 0) + line.quantity);
  return totals;
}
