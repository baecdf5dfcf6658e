import { type Connection } from 'mongoose';
import { DocumentEvents, rejectEvent, type DomainEvent } from '@novamart/events';
import {
  actorOf,
  auditEntry,
  type AuditActor,
  type AuditEntry,
  badUserInput,
  conflict,
  notFound,
  requireRole,
  systemActor,
  type Logger,
  type Viewer,
} from '@novamart/kit';
import {
  ORDERS_COLLECTION,
  type OrderDoc,
  type OrderModel,
  type RecordedPayment,
  type StatusChange,
} from '../models/order';
import { assertCanCancel, isStaff, ORDER_CANCELLERS } from './order-access';
import { stepEvents, type CancellationCode } from './order-events';
import { planOrderDelivered, planShipment } from './shipments';
import { CANCELLABLE, assertTransition, derivedSteps, paysInFull, type Step } from './status-machine';

export interface ExplicitStep extends Step {
  cancellationCode?: CancellationCode;
}

export interface OrderChange {
  /** Facts to record, besides the status. */
  set?: Partial<
    Pick<
      OrderDoc,
      'carrier' | 'trackingNumber' | 'reservationId' | 'payment' | 'refunds' | 'shipments' | 'returns'
    >
  >;
  /** Transitions asked for explicitly; the ones the facts call for follow. */
  steps?: ExplicitStep[];
  /** Events of the change itself (a shipment, a return), written before the steps' events. */
  events?: DomainEvent<any>[];
  /** Who asked (audit trail); an effect's actor is the system with its event. */
  actor?: AuditActor;
}

/** Another writer changed the order since it was read: read again. */
class StaleOrderError extends Error {
  constructor() {
    super('order changed concurrently');
  }
}

const MAX_ATTEMPTS = 8;
const MAX_TEXT = 500;

export interface PaymentSucceeded {
  paymentId: string;
  orderId: string;
  amount: number;
  currency: string;
}

export interface RefundSucceeded {
  refundId: string;
  orderId: string;
  amount: number;
  currency: string;
}

/**
 * Moves orders through the status machine. Admin and customer commands, and the saga's event
 * effects, all end in `write`: one compare-and-set of the order carrying its events
 * (`DocumentEvents`), no transaction.
 */
export class OrderLifecycle {
  private readonly conn: Connection;
  private readonly orders: OrderModel;
  private readonly logger: Logger;
  private readonly now: () => Date;
  /** Set on the copy `forEvent` returns: the event the saga effects react to. */
  private eventActor: AuditActor | null = null;

  constructor(options: { conn: Connection; orders: OrderModel; logger: Logger; now?: () => Date }) {
    this.conn = options.conn;
    this.orders = options.orders;
    this.logger = options.logger;
    this.now = options.now ?? (() => new Date());
  }

  /** The same lifecycle, recording `eventId` as the actor of the effects it runs (audit trail). */
  forEvent(eventId: string): OrderLifecycle {
    const scoped = Object.create(this) as OrderLifecycle;
    scoped.eventActor = systemActor(eventId);
    return scoped;
  }

  /** The customer before shipment, SUPPORT or an admin. Cancelling a paid order makes payments refund it. */
  async cancel(viewer: Viewer | null, orderId: string, reason?: string | null): Promise<OrderDoc> {
    const note = reason == null ? null : reason.trim();
    if (note !== null && note.length > MAX_TEXT)
      throw badUserInput(`reason is longer than ${MAX_TEXT} characters`, 'reason');
    return this.command(orderId, (order) => {
      assertCanCancel(viewer, order);
      if (!CANCELLABLE.includes(order.status)) {
        throw conflict(`An order that is ${order.status} can no longer be cancelled`, {
          status: order.status,
        });
      }
      const byAdmin = viewer !== null && isStaff(viewer, ORDER_CANCELLERS) && viewer.id !== order.userId;
      const who = byAdmin ? 'admin' : 'customer';
      return {
        actor: actorOf(viewer),
        steps: [
          {
            to: 'CANCELLED',
            reason: note ? `Cancelled by ${who}: ${note}` : `Cancelled by ${who}`,
            cancellationCode: byAdmin ? 'ADMIN' : 'CUSTOMER',
          },
        ],
      };
    });
  }

  /** DISPATCHER: everything not shipped yet, in one shipment without a tracking URL. */
  async markShipped(
    viewer: Viewer | null,
    orderId: string,
    carrier: string,
    trackingNumber: string,
  ): Promise<OrderDoc> {
    const dispatcher = requireRole({ viewer }, 'DISPATCHER');
    return this.command(orderId, (order) => ({
      ...planShipment(
        order,
        { carrier, trackingNumber, lines: null, trackingUrl: null },
        { by: dispatcher.id, at: this.now(), prefix: '' },
      ).change,
      actor: actorOf(dispatcher),
    }));
  }

