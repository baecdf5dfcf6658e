import { type ConsumerDeclaration } from '@novamart/events';
import { type DiscountService } from '../services/discount-service';

/** The consumer group of the promotions subgraph on the event bus. */
export const PROMOTIONS_GROUP = 'promotions';

/**
 * `order.placed` confirms an order's redemptions (no longer a hold the sweeper releases). An
 * order cancelled before it was paid gives its promotions' uses back (in the consumer's
 * transaction, once per event). A paid order that is cancelled keeps them: the customer used the
 * code, and the refund is the payments subgraph's business.
 */
export function promotionsConsumer(discounts: DiscountService): ConsumerDeclaration {
  return {
    group: PROMOTIONS_GROUP,
    handlers: {
      'order.placed': async (event, { session }) => {
        await discounts.markPlaced(event.payload.orderId, session);
      },
      'order.cancelled': async (event, { session, outbox }) => {
        if (event.payload.wasPaid) return;
        await discounts.release(event.payload.orderId, 'ORDER_CANCELLED', { session, outbox });
      },
    },
  };
}
