import { rejectEvent, type DomainEvent } from '@novamart/events';
import { upsertRacing } from '@novamart/kit';
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
 * the payments subgraph's `payment.status_changed` events, and a `payment.succeeded` counts only
 * for a payment it learnt, for that order (amount and currency are matched against the order
 * by `OrderLifecycle.recordPayment`). A mismatch is rejected: the bus dead-letters the event with
 * the reason and nothing changes.
 */
export class PaymentTrust {
  constructor(private readonly options: { knownPayments: KnownPaymentModel; orders: OrderModel }) {}

  /**
   * payment.status_changed: the first announcement of a payment id names its order for good. One
   * upsert, idempotent by `$setOnInsert` (a direct handler, outside any transaction). Every
   * announcement of a payment names the same order, so only those a `payment.succeeded` may lean
   * on are written: the creation, and the statuses payments announces with the money (an approval
   * sends payment.succeeded later, after its AUTHORIZED announcement). The steps between (the
   * claim's PROCESSING, a decline) would only write the same row again.
   */
  async recordAnnounced(event: DomainEvent<PaymentAnnounced>): Promise<void> {
    const { paymentId, orderId, status, previousStatus } = event.payload;
    if (typeof paymentId !== 'string' || typeof orderId !== 'string') return;
    if (previousStatus !== null && !WITH_MONEY.has(status)) return;
    await upsertRacing(() =>
      this.options.knownPayments.updateOne(
        { _id: paymentId },
        { $setOnInsert: { orderId, announcedAt: new Date(event.occurredAt) } },
        { upsert: true },
      ),
    );
  }

  /**
   * payment.succeeded: the payment must be one payments announced for this very order. An
   * unknown payment id fails the handler (retried: with several consumers an announcement can be
   * a moment behind), so after the bus's attempts it is dead-lettered with this reason. Returns
   * the order as read, which the payment is then recorded on (a compare-and-set of its revision).
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