  /** DISPATCHER: every shipment delivered, and the order with them. */
  async markDelivered(viewer: Viewer | null, orderId: string): Promise<OrderDoc> {
    const dispatcher = requireRole({ viewer }, 'DISPATCHER');
    return this.command(orderId, (order) => ({
      ...planOrderDelivered(order, this.now()),
      actor: actorOf(dispatcher),
    }));
  }

  // ---- saga effects: run once per event (a repeat finds its change made and writes nothing)

  /** inventory.reserved */
  async recordReservation(orderId: string, reservationId: string): Promise<void> {
    await this.effect(orderId, null, (order) => {
      if (order.status !== 'PENDING' || order.reservationId !== undefined) {
        // A cancelled order's reservation is released by inventory on order.cancelled.
        this.logger.info(
          { orderId, status: order.status, reservationId },
          'reservation for an order no longer pending; ignored',
        );
        return null;
      }
      return { set: { reservationId } };
    });
  }

  /** inventory.reservation_failed */
  async cancelOutOfStock(
    orderId: string,
    lines: readonly { productId: string; requested?: number; available?: number }[],
  ): Promise<void> {
    await this.effect(orderId, null, (order) => {
      if (order.status !== 'PENDING') {
        this.logger.warn(
          { orderId, status: order.status },
          'reservation failure for an order no longer pending; ignored',
        );
        return null;
      }
      const names = lines.map(
        (line) => order.items.find((item) => item.productId === line.productId)?.name ?? line.productId,
      );
      const reason = names.length > 0 ? `Out of stock: ${names.join(', ')}` : 'Out of stock';
      return { steps: [{ to: 'CANCELLED', reason, cancellationCode: 'OUT_OF_STOCK' }] };
    });
  }

  /** inventory.reservation_expired: the stock is released, so the order cannot be fulfilled. */
  async cancelExpired(orderId: string, reservationId: string): Promise<void> {
    await this.effect(orderId, null, (order) => {
      if (order.reservationId !== undefined && order.reservationId !== reservationId) return null;
      return this.cancelUnpaid(order, 'reservation expired', {
        reason: 'Reservation expired before payment',
        cancellationCode: 'RESERVATION_EXPIRED',
      });
    });
  }

  /**
   * payment.rejected: FINANCE refused the payment of an order above the approval threshold (it is
   * authorised, the order still AWAITING_PAYMENT); the order is cancelled, which releases its stock.
   */
  async cancelRejectedPayment(orderId: string, reason: string): Promise<void> {
    await this.effect(orderId, null, (order) =>
      this.cancelUnpaid(order, 'payment rejected', {
        reason: `Payment rejected: ${reason}`,
        cancellationCode: 'PAYMENT_REJECTED',
      }),
    );
  }

  /**
   * payment.succeeded, for a payment `PaymentTrust` knows to be this order's. The payment must
   * pay the order in full, in its currency, and be the order's only payment: anything else is
   * rejected (dead-lettered with the reason) and changes nothing. `read`: the order as the trust
   * check read it, instead of reading it again.
   */
  async recordPayment(payment: PaymentSucceeded, read?: OrderDoc): Promise<void> {
    await this.effect(payment.orderId, read ?? null, (order) => {
      if (order.payment) {
        if (order.payment.paymentId !== payment.paymentId) {
          rejectEvent(
            `order ${order._id} is already paid by payment ${order.payment.paymentId}, not ${payment.paymentId}`,
          );
        }
        return null;
      }
      const recorded: RecordedPayment = {
        paymentId: payment.paymentId,
        amount: payment.amount,
        currency: payment.currency,
        at: this.now(),
      };
      if (!paysInFull({ payment: recorded, total: order.total, currency: order.currency })) {
        rejectEvent(
          `payment ${payment.paymentId} of ${payment.amount} ${payment.currency} does not match ` +
            `order ${order._id}'s total of ${order.total} ${order.currency}`,
        );
      }
      if (order.status === 'CANCELLED') {
        this.logger.warn(
          { orderId: order._id, paymentId: payment.paymentId },
          'payment succeeded for a cancelled order; payments must refund it',
        );
      }
      return { set: { payment: recorded } };
    });
  }

