import { type ConsumerDeclaration } from '@novamart/events';
import { type Purchases } from '../services/purchases';

export const CONSUMER_GROUP = 'reviews';

/**
 * `order.paid` records who bought what (guest orders have no reviewer). Idempotent twice over: the
 * consumer records the event id, and a purchase is keyed by customer and product.
 */
export function reviewsConsumer(purchases: Purchases): ConsumerDeclaration {
  return {
    group: CONSUMER_GROUP,
    handlers: {
      'order.paid': async (event, { session }) => {
        const { userId, orderId, lines } = event.payload;
        if (!userId) return;
        const at = new Date(event.occurredAt);
        await purchases.record(
          lines.map((line) => ({ userId, productId: line.productId, orderId, at })),
          session,
        );
      },
    },
  };
}
