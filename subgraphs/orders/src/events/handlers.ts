import { type ClientSession } from 'mongoose';
import { type DomainEvent, type Outbox } from '@novamart/events';
import { type OrderLifecycle, type PaymentSucceeded, type RefundSucceeded } from '../services/lifecycle';
import { type PaymentTrust } from '../services/payment-trust';
import {
  type CartDeleted,
  type CartUpdated,
  type PriceChange,
  type ProductSnapshot,
  type Projections,
} from '../services/projections';

/** The effect of one event, run once per event inside the consumer's transaction. */
export type OrderEventEffect = (
  event: DomainEvent<any>,
  session: ClientSession,
  outbox: Outbox,
) => Promise<void>;

/** Event type → effect, consumed under the group `orders`. */
export function orderEventEffects(deps: {
  lifecycle: OrderLifecycle;
  projections: Projections;
  paymentTrust: PaymentTrust;
}): Record<string, OrderEventEffect> {
  const { lifecycle, projections, paymentTrust } = deps;
  const product: OrderEventEffect = async (event, session) => {
    const snapshot = event.payload as ProductSnapshot;
    await projections.applyProduct(
      event.type === 'product.archived' ? { ...snapshot, active: false } : snapshot,
      new Date(event.occurredAt),
      session,
    );
  };
  return {
    'product.created': product,
    'product.updated': product,
    'product.archived': product,
    'product.price_changed': (event, session) =>
      projections.applyPrice(event.payload as PriceChange, new Date(event.occurredAt), session),
    'cart.updated': (event, session) => projections.applyCartUpdated(event.payload as CartUpdated, session),
    'cart.deleted': (event, session) =>
      projections.applyCartDeleted(event.payload as CartDeleted, new Date(event.occurredAt), session),
    'user.registered': (event, session) =>
      projections.applyCustomer(event.payload as { userId: string; email: string }, session),
    'user.email_verified': (event, session) =>
      projections.applyCustomer(event.payload as { userId: string; email: string }, session),
    'inventory.reserved': (event, session, outbox) => {
      const { orderId, reservationId } = event.payload as { orderId: string; reservationId: string };
      return lifecycle.recordReservation(orderId, reservationId, session, outbox);
    },
    'inventory.reservation_failed': (event, session, outbox) => {
      const { orderId, lines } = event.payload as { orderId: string; lines?: { productId: string }[] };
      return lifecycle.cancelOutOfStock(orderId, lines ?? [], session, outbox);
    },
    'inventory.reservation_expired': (event, session, outbox) => {
      const { orderId, reservationId } = event.payload as { orderId: string; reservationId: string };
      return lifecycle.cancelExpired(orderId, reservationId, session, outbox);
    },
    'payment.status_changed': (event, session) => paymentTrust.recordAnnounced(event, session),
    // Money state moves only for a payment the payments subgraph announced for this order.
    'payment.succeeded': async (event, session, outbox) => {
      await paymentTrust.assertKnown(event, session);
      await lifecycle.recordPayment(event.payload as PaymentSucceeded, session, outbox);
    },
    'refund.succeeded': (event, session, outbox) =>
      lifecycle.recordRefund(event.payload as RefundSucceeded, session, outbox),
  };
}