  /**
   * refund.succeeded, and a refund payments answered SUCCEEDED to receiveReturn's call
   * (services/return-follow-up.ts): recorded once per refund, whichever comes first.
   */
  async recordRefund(refund: RefundSucceeded): Promise<void> {
    await this.effect(refund.orderId, null, (order) => {
      if (order.refunds.some((recorded) => recorded.refundId === refund.refundId)) return null;
      return {
        set: {
          refunds: [...order.refunds, { refundId: refund.refundId, amount: refund.amount, at: this.now() }],
        },
      };
    });
  }

  /**
   * A command on one order: read it, decide the change, write it with a compare-and-set on the
   * revision (read again and decide again when another writer came first).
   */
  async command(orderId: string, decide: (order: OrderDoc) => OrderChange): Promise<OrderDoc> {
    for (let attempt = 1; ; attempt++) {
      const order = await this.orders.findById(orderId).lean();
      if (!order) throw notFound('Order', { orderId });
      const change = decide(order);
      try {
        return await this.write(order, change);
      } catch (error) {
        if (error instanceof StaleOrderError && attempt < MAX_ATTEMPTS) continue;
        throw error;
      }
    }
  }

  /**
   * An event that cancels an order not paid yet (its reservation expired, its payment was refused);
   * one already past payment stays as it is and the event is only logged (`what` names it).
   */
  private cancelUnpaid(
    order: OrderDoc,
    what: string,
    cancellation: { reason: string; cancellationCode: CancellationCode },
  ): OrderChange | null {
    if (!CANCELLABLE.includes(order.status)) {
      this.logger.warn(
        { orderId: order._id, status: order.status },
        `${what} for an order past payment; ignored`,
      );
      return null;
    }
    return { steps: [{ to: 'CANCELLED', ...cancellation }] };
  }

  /**
   * An event's effect on its order: decided on the order as read, written with a compare-and-set
   * of its revision; when another writer came first, read again and decide again.
   */
  private async effect(
    orderId: string,
    read: OrderDoc | null,
    decide: (order: OrderDoc) => OrderChange | null,
  ): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const order = (attempt === 1 ? read : null) ?? (await this.orders.findById(orderId).lean());
      if (!order) {
        this.logger.warn({ orderId }, 'event for an unknown order; ignored');
        return;
      }
      const change = decide(order);
      if (!change) return;
      try {
        await this.write(order, { actor: this.eventActor ?? systemActor(), ...change });
        return;
      } catch (error) {
        // Past the attempts the handler fails, and the bus delivers the event again.
        if (error instanceof StaleOrderError && attempt < MAX_ATTEMPTS) continue;
        throw error;
      }
    }
  }

  /** One write of the order: a compare-and-set of its revision, carrying the change's events. */
  private async write(order: OrderDoc, change: OrderChange): Promise<OrderDoc> {
    const at = this.now();
    let current: OrderDoc = { ...order, ...change.set };
    const history: StatusChange[] = [...order.statusHistory];
    const audit: AuditEntry[] = [];
    const events: DomainEvent<any>[] = [];
    const take = (step: ExplicitStep) => {
      assertTransition(current.status, step.to);
      const previousStatus = current.status;
      current = { ...current, status: step.to };
      history.push({ status: step.to, reason: step.reason, at });
      audit.push(
        auditEntry({
          action: 'order.status_changed',
          fromStatus: previousStatus,
          toStatus: step.to,
          actor: change.actor ?? systemActor(),
          reason: step.reason,
          at,
        }),
      );
      events.push(
        ...stepEvents({
          order: current,
          previousStatus,
          reason: step.reason,
          at,
          ...(step.cancellationCode ? { cancellationCode: step.cancellationCode } : {}),
        }),
      );
    };
    for (const step of change.steps ?? []) take(step);
    for (const step of derivedSteps(current)) take(step);

    const next: OrderDoc = {
      ...current,
      statusHistory: history,
      revision: order.revision + 1,
      updatedAt: at,
    };
    const onOrder = new DocumentEvents([...(change.events ?? []), ...events]);
    const result = await this.orders.updateOne(
      { _id: order._id, revision: order.revision },
      onOrder.update({
        $set: {
          ...change.set,
          status: next.status,
          statusHistory: next.statusHistory,
          revision: next.revision,
          updatedAt: next.updatedAt,
        },
        // One audit history per order: every status change with its actor, in this same write.
        ...(audit.length > 0 && { $push: { auditTrail: { $each: audit } } }),
      }),
    );
    if (result.matchedCount !== 1) throw new StaleOrderError();
    onOrder.written(this.conn, ORDERS_COLLECTION, order._id);
    return next;
  }
}
