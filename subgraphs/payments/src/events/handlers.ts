import { type DomainEvent, type EventBus, idempotentConsumer, type LiveBus } from '@novamart/events';
import { type Logger } from '@novamart/kit';
import { type ClientSession, type Connection } from 'mongoose';
import { orderStatusRank, type OrderViewModel } from '../models/order-view';
import { type PaymentModel } from '../models/payment';
import { type PaymentService } from '../services/payment-service';
import { type RefundService } from '../services/refund-service';

interface OrderPlaced {
  orderId: string;
  userId: string | null;
  email: string;
  total: number;
  currency: string;
}
interface OrderStatusChanged {
  orderId: string;
  status: string;
  at: string;
}
interface OrderCancelled {
  orderId: string;
  reason: string | null;
}
interface PaymentStatusChanged {
  paymentId: string;
  orderId: string;
  userId: string | null;
  status: string;
  previousStatus: string | null;
  at: string;
}

export const CONSUMER_GROUP = 'payments';

/**
 * The payments side of the checkout saga, and the live feed of payment status. Projection writes
 * run once per event through idempotentConsumer; the cancellation is idempotent by its own state
 * machine (a cancelled intent stays cancelled, a cancellation refund is unique per payment), which
 * lets it call the provider outside any database transaction.
 */
export function subscribePaymentHandlers(deps: {
  bus: EventBus;
  live: LiveBus;
  conn: Connection;
  orders: OrderViewModel;
  payments: PaymentModel;
  paymentService: PaymentService;
  refundService: RefundService;
  logger: Logger;
}): void {
  const { bus, conn, orders } = deps;

  bus.subscribe({
    group: CONSUMER_GROUP,
    types: ['order.placed'],
    handler: idempotentConsumer(
      conn,
      `${CONSUMER_GROUP}:order-view`,
      async (event: DomainEvent<any>, session: ClientSession) => {
        const p = event.payload as OrderPlaced;
        await orders.updateOne(
          { _id: p.orderId },
          {
            $set: { userId: p.userId ?? null, email: p.email, total: p.total, currency: p.currency },
            // A status event that overtook the placement already set a newer status.
            $setOnInsert: {
              status: 'PENDING',
              statusAt: new Date(event.occurredAt),
              statusRank: orderStatusRank('PENDING'),
            },
          },
          { upsert: true, session },
        );
      },
    ),
  });

  bus.subscribe({
    group: CONSUMER_GROUP,
    types: ['order.status_changed'],
    handler: idempotentConsumer(
      conn,
      `${CONSUMER_GROUP}:order-status`,
      async (event: DomainEvent<any>, session: ClientSession) => {
        const p = event.payload as OrderStatusChanged;
        const at = new Date(p.at ?? event.occurredAt);
        const rank = orderStatusRank(p.status);
        // Only a newer status replaces the one we hold (same millisecond: the later lifecycle step
        // wins), so redelivered or overtaken events leave it alone.
        await orders.updateOne(
          {
            _id: p.orderId,
            $or: [{ statusAt: { $lt: at } }, { statusAt: at, statusRank: { $lt: rank } }, { statusAt: null }],
          },
          { $set: { status: p.status, statusAt: at, statusRank: rank } },
          { session },
        );
        await orders.updateOne(
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
          { upsert: true, session },
        );
      },
    ),
  });

  bus.subscribe({
    group: CONSUMER_GROUP,
    types: ['order.cancelled'],
    handler: async (event: DomainEvent<any>) => {
      const p = event.payload as OrderCancelled;
      await orders.updateOne({ _id: p.orderId }, { $set: { status: 'CANCELLED' } });
      const payment = await deps.payments.findOne({ orderId: p.orderId }).lean();
      if (!payment) return;
      if (payment.status === 'SUCCEEDED' || payment.status === 'PARTIALLY_REFUNDED') {
        await deps.refundService.refundForCancellation(
          payment,
          `order cancelled: ${p.reason ?? 'no reason given'}`,
        );
      } else {
        await deps.paymentService.cancelForOrder(p.orderId, p.reason ?? 'order cancelled');
      }
    },
  });

  // Live status for the gateway's paymentStatusChanged subscriptions, from our own committed events.
  bus.subscribe({
    group: CONSUMER_GROUP,
    types: ['payment.status_changed'],
    handler: async (event: DomainEvent<any>) => {
      const p = event.payload as PaymentStatusChanged;
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
  });
}
