import { randomUUID } from 'node:crypto';
import { createEvent } from '@novamart/events';
import { conflict, notFound } from '@novamart/kit';
import { type OrderDoc, type OrderLine, type OrderStatus, type Shipment } from '../models/order';
import { type OrderChange } from './lifecycle';
import {
  fulfilmentLines,
  lineVariant,
  quantitiesByVariant,
  sumAmounts,
  toFulfilmentLine,
  type QuantityInput,
} from './line-amounts';
import { httpUrl, requiredText } from './text-input';

/**
 * Shipments, embedded in the order (`orders.shipments`), so a shipment and the status it moves the
 * order to are one compare-and-set of the order:
 * - a shipment leaves with some units still unshipped: PAID → PROCESSING (PROCESSING stays);
 * - the shipment that ships the last unit: PAID or PROCESSING → SHIPPED;
 * - the delivery of the last undelivered shipment of a SHIPPED order: → DELIVERED.
 * Each shipment publishes `shipment.created` (payments captures its amount, notifications mails
 * ORDER_SHIPPED, the live feed carries its tracking link).
 */
export const SHIPPABLE: readonly OrderStatus[] = ['PAID', 'PROCESSING'];

export interface ShipmentInput {
  /** Null: every unit not shipped yet. */
  lines?: QuantityInput[] | null;
  carrier: string;
  trackingNumber: string;
  /** Null only for `markOrderShipped`, which has none. */
  trackingUrl?: string | null;
}

/** Units of an order line (of its variant) in shipments already. */
export function shippedQuantity(order: Pick<OrderDoc, 'shipments'>, line: OrderLine): number {
  const shipped = quantitiesByVariant((order.shipments ?? []).flatMap((s) => s.lines));
  return shipped.get(lineVariant(line)) ?? 0;
}

/** Units of an order line not in any shipment yet. */
export function unshippedQuantity(order: Pick<OrderDoc, 'shipments'>, line: OrderLine): number {
  return line.quantity - shippedQuantity(order, line);
}

/** The change that records a new shipment (see above); `prefix` names the input's fields. */
export function planShipment(
  order: OrderDoc,
  input: ShipmentInput,
  context: { by: string | null; at: Date; prefix: string },
): { change: OrderChange; shipment: Shipment } {
  const field = (name: string) => (context.prefix ? `${context.prefix}.${name}` : name);
  const carrier = requiredText(input.carrier, field('carrier'), 100);
  const trackingNumber = requiredText(input.trackingNumber, field('trackingNumber'), 100);
  const trackingUrl = input.trackingUrl == null ? null : httpUrl(input.trackingUrl, field('trackingUrl'));
  if (!SHIPPABLE.includes(order.status)) {
    throw conflict(`An order that is ${order.status} cannot be shipped`, { status: order.status });
  }
  const lines =
    input.lines == null
      ? order.items
          .map((line) =>
            toFulfilmentLine(order, line, shippedQuantity(order, line), unshippedQuantity(order, line)),
          )
          .filter((line) => line.quantity > 0)
      : fulfilmentLines(
          order,
          input.lines,
          { left: (line) => unshippedQuantity(order, line), counted: (line) => shippedQuantity(order, line) },
          field('lines'),
          'units left to ship',
        );
  if (lines.length === 0) throw conflict('Every unit of the order has shipped', { status: order.status });
  const shipment: Shipment = {
    _id: randomUUID(),
    lines,
    amount: sumAmounts(lines),
    carrier,
    trackingNumber,
    trackingUrl,
    status: 'SHIPPED',
    shippedBy: context.by,
    shippedAt: context.at,
    deliveredAt: null,
  };
  const shipments = [...(order.shipments ?? []), shipment];
  const complete = order.items.every((line) => unshippedQuantity({ shipments }, line) === 0);
  const reason = `Shipped with ${carrier}, tracking ${trackingNumber}`;
  const steps = complete
    ? [{ to: 'SHIPPED' as const, reason }]
    : order.status === 'PAID'
      ? [{ to: 'PROCESSING' as const, reason: `Partly shipped with ${carrier}, tracking ${trackingNumber}` }]
      : [];
  return {
    shipment,
    change: {
      set: { shipments, carrier, trackingNumber },
      steps,
      events: [shipmentCreated(order, shipment, complete)],
    },
  };
}

/** `final`: this shipment ships the order's last unit (payments then captures the rest: shipping, its tax). */
function shipmentCreated(order: OrderDoc, shipment: Shipment, final: boolean) {
  return createEvent('shipment.created', order._id, {
    orderId: order._id,
    shipmentId: shipment._id,
    lines: shipment.lines.map(({ productId, variantId, sku, quantity, amount }) => ({
      productId,
      variantId,
      sku,
      quantity,
      amount,
    })),
    amount: shipment.amount,
    final,
    currency: order.currency,
    carrier: shipment.carrier,
    trackingNumber: shipment.trackingNumber,
    trackingUrl: shipment.trackingUrl,
  });
}

/** One shipment delivered; the order DELIVERED when it was SHIPPED and this was the last one out. */
export function planShipmentDelivered(order: OrderDoc, shipmentId: string, at: Date): OrderChange {
  const shipments = order.shipments ?? [];
  const target = shipments.find((shipment) => shipment._id === shipmentId);
  if (!target) throw notFound('Shipment', { shipmentId });
  if (target.status === 'DELIVERED') {
    throw conflict('This shipment is already delivered', { status: target.status });
  }
  const next = shipments.map((shipment) =>
    shipment._id === shipmentId ? { ...shipment, status: 'DELIVERED' as const, deliveredAt: at } : shipment,
  );
  const allDelivered = next.every((shipment) => shipment.status === 'DELIVERED');
  return {
    set: { shipments: next },
    steps: allDelivered && order.status === 'SHIPPED' ? [{ to: 'DELIVERED', reason: 'Delivered' }] : [],
  };
}

/** `markOrderDelivered`: every shipment delivered and the order DELIVERED (only from SHIPPED). */
export function planOrderDelivered(order: OrderDoc, at: Date): OrderChange {
  const shipments = (order.shipments ?? []).map((shipment) =>
    shipment.status === 'DELIVERED'
      ? shipment
      : { ...shipment, status: 'DELIVERED' as const, deliveredAt: at },
  );
  return {
    ...(order.shipments ? { set: { shipments } } : {}),
    steps: [{ to: 'DELIVERED', reason: 'Delivered' }],
  };
}
