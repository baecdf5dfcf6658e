import {
  type ConsumerDeclaration,
  type DirectConsumer,
  type DirectHandler,
  type StateIdempotentConsumer,
  type TransactionalHandler,
} from '@novamart/events';
import { type OrderLifecycle } from '../services/lifecycle';
import { type PaymentTrust } from '../services/payment-trust';
import { type Projections } from '../services/projections';
import { liveUpdatesConsumer } from './live-updates';

/** The consumer group of the orders subgraph on the event bus. */
export const ORDERS_GROUP = 'orders';

/**
 * The projection of products into orders, consumed under the group `orders`, each inside a
 * transaction (a product's variants are several rows). Idempotent by the state it reads, so without
 * the processed-event record (a `StateIdempotentConsumer`): catalog rows apply only what is newer
 * than their stamps.
 */
export function ordersConsumer(deps: { projections: Projections }): StateIdempotentConsumer {
  const { projections } = deps;
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
  return {
    group: ORDERS_GROUP,
    transactional: true,
    idempotentBy: 'catalog rows take only newer stamps',
    handlers: {
      'product.created': product,
      'product.updated': product,
      'product.archived': product,
      'product.price_changed': (event, { session }) =>
        projections.applyPrice(event.payload, new Date(event.occurredAt), session),
    },
  };
}

/**
 * The order's side of the checkout saga (packages/events/src/saga.ts), in the same group: each
 * effect decides on the order and writes it once, a compare-and-set of its revision carrying the
 * events it emits (`OrderLifecycle.write`, `DocumentEvents`), so neither a transaction nor the
 * processed-event record: a repeat finds its change there (the status moved on, the reservation,
 * payment or refund recorded) and writes nothing.
 */
export function orderSagaConsumer(deps: {
  lifecycle: OrderLifecycle;
  paymentTrust: PaymentTrust;
}): DirectConsumer {
  const { lifecycle, paymentTrust } = deps;
  return {
    group: ORDERS_GROUP,
    idempotentBy:
      'each effect is a compare-and-set of the order decided on what it read (a repeat finds its change made)',
    handlers: {
      'inventory.reserved': (event) =>
        lifecycle.forEvent(event.id).recordReservation(event.payload.orderId, event.payload.reservationId),
      'inventory.reservation_failed': (event) =>
        lifecycle.forEvent(event.id).cancelOutOfStock(event.payload.orderId, event.payload.lines),
      'inventory.reservation_expired': (event) =>
        lifecycle.forEvent(event.id).cancelExpired(event.payload.orderId, event.payload.reservationId),
      // Money state moves only for a payment the payments subgraph announced for this order.
      'payment.succeeded': async (event) => {
        const order = await paymentTrust.assertKnown(event);
        await lifecycle.forEvent(event.id).recordPayment(event.payload, order);
      },
      // FINANCE rejected the payment (above PAYMENT_APPROVAL_THRESHOLD): the order is cancelled.
      'payment.rejected': (event) =>
        lifecycle.forEvent(event.id).cancelRejectedPayment(event.payload.orderId, event.payload.reason),
      'refund.succeeded': (event) => lifecycle.forEvent(event.id).recordRefund(event.payload),
    },
  };
}

/**
 * Projections that are idempotent by their own state, in the same group: each event is one write
 * that applies only what is newer (a cart's revision) or only once (a payment's id on its order,
 * a customer's email), so they run without the idempotency record and transaction that would
 * triple the cost of the cart and payment events of every order.
 */
export function ordersProjectionConsumer(deps: {
  projections: Projections;
  paymentTrust: PaymentTrust;
}): DirectConsumer {
  const { projections, paymentTrust } = deps;
  const customer: DirectHandler<'user.registered' | 'user.email_verified'> = (event) =>
    projections.applyCustomer(event.payload);
  return {
    group: ORDERS_GROUP,
    idempotentBy:
      "a cart revision applies only when it is at least the snapshot's; a payment's announcement adds its id to its order once ($addToSet); an email is set to the event's",
    handlers: {
      'cart.updated': (event) => projections.applyCartUpdated(event.payload),
      'cart.deleted': (event) => projections.applyCartDeleted(event.payload, new Date(event.occurredAt)),
      'user.registered': customer,
      'user.email_verified': customer,
      'payment.status_changed': (event) => paymentTrust.recordAnnounced(event),
    },
  };
}

/** Every consumer the orders subgraph declares (the module and the service harness subscribe the same). */
export function ordersConsumers(
  services: { lifecycle: OrderLifecycle; projections: Projections; paymentTrust: PaymentTrust },
  live: Parameters<typeof liveUpdatesConsumer>[0],
  queries: Parameters<typeof liveUpdatesConsumer>[1],
): ConsumerDeclaration[] {
  return [
    ordersConsumer(services),
    orderSagaConsumer(services),
    ordersProjectionConsumer(services),
    liveUpdatesConsumer(live, queries),
  ];
}
