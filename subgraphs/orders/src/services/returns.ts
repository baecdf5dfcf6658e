import { randomUUID } from 'node:crypto';
import { createEvent } from '@novamart/events';
import { badUserInput, conflict, forbidden, notFound, type Viewer } from '@novamart/kit';
import {
  type FulfilmentLine,
  type OrderDoc,
  type OrderLine,
  type ReturnRequest,
  type ReturnStatus,
} from '../models/order';
import { type OrderChange } from './lifecycle';
import {
  fulfilmentLines,
  lineVariant,
  quantitiesByVariant,
  resolveLine,
  sumAmounts,
  type QuantityInput,
} from './line-amounts';
import { optionalText, requiredText } from './text-input';

/**
 * Returns, embedded in the order (`orders.returns`): REQUESTED by the customer → APPROVED or
 * REJECTED by SUPPORT → RECEIVED (SUPPORT or DISPATCHER, restocked or written off). A line's units
 * are returnable once delivered, for `RETURN_WINDOW_DAYS` after the latest delivery of that line,
 * less the units already in a return that was not rejected. The order's status does not change;
 * the refund of `return.received` turns it REFUNDED only if refunds then cover the whole total.
 */
export interface ReturnInput {
  lines: QuantityInput[];
  reason: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Units of a line delivered, and when the last of them arrived. */
function deliveredOf(order: OrderDoc, line: OrderLine): { quantity: number; lastAt: Date | null } {
  let quantity = 0;
  let lastAt: Date | null = null;
  for (const shipment of order.shipments ?? []) {
    if (shipment.status !== 'DELIVERED' || !shipment.deliveredAt) continue;
    const shipped = shipment.lines.find((l) => lineVariant(l) === lineVariant(line));
    if (!shipped) continue;
    quantity += shipped.quantity;
    if (!lastAt || shipment.deliveredAt > lastAt) lastAt = shipment.deliveredAt;
  }
  return { quantity, lastAt };
}

/** Units of a line (of its variant) in returns that were not rejected. */
function claimedQuantity(order: OrderDoc, line: OrderLine): number {
  const claimed = quantitiesByVariant(
    (order.returns ?? []).filter((r) => r.status !== 'REJECTED').flatMap((r) => r.lines),
  );
  return claimed.get(lineVariant(line)) ?? 0;
}

/** Delivered units of a line not in a return that was not rejected. */
export function returnableQuantity(order: OrderDoc, line: OrderLine): number {
  return deliveredOf(order, line).quantity - claimedQuantity(order, line);
}

/** Every requested line delivered, and delivered within the window. */
function assertWithinWindow(order: OrderDoc, input: ReturnInput, at: Date, windowDays: number): void {
  (Array.isArray(input.lines) ? input.lines : []).forEach((wanted, i) => {
    const line = resolveLine(order, wanted, `input.lines[${i}]`);
    const { quantity, lastAt } = deliveredOf(order, line);
    const field = `input.lines[${i}].${wanted.variantId != null ? 'variantId' : 'productId'}`;
    if (quantity === 0 || !lastAt) throw badUserInput(`${line.sku} has not been delivered yet`, field);
    const until = new Date(lastAt.getTime() + windowDays * DAY_MS);
    if (at > until) {
      throw badUserInput(
        `The ${windowDays}-day return window of ${line.sku} ended on ${until.toISOString()}`,
        field,
        { returnWindowDays: windowDays, returnableUntil: until.toISOString() },
      );
    }
  });
}

/** The customer's return request (OWNER: the order's customer, or an admin). */
export function planReturnRequest(
  order: OrderDoc,
  viewer: Viewer,
  input: ReturnInput,
  context: { at: Date; windowDays: number },
): { change: OrderChange; request: ReturnRequest } {
  if (viewer.role !== 'ADMIN' && viewer.id !== order.userId) {
    throw forbidden('Only the customer who placed the order can return its lines');
  }
  const reason = requiredText(input.reason, 'input.reason', 500);
  assertWithinWindow(order, input, context.at, context.windowDays);
  const lines = fulfilmentLines(
    order,
    input.lines,
    { left: (line) => returnableQuantity(order, line), counted: (line) => claimedQuantity(order, line) },
    'input.lines',
    'delivered units that can still be returned',
  );
  const request: ReturnRequest = {
    _id: randomUUID(),
    lines,
    amount: sumAmounts(lines),
    reason,
    status: 'REQUESTED',
    requestedBy: viewer.id,
    requestedAt: context.at,
    decidedBy: null,
    decidedAt: null,
    decisionReason: null,
    receivedBy: null,
    receivedAt: null,
    restock: null,
  };
  return {
    request,
    change: {
      set: { returns: [...(order.returns ?? []), request] },
      events: [
        createEvent('return.requested', order._id, {
          ...returnedGoods(order, request),
          reason,
        }),
      ],
    },
  };
}

function returnFacts(order: OrderDoc, request: ReturnRequest) {
  return { returnId: request._id, orderId: order._id, userId: order.userId ?? null };
}

/** The facts and what comes back: the events about the goods themselves (requested, received). */
function returnedGoods(order: OrderDoc, request: ReturnRequest) {
  return {
    ...returnFacts(order, request),
    lines: request.lines,
    amount: request.amount,
    currency: order.currency,
  };
}

/**
 * The return `returnId` of the order, which must be in `from`, moved to `to` with `update` (given
 * the return as it is); the order's returns with it replaced.
 */
function moveReturn(
  order: OrderDoc,
  returnId: string,
  move: { from: ReturnStatus; to: ReturnStatus },
  update: (current: ReturnRequest) => Partial<ReturnRequest>,
): { request: ReturnRequest; returns: ReturnRequest[] } {
  const current = (order.returns ?? []).find((r) => r._id === returnId);
  if (!current) throw notFound('Return', { returnId });
  if (current.status !== move.from) {
    throw conflict(`A return that is ${current.status} cannot be ${move.to.toLowerCase()}`, {
      status: current.status,
    });
  }
  const request = { ...current, ...update(current), status: move.to };
  return { request, returns: (order.returns ?? []).map((r) => (r._id === returnId ? request : r)) };
}

/** SUPPORT approves (reason optional) or rejects (reason required) a REQUESTED return. */
export function planReturnDecision(
  order: OrderDoc,
  returnId: string,
  decision: { approve: boolean; by: string; reason: string | null | undefined; at: Date },
): OrderChange {
  const reason = decision.approve
    ? optionalText(decision.reason, 'reason')
    : requiredText(decision.reason ?? '', 'reason', 500);
  const to = decision.approve ? 'APPROVED' : 'REJECTED';
  const { request, returns } = moveReturn(order, returnId, { from: 'REQUESTED', to }, () => ({
    decidedBy: decision.by,
    decidedAt: decision.at,
    decisionReason: reason,
  }));
  const facts = returnFacts(order, request);
  return {
    set: { returns },
    events: [
      decision.approve
        ? createEvent('return.approved', order._id, { ...facts, approvedBy: decision.by, reason })
        : createEvent('return.rejected', order._id, { ...facts, rejectedBy: decision.by, reason: reason! }),
    ],
  };
}

/** The receiver's choice for one line of the return, named as the return's lines name it. */
export interface ReceiveReturnLineInput {
  variantId: string;
  restock: boolean;
  /** Units going back to stock, the rest written off; absent: every unit (`restock`) or none. */
  restockQuantity?: number | null;
}

/**
 * Units of `line` going back to stock by `choice`: its `restockQuantity`, a whole number from 0 to
 * the line's quantity, and 0 with `restock: false` (a line written off puts nothing back); without
 * one, every unit or none by `restock`. BAD_USER_INPUT on `<field>.restockQuantity` otherwise.
 */
function unitsBack(line: FulfilmentLine, choice: ReceiveReturnLineInput, field: string): number {
  const units = choice.restockQuantity;
  if (units == null) return choice.restock ? line.quantity : 0;
  if (!Number.isSafeInteger(units) || units < 0 || units > line.quantity) {
    throw badUserInput(
      `restockQuantity must be a whole number from 0 to ${line.quantity}, the units returned`,
      `${field}.restockQuantity`,
      { max: line.quantity },
    );
  }
  if (!choice.restock && units !== 0) {
    throw badUserInput(
      'A line written off (restock: false) puts no unit back: restockQuantity must be 0',
      `${field}.restockQuantity`,
    );
  }
  return units;
}

/**
 * Each line of the return with the receiver's choice: its own when `choices` names it, else the
 * whole return's `restock` (every unit or none). A choice naming no line of the return, or a line
 * named twice, is BAD_USER_INPUT on `lines[i].variantId`, a quantity out of range on
 * `lines[i].restockQuantity` (thrown before anything is written). A line is `restocked` when at
 * least one of its units goes back.
 */
function receivedLines(
  request: ReturnRequest,
  restock: boolean,
  choices: readonly ReceiveReturnLineInput[] | null | undefined,
): FulfilmentLine[] {
  const chosen = new Map<string, number>();
  (Array.isArray(choices) ? choices : []).forEach((choice, i) => {
    const field = `lines[${i}]`;
    const variantId = typeof choice?.variantId === 'string' ? choice.variantId.trim() : '';
    const line = request.lines.find((l) => lineVariant(l) === variantId);
    if (!line) throw badUserInput('The return has no line of this variant', `${field}.variantId`);
    if (chosen.has(variantId)) throw badUserInput('The same line is named twice', `${field}.variantId`);
    if (typeof choice.restock !== 'boolean') {
      throw badUserInput('restock must be true or false', `${field}.restock`);
    }
    chosen.set(variantId, unitsBack(line, choice, field));
  });
  return request.lines.map((line) => {
    const units = chosen.get(lineVariant(line)) ?? (restock ? line.quantity : 0);
    return { ...line, restocked: units > 0, restockedQuantity: units };
  });
}

/**
 * Units of a return's line put back to stock, null until the return is RECEIVED. A return received
 * before partial restocks recorded no number: every unit of a line `restocked` (its own flag, else,
 * before per-line choices, the return's), none of one written off.
 */
export function restockedQuantityOf(request: ReturnRequest, line: FulfilmentLine): number | null {
  if (request.status !== 'RECEIVED') return null;
  if (line.restockedQuantity != null) return line.restockedQuantity;
  const restocked = line.restocked ?? request.restock;
  return restocked == null ? null : restocked ? line.quantity : 0;
}

/**
 * SUPPORT or DISPATCHER: the parcel of an APPROVED return arrived; inventory and payments follow.
 * Each line's units go back to stock or are written off (`lines`, else `restock` for all: every
 * unit or none), recorded on the return's lines in the same write as RECEIVED; the return's
 * `restock` is true when any unit went back.
 */
export function planReturnReceived(
  order: OrderDoc,
  returnId: string,
  receipt: { by: string; restock: boolean; lines?: readonly ReceiveReturnLineInput[] | null; at: Date },
): OrderChange {
  if (typeof receipt.restock !== 'boolean') throw badUserInput('restock must be true or false', 'restock');
  const { request, returns } = moveReturn(
    order,
    returnId,
    { from: 'APPROVED', to: 'RECEIVED' },
    (current) => {
      const lines = receivedLines(current, receipt.restock, receipt.lines);
      return {
        lines,
        receivedBy: receipt.by,
        receivedAt: receipt.at,
        restock: lines.some((line) => line.restocked),
      };
    },
  );
  return {
    set: { returns },
    events: [
      createEvent('return.received', order._id, {
        ...returnedGoods(order, request),
        // `restockQuantity` is what goes back. A consumer from before partial restocks puts a line's
        // whole `quantity` back by its `restock`, one from before per-line choices every line by
        // the top-level flag: each is true only when every unit it covers goes back, so such a
        // consumer writes a partly restocked line off rather than put written-off units up for sale.
        lines: request.lines.map(({ restocked: _restocked, restockedQuantity = 0, ...line }) => ({
          ...line,
          restock: restockedQuantity === line.quantity,
          restockQuantity: restockedQuantity,
        })),
        restock: request.lines.every((line) => line.restockedQuantity === line.quantity),
        approvedBy: request.decidedBy!,
        receivedBy: receipt.by,
      }),
    ],
  };
}
