import { badUserInput, conflict } from '@novamart/kit';
import { lineVariantId, type ReservationDoc } from '../models/reservation';

/**
 * A received return as inventory restocks it (the `return.received` payload, or orders' call,
 * which names only the lines going back to stock, each with the units going back as `quantity`).
 * A line's own `restockQuantity` is the units going back; a line without one (an event published
 * before partial restocks) goes back whole by its own `restock`, and a line without that either
 * (before per-line choices, or the call) by the top-level flag.
 */
export interface ReturnRestock {
  returnId: string;
  orderId: string;
  restock: boolean;
  lines: readonly {
    productId: string;
    variantId?: string | null;
    quantity: number;
    restock?: boolean;
    restockQuantity?: number;
  }[];
}

/** The lines of a received return that go back to stock, each with the units going back as `quantity`. */
export function linesToRestock(received: ReturnRestock): ReturnRestock['lines'] {
  return received.lines
    .map((line) => {
      const back = line.restockQuantity ?? ((line.restock ?? received.restock) ? line.quantity : 0);
      return { ...line, quantity: Math.min(back, line.quantity) };
    })
    .filter((line) => line.quantity > 0);
}

const MAX_ID = 200;
const MAX_LINES = 100;

function idOf(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > MAX_ID)
    throw badUserInput(`${field} is not a valid id`, field);
  return value.trim();
}

/** The call's input, validated: ids, a boolean restock, one to 100 lines of positive quantities. */
export function returnRestockArg(input: ReturnRestock): ReturnRestock {
  if (typeof input?.restock !== 'boolean')
    throw badUserInput('restock must be true or false', 'input.restock');
  const lines = Array.isArray(input.lines) ? input.lines : [];
  if (lines.length < 1 || lines.length > MAX_LINES)
    throw badUserInput(`A return has 1 to ${MAX_LINES} lines`, 'input.lines');
  return {
    returnId: idOf(input.returnId, 'input.returnId'),
    orderId: idOf(input.orderId, 'input.orderId'),
    restock: input.restock,
    lines: lines.map((line, i) => {
      const field = `input.lines[${i}]`;
      if (!Number.isSafeInteger(line.quantity) || line.quantity < 1)
        throw badUserInput('quantity must be a positive integer', `${field}.quantity`);
      return {
        productId: idOf(line.productId, `${field}.productId`),
        ...(line.variantId != null ? { variantId: idOf(line.variantId, `${field}.variantId`) } : {}),
        quantity: line.quantity,
      };
    }),
  };
}

/**
 * What inventory knows of the order backs the return: its reservation was committed (the units
 * were sold) and holds every returned item in at least the returned quantity.
 */
export function assertSoldToOrder(reservation: ReservationDoc | null, received: ReturnRestock): void {
  if (!reservation || reservation.status !== 'COMMITTED')
    throw conflict('Inventory has no sale for this order to take a return of', { orderId: received.orderId });
  received.lines.forEach((line, i) => {
    const sold = reservation.lines
      .filter((held) => lineVariantId(held) === lineVariantId(line))
      .reduce((sum, held) => sum + held.quantity, 0);
    if (line.quantity > sold)
      throw badUserInput(
        `More units returned than were sold to the order (${sold})`,
        `input.lines[${i}].quantity`,
      );
  });
}
