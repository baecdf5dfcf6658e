import { type CatalogEvent, type DirectConsumer, type LiveBus } from '@novamart/events';
import { type OrderDoc } from '../models/order';

/** What `order:<orderId>` and `user-orders:<userId>` carry. */
export interface OrderLiveMessage {
  orderId: string;
  userId: string | null;
  status: string;
  previousStatus: string | null;
  reason: string | null;
  at: string;
  /** The `order.status_changed` (or `shipment.created`) event's id: a redelivered event repeats it, so a listener can drop the copy. */
  eventId: string;
  /** A message about a shipment (`shipment.created`) carries it; status messages do not. */
  shipmentId?: string;
  carrier?: string;
  trackingNumber?: string;
  trackingUrl?: string | null;
}

export const LIVE_GROUP = 'orders-live';

export function orderChannel(orderId: string): string {
  return `order:${orderId}`;
}

export function userOrdersChannel(userId: string): string {
  return `user-orders:${userId}`;
}

export function liveMessage(event: CatalogEvent<'order.status_changed'>): OrderLiveMessage {
  const { orderId, userId, status, previousStatus, reason, at } = event.payload;
  return { orderId, userId, status, previousStatus, reason, at, eventId: event.id };
}

/**
 * A shipment on its way: the order's status as it is now (the shipment's own status step, if any,
 * has its own message) and the shipment's tracking link.
 */
export function shipmentMessage(
  event: CatalogEvent<'shipment.created'>,
  order: Pick<OrderDoc, 'userId' | 'status'>,
): OrderLiveMessage {
  const { orderId, shipmentId, carrier, trackingNumber, trackingUrl } = event.payload;
  return {
    orderId,
    userId: order.userId ?? null,
    status: order.status,
    previousStatus: null,
    reason: `Shipment with ${carrier}, tracking ${trackingNumber}`,
    at: event.occurredAt,
    eventId: event.id,
    shipmentId,
    carrier,
    trackingNumber,
    trackingUrl,
  };
}

/**
 * Publishes status changes and shipments to the live bus from the orders subgraph's own
 * `order.status_changed` and `shipment.created` events: they are published only once the write
 * carrying them succeeded, and the bus redelivers them after a crash, so a subscriber never misses one (and may,
 * rarely, see one twice: same eventId).
 */
export function liveUpdatesConsumer(
  live: LiveBus,
  orders: { byIds(ids: readonly string[]): Promise<(OrderDoc | null)[]> },
): DirectConsumer {
  const publish = async (message: OrderLiveMessage) => {
    await live.publish(orderChannel(message.orderId), message);
    if (message.userId) await live.publish(userOrdersChannel(message.userId), message);
  };
  return {
    group: LIVE_GROUP,
    idempotentBy: 'a live message carries its eventId; listeners drop a redelivered copy',
    handlers: {
      'order.status_changed': (event) => publish(liveMessage(event)),
      'shipment.created': async (event) => {
        const [order] = await orders.byIds([event.payload.orderId]);
        if (order) await publish(shipmentMessage(event, order));
      },
    },
  };
}
