import { type ConsumerDeclaration, type TransactionalHandler } from '@novamart/events';
import { type OrderLifecycle } from '../services/lifecycle';
import { type PaymentTrust } from '../services/payment-trust';
import { type Projections } from '../services/projections';

/** The consumer group of the orders subgraph on the event bus. */
export const ORDERS_GROUP = 'orders';

/**
 * What orders does with events, consumed under the group `orders`, each once per event inside
 * the consumer's transaction: projections of products, carts and customers, and the order's
 * side of the checkout saga (packages/events/src/saga.ts).
 */
export function ordersConsumer(deps: {
  lifecycle: OrderLifecycle;
  projections: Projections;
  paymentTrust: PaymentTrust;
}): ConsumerDeclaration {
  const { lifecycle, projections, paymentTrust } = deps;
  const product: TransactionalHandler<'product.created' | 'product.updated' | 'product.archived'> = async (
    event,
    { session },
  ) => {
    const snapshot = event.payload;
    await projections.applyProduct(
      event.type === 'product.archived' ? { ...snapshot, active: false } : snapshot,
      new Date(event.occurredAt),
      session,
    );
  };
  const customer: TransactionalHandler<'user.registered' | 'user.email_verified'> = (event, { session }) =>
    projections.applyCustomer(event.payload, session);
  return {
    group: ORDERS_GROUP,
    handlers: {
      'product.created': product,
      'product.updated': product,
      'product.archived': product,
      'product.price_changed': (event, { session }) =>
        projections.applyPrice(event.payload, new Date(event.occurredAt), session),
      'cart.updated': (event, { session }) => projections.applyCartUpdated(event.payload, session),
      'cart.deleted': (event, { session }) =>
        projections.applyCartDeleted(event.payload, new Date(event.occurredAt), session),
      'user.registered': customer,
      'user.email_verified': customer,
      'inventory.reserved': (event, { session, outbox }) =>
        lifecycle
          .forEvent(event.id)
          .recordReservation(event.payload.orderId, event.payload.reservationId, session, outbox),
      'inventory.reservation_failed': (event, { session, outbox }) =>
        lifecycle
          .forEvent(event.id)
          .cancelOutOfStock(event.payload.orderId, event.payload.lines, session, outbox),
      'inventory.reservation_expired': (event, { session, outbox }) =>
        lifecycle
          .forEvent(event.id)
          .cancelExpired(event.payload.orderId, event.payload.reservationId, session, outbox),
      'payment.status_changed': (event, { session }) => paymentTrust.recordAnnounced(event, session),
      // Money state moves only for a payment the payments subgraph announced for this order.
      'payment.succeeded': async (event, { session, outbox }) => {
        await paymentTrust.assertKnown(event, session);
        await lifecycle.forEvent(event.id).recordPayment(event.payload, session, outbox);
      },
      // FINANCE rejected the payment (above PAYMENT_APPROVAL_THRESHOLD): the order is cancelled.
      'payment.rejected': (event, { session, outbox }) =>
        lifecycle
          .forEvent(event.id)
          .cancelRejectedPayment(event.payload.orderId, event.payload.reason, session, outbox),
      'refund.succeeded': (event, { session, outbox }) =>
        lifecycle.forEvent(event.id).recordRefund(event.payload, session, outbox),
    },
  };
}
