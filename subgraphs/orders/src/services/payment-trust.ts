import { rejectEvent, type DomainEvent } from '@novamart/events';
import { type KnownPaymentModel } from '../models/known-payment';
import { type OrderDoc, type OrderModel } from '../models/order';
import { type PaymentSucceeded } from './lifecycle';

export interface PaymentAnnounced {
  paymentId: string;
  orderId: string;
  status: string;
  previousStatus: string | null;
}

/** Statuses payments announces together with `payment.succeeded` (in the same transaction). */
const WITH_MONEY = new Set(['SUCCEEDED', 'AUTHORIZED']);

/**
 * Orders does not move money state on a bare event. It learns the payments of each order from
 * the payments subgraph's `payment.status_changed` events, recording each payment id on its order
 * (`announcedPaymentIds`), and a `payment.succeeded` counts only for a payment it learnt, for that
 * order (amount and currency are matched against the order by `OrderLifecycle.recordPayment`). A
 * mismatch is rejected: the bus dead-letters the event with the reason and nothing changes.
 */
export class PaymentTrust {
  constructor(
    private readonly options: {
      orders: OrderModel;
      /** Read only, for announcements recorded before they moved onto the order (models/known-payment.ts). */
      knownPayments: KnownPaymentModel;
    },
  ) {}

  /**
   * payment.status_changed: the payment id is added to its order's `announcedPaymentIds`. One
   * update, idempotent by `$addToSet` (a direct handler, outside any transaction), which leaves
   * the order's `revision` and `updatedAt` alone: it is no change of the order's state, and the
   * lifecycle's compare-and-set writes (which `$set` only the fields they change) neither conflict
   * with it nor drop it. A payment id names its order for good: payments creates one payment per
   * order, with a fresh id, and every announcement of a payment names that same order, so only
   * those a `payment.succeeded` may lean on are written: the creation, and the statuses payments
   * announces with the money (an approval sends payment.succeeded later, after its AUTHORIZED
   * announcement). The steps between (the claim's PROCESSING, a decline) would only add the same
   * id again. The SUCCEEDED/AUTHORIZED write is redundant whenever the creation's was recorded
   * (same stream and aggregate, so it comes first), but it is what still lets payment.succeeded
   * through when the creation's delivery was dead-lettered, so it stays.
   */
  async recordAnnounced(event: DomainEvent<PaymentAnnounced>): Promise<void> {
    const { paymentId, orderId, status, previousStatus } = event.payload;
    if (typeof paymentId !== 'string' || typeof orderId !== 'string') return;
    if (previousStatus !== null && !WITH_MONEY.has(status)) return;
    const result = await this.options.orders.updateOne(
      { _id: orderId },
      { $addToSet: { announcedPaymentIds: paymentId } },
    );
    // No order: payments creates a payment only for an order it learnt from order.placed, which
    // checkout publishes only from the order's own insert (the event rides on the order), and
    // orders are never deleted. So there is no ordering in which the order is legitimately not there
    // yet: the announcement is bogus, and retrying it would not help. Dead-lettered with the reason.
    if (result.matchedCount === 0) {
      rejectEvent(`payment ${paymentId} announced for an unknown order ${orderId}`);
    }
  }

  /**
   * payment.succeeded: the payment must be one payments announced for this very order. The order,
   * read anyway (the payment is recorded on it), lists the payments announced for it; a payment
   * missing there is looked up once in the legacy `known_payments` rows (announced before the
   * announcements moved onto the order). An unknown payment id fails the handler (retried: with
   * several consumers an announcement can be a moment behind), so after the bus's attempts it is
   * dead-lettered with this reason; so is a payment announced for another order (its id is on that
   * order, not this one). Returns the order as read, which the payment is then recorded on (a
   * compare-and-set of its revision).
   */
  async assertKnown(event: DomainEvent<PaymentSucceeded>): Promise<OrderDoc> {
    const payment = event.payload;
    if (typeof payment.paymentId !== 'string' || typeof payment.orderId !== 'string')
      rejectEvent('payment.succeeded without a paymentId and orderId');
    if (payment.orderId !== event.aggregateId)
      rejectEvent(`payment.succeeded for order ${payment.orderId} on aggregate ${event.aggregateId}`);
    if (!Number.isSafeInteger(payment.amount) || payment.amount < 0 || typeof payment.currency !== 'string')
      rejectEvent(
        `payment.succeeded with an invalid amount ${String(payment.amount)} ${String(payment.currency)}`,
      );
    const order = await this.options.orders.findById(payment.orderId).lean();
    if (!order) rejectEvent(`payment ${payment.paymentId} is for an unknown order ${payment.orderId}`);
    if (order.announcedPaymentIds?.includes(payment.paymentId)) return order;
    const known = await this.options.knownPayments.findById(payment.paymentId).lean();
    if (!known) {
      throw new Error(
        `payment ${payment.paymentId} was never announced by the payments subgraph (no payment.status_changed)`,
      );
    }
    if (known.orderId !== payment.orderId) {
      rejectEvent(`payment ${payment.paymentId} belongs to order ${known.orderId}, not ${payment.orderId}`);
    }
    return order;
  }
}
