import { createEvent, type CancellationCode, type DomainEvent, type EventPayload } from '@novamart/events';
import { type OrderDoc, type OrderStatus } from '../models/order';

/** The payloads are the event catalog's (packages/events/src/catalog.ts). */
export type { CancellationCode } from '@novamart/events';

export function orderPlaced(order: OrderDoc): DomainEvent<EventPayload<'order.placed'>> {
  return createEvent('order.placed', order._id, {
    orderId: order._id,
    userId: order.userId ?? null,
    email: order.email,
    cartId: order.cartId,
    lines: order.items.map(
      ({ productId, variantId, variantTitle, selectedOptions, sku, name, quantity, unitAmount }) => ({
        productId,
        variantId: variantId ?? productId,
        ...(variantTitle !== undefined ? { variantTitle } : {}),
        ...(selectedOptions !== undefined ? { selectedOptions } : {}),
        sku,
        name,
        quantity,
        unitAmount,
      }),
    ),
    subtotal: order.subtotal,
    shippingCost: order.shippingCost,
    taxTotal: order.taxTotal ?? 0,
    pricesIncludeTax: order.pricesIncludeTax ?? false,
    total: order.total,
    currency: order.currency,
    ...(order.discounts?.length
      ? { discountTotal: order.discountTotal ?? 0, shippingDiscount: order.shippingDiscount ?? 0 }
      : {}),
  });
}

export interface StepContext {
  /** The order as it is after the step. */
  order: OrderDoc;
  previousStatus: OrderStatus;
  reason: string;
  at: Date;
  cancellationCode?: CancellationCode;
}

/** `order.status_changed` for every transition, plus the event named after the new status. */
export function stepEvents(step: StepContext): DomainEvent<any>[] {
  const { order, previousStatus, reason, at } = step;
  const statusChanged = createEvent('order.status_changed', order._id, {
    orderId: order._id,
    userId: order.userId ?? null,
    email: order.email,
    status: order.status,
    previousStatus,
    reason,
    at: at.toISOString(),
  });
  const named = statusEvent(step);
  return named ? [statusChanged, named] : [statusChanged];
}

/** The event named after the status the order reached, for the statuses that have one. */
function statusEvent({ order, reason, cancellationCode }: StepContext): DomainEvent<any> | null {
  const whose = { orderId: order._id, userId: order.userId ?? null };
  switch (order.status) {
    case 'PAID':
      return createEvent('order.paid', order._id, {
        ...whose,
        paymentId: order.payment?.paymentId ?? null,
        lines: order.items.map(({ productId, quantity }) => ({ productId, quantity })),
      });
    case 'CANCELLED':
      return createEvent('order.cancelled', order._id, {
        ...whose,
        email: order.email,
        reason,
        reasonCode: cancellationCode ?? 'ADMIN',
        wasPaid: order.payment !== undefined,
        paymentId: order.payment?.paymentId ?? null,
        reservationId: order.reservationId ?? null,
      });
    case 'SHIPPED':
      return createEvent('order.shipped', order._id, {
        ...whose,
        email: order.email,
        carrier: order.carrier ?? null,
        trackingNumber: order.trackingNumber ?? null,
        // Each was announced (and mailed) by its own shipment.created.
        ...(order.shipments?.length ? { shipmentIds: order.shipments.map((shipment) => shipment._id) } : {}),
      });
    case 'DELIVERED':
      return createEvent('order.delivered', order._id, whose);
    default:
      return null;
  }
}
