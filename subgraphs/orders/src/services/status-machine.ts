import { conflict } from '@novamart/kit';
import { type OrderDoc, type OrderStatus } from '../models/order';

/**
 * The order lifecycle. PENDING → AWAITING_PAYMENT (stock reserved) → PAID → SHIPPED → DELIVERED;
 * PAID → PROCESSING when a first shipment leaves with some units still unshipped, PROCESSING →
 * SHIPPED when the last unit is shipped (a shipment of everything goes PAID → SHIPPED directly);
 * SHIPPED → DELIVERED when every shipment is delivered (services/fulfilment.ts). CANCELLED before
 * any shipment (PROCESSING is not cancellable: part of it is on its way); REFUNDED once refunds
 * cover the total of a paid order (also after a paid order was cancelled, which is what a
 * cancellation refund ends in).
 */
export const TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  PENDING: ['AWAITING_PAYMENT', 'CANCELLED'],
  AWAITING_PAYMENT: ['PAID', 'CANCELLED'],
  PAID: ['PROCESSING', 'SHIPPED', 'CANCELLED', 'REFUNDED'],
  PROCESSING: ['SHIPPED', 'REFUNDED'],
  SHIPPED: ['DELIVERED', 'REFUNDED'],
  DELIVERED: ['REFUNDED'],
  CANCELLED: ['REFUNDED'],
  REFUNDED: [],
};

/** Statuses a customer or an admin may cancel from: anything before the first shipment. */
export const CANCELLABLE: readonly OrderStatus[] = ['PENDING', 'AWAITING_PAYMENT', 'PAID'];

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export function assertTransition(from: OrderStatus, to: OrderStatus): void {
  if (!canTransition(from, to)) {
    throw conflict(`An order that is ${from} cannot become ${to}`, { status: from, requestedStatus: to });
  }
}

export interface Step {
  to: OrderStatus;
  reason: string;
}

export function amountRefunded(order: Pick<OrderDoc, 'refunds'>): number {
  return order.refunds.reduce((sum, refund) => sum + refund.amount, 0);
}

/** The payment recorded on the order pays it in full, in its currency. */
export function paysInFull(order: Pick<OrderDoc, 'payment' | 'total' | 'currency'>): boolean {
  return (
    order.payment !== undefined &&
    order.payment.amount === order.total &&
    order.payment.currency === order.currency
  );
}

/**
 * The transitions an order's recorded facts call for, in order. Events from different streams
 * arrive in any order (a payment before the reservation, a refund before the payment), so the
 * handlers record facts and the status follows from them:
 * - reserved (a reservation id) while PENDING → AWAITING_PAYMENT;
 * - paid in full while AWAITING_PAYMENT → PAID;
 * - refunds covering the total of a paid order → REFUNDED.
 */
export function derivedSteps(
  order: Pick<OrderDoc, 'status' | 'reservationId' | 'payment' | 'refunds' | 'total' | 'currency'>,
): Step[] {
  const steps: Step[] = [];
  let status = order.status;
  if (status === 'PENDING' && order.reservationId !== undefined) {
    steps.push({ to: 'AWAITING_PAYMENT', reason: 'Stock reserved' });
    status = 'AWAITING_PAYMENT';
  }
  if (status === 'AWAITING_PAYMENT' && paysInFull(order)) {
    steps.push({ to: 'PAID', reason: 'Payment succeeded' });
    status = 'PAID';
  }
  const paid = order.payment !== undefined;
  if (paid && order.total > 0 && amountRefunded(order) >= order.total && canTransition(status, 'REFUNDED')) {
    steps.push({ to: 'REFUNDED', reason: 'Refunded in full' });
  }
  return steps;
}
