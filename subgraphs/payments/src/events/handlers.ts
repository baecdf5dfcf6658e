import { systemActor, upsertRacing } from '@novamart/kit';
import { type ConsumerDeclaration, type LiveBus } from '@novamart/events';
import { orderStatusRank, type OrderViewModel } from '../models/order-view';
import { type PaymentModel } from '../models/payment';
import { type CaptureService } from '../services/capture-service';
import { type PaymentService } from '../services/payment-service';
import { REFUNDABLE } from '../services/payment-status';
import { type RefundService } from '../services/refund-service';

export const CONSUMER_GROUP = 'payments';

interface PaymentConsumerDeps {
  live: LiveBus;
  orders: OrderViewModel;
  payments: PaymentModel;
  paymentService: PaymentService;
  refundService: RefundService;
  captureService: CaptureService;
}

/**
 * The payments side of the checkout saga, and the live feed of payment status. The projection's
 * writes are idempotent by their own state; the cancellation by its own state machine (a cancelled
 * intent stays cancelled, a cancellation refund is unique per payment), which lets it call the
 * provider outside any database transaction.
 */
export function paymentConsumers(deps: PaymentConsumerDeps): ConsumerDeclaration[] {
  return [...orderViewConsumers(deps.orders), cancellationAndLiveConsumer(deps)];
}

/**
 * Statuses an order reaches only once its one payment has succeeded (payment.succeeded), and
 * before any refund. On them payments decides nothing that AWAITING_PAYMENT would not decide
 * alike: the payment is no longer confirmable (confirmPayment answers CONFLICT on its status
 * before looking at the order's) and createPaymentIntent answers the existing payment before
 * looking at the order's status. So the view does not record them, one write fewer on every
 * order's PAID. What payments decides on still lands: PENDING, AWAITING_PAYMENT, CANCELLED (also
 * from a paid order, with `order.cancelled`) and REFUNDED, each by its own stamp, which a skipped
 * status never held back.
 */
const AFTER_PAYMENT = new Set(['PAID', 'PROCESSING', 'SHIPPED', 'DELIVERED']);

/**
 * The projection of orders payments decide on: the total from `order.placed`, the newest status
 * (but none `AFTER_PAYMENT`). Each write is idempotent by its own state (the placement rewrites the same facts, a status
 * applies only when newer), so they run as direct handlers: no idempotency record or transaction
 * around writes that would cost three commands instead of one on every order's events.
 */
function orderViewConsumers(orders: OrderViewModel): ConsumerDeclaration[] {
  return [
    {
      group: CONSUMER_GROUP,
      idempotentBy:
        'the placement rewrites the same order facts; a status applies only when newer (statusAt, statusRank), and one after the payment not at all',
      handlers: {
        'order.placed': (event) =>
          upsertRacing(() => {
            const p = event.payload;
            return orders.updateOne(
              { _id: p.orderId },
              {
                $set: {
                  userId: p.userId ?? null,
                  email: p.email,
                  total: p.total,
                  currency: p.currency,
                  lines: p.lines.map((l) => ({
                    productId: l.productId,
                    sku: l.sku,
                    quantity: l.quantity,
                    amount: l.unitAmount * l.quantity,
                  })),
                },
                // A status event that overtook the placement already set a newer status.
                $setOnInsert: {
                  status: 'PENDING',
                  statusAt: new Date(event.occurredAt),
                  statusRank: orderStatusRank('PENDING'),
                },
              },
              { upsert: true },
            );
          }),
        'order.status_changed': async (event) => {
          const p = event.payload;
          if (AFTER_PAYMENT.has(p.status)) return;
          const at = new Date(p.at);
          const rank = orderStatusRank(p.status);
          // Only a newer status replaces the one we hold (same millisecond: the later lifecycle step
          // wins), so redelivered or overtaken events leave it alone.
          const updated = await orders.updateOne(
            {
              _id: p.orderId,
              $or: [
                { statusAt: { $lt: at } },
                { statusAt: at, statusRank: { $lt: rank } },
                { statusAt: null },
              ],
            },
            { $set: { status: p.status, statusAt: at, statusRank: rank } },
          );
          if (updated.matchedCount > 0) return;
          // Not there yet (the status overtook the placement), or it holds a newer status.
          await upsertRacing(() =>
            orders.updateOne(
              { _id: p.orderId },
              {
                $setOnInsert: {
                  status: p.status,
                  statusAt: at,
                  statusRank: rank,
                  userId: null,
                  email: '',
                  total: 0,
                  currency: 'USD',
                },
              },
              { upsert: true },
            ),
          );
        },
      },
    },
  ];
}

/** Cancellation (refund or cancel the intent) and the live payment status: see `idempotentBy`. */
function cancellationAndLiveConsumer(deps: PaymentConsumerDeps): ConsumerDeclaration {
  const { orders } = deps;
  return {
    group: CONSUMER_GROUP,
    idempotentBy:
      'a cancelled intent or voided authorisation stays so, a cancellation refund is unique per payment and a return refund per return; a shipment captures under its own key once; live messages carry their eventId',
    handlers: {
      'order.cancelled': async (event) => {
        const p = event.payload;
        await orders.updateOne({ _id: p.orderId }, { $set: { status: 'CANCELLED' } });
        // Open intents are cancelled and authorisations voided; whatever was captured is refunded.
        const payment = await deps.paymentService.cancelForOrder(
          p.orderId,
          `order cancelled: ${p.reason}`,
          systemActor(event.id),
        );
        if (payment && REFUNDABLE.includes(payment.status)) {
          await deps.refundService.refundForCancellation(payment, `order cancelled: ${p.reason}`);
        }
      },
      // A received return is refunded its lines' amount, approved by the SUPPORT who approved the return.
      'return.received': async (event) => {
        await deps.refundService.refundForReturn(event.payload, event.id);
      },
      // Manual capture: each shipment captures what it carries, the final one the rest of the order.
      'shipment.created': async (event) => {
        await deps.captureService.captureForShipment(event.payload, event.id);
      },
      // Live status for the gateway's paymentStatusChanged subscriptions, from our own committed events.
      'payment.status_changed': async (event) => {
        const p = event.payload;
        await deps.live.publish(`payment:${p.orderId}`, {
          paymentId: p.paymentId,
          orderId: p.orderId,
          userId: p.userId,
          status: p.status,
          previousStatus: p.previousStatus,
          at: p.at,
          // A rare redelivery repeats the event id, so listeners can drop the copy.
          eventId: event.id,
        });
      },
    },
  };
}
