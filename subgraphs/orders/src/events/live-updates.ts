import { type CatalogEvent, type DirectConsumer, type LiveBus } from '@novamart/events';

/** What `order:<orderId>` and `user-orders:<userId>` carry. */
export interface OrderLiveMessage {
  orderId: string;
  userId: string | null;
  status: string;
  previousStatus: string | null;
  reason: string | null;
  at: string;
  /** The `order.status_changed` event's id: a redelivered event repeats it, so a listener can drop the copy. */
  eventId: string;
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
 * Publishes status changes to the live bus from the orders subgraph's own `order.status_changed`
 * events: they leave the outbox only after the change committed, and the bus redelivers them after
 * a crash, so a subscriber never misses one (and may, rarely, see one twice: same eventId).
 */
export function liveUpdatesConsumer(live: LiveBus): DirectConsumer {
  return {
    group: LIVE_GROUP,
    idempotentBy: 'a live message carries its eventId; listeners drop a redelivered copy',
    handlers: {
      'order.status_changed': async (event) => {
        const message = liveMessage(event);
        await live.publish(orderChannel(message.orderId), message);
        if (message.userId) await live.publish(userOrdersChannel(message.userId), message);
      },
    },
  };
}
