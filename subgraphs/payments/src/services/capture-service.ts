import {
  auditEntry,
  type AuditActor,
  badUserInput,
  conflict,
  type Logger,
  notFound,
  systemActor,
} from '@novamart/kit';
import { createEvent, DocumentEvents } from '@novamart/events';
import { type Connection, type Types } from 'mongoose';
import { type OrderViewModel } from '../models/order-view';
import {
  PAYMENTS_COLLECTION,
  type CaptureMethod,
  type PaymentDoc,
  type PaymentModel,
} from '../models/payment';
import { CaptureRefusedError, type PaymentProvider, type ProviderIntent } from '../providers/provider';
import { CAPTURABLE } from './payment-status';
import { type PaymentService } from './payment-service';

export interface CaptureServiceDeps {
  conn: Connection;
  payments: PaymentModel;
  orders: OrderViewModel;
  provider: PaymentProvider;
  paymentService: PaymentService;
  logger: Logger;
  /** PAYMENT_CAPTURE: with automatic, an approved payment is captured in full at once. */
  captureMethod: CaptureMethod;
  /** PAYMENT_AUTHORIZATION_VOID_AFTER_MS: an authorisation this old is voided before the provider lets it lapse. */
  voidAfterMs: number;
}

/**
 * Authorise-and-capture: captures (FINANCE, or a shipment's event), payment approvals above the
 * threshold, and the sweep that voids authorisations before the provider lets them lapse.
 * Captures run one at a time per payment (`captureInFlight`, claimed with a conditional update) and
 * each carries a key (`manual:<n>`, `shipment:<id>`): the provider's idempotency key is built from
 * it, and a key already in `captures` captures nothing more.
 */
export class CaptureService {
  constructor(private readonly deps: CaptureServiceDeps) {}

  /** Captures `amount` (default: what is left) of an authorised payment. */
  async capture(
    actor: AuditActor,
    paymentId: string,
    amount: number | null | undefined,
    key?: string,
  ): Promise<PaymentDoc> {
    const payment = await this.deps.paymentService.findPayment(paymentId);
    if (!payment) throw notFound('Payment', { paymentId });
    this.assertCapturable(payment);
    if (key && payment.captures?.some((c) => c.key === key)) return payment;
    const remaining = payment.amount - (payment.amountCaptured ?? 0);
    const wanted = amount ?? remaining;
    if (!Number.isSafeInteger(wanted) || wanted < 1) {
      throw badUserInput('Capture amount must be a positive integer of minor units', 'amount');
    }
    if (wanted > remaining) {
      throw badUserInput(
        `Capture amount exceeds what is still authorised and uncaptured (${remaining})`,
        'amount',
        { capturable: remaining },
      );
    }
    const captureKey = key ?? `manual:${(payment.captures?.length ?? 0) + 1}`;
    const claimed = await this.deps.payments
      .findOneAndUpdate(
        {
          _id: payment._id as Types.ObjectId,
          status: { $in: CAPTURABLE },
          captureInFlight: null,
          amountCaptured: payment.amountCaptured ?? 0,
        },
        { $set: { captureInFlight: wanted, captureInFlightKey: captureKey } },
        { returnDocument: 'after' },
      )
      .lean<PaymentDoc>();
    if (!claimed) throw conflict('Another capture of this payment is in progress; try again');
    const intent = await this.providerCapture(claimed, wanted, wanted === remaining, captureKey);
    return this.record(claimed, intent, { actor, key: captureKey, amount: wanted });
  }

  private assertCapturable(payment: PaymentDoc): void {
    if (payment.approvalStatus === 'PENDING') {
      throw conflict('This payment waits for a FINANCE approval and cannot be captured yet', {
        status: payment.status,
        approvalStatus: 'PENDING',
      });
    }
    if (!CAPTURABLE.includes(payment.status)) {
      throw conflict(`A ${payment.status} payment cannot be captured: only an authorisation can`, {
        status: payment.status,
      });
    }
  }

  /** The provider call; a refusal gives the claim back and answers CONFLICT with the provider's reason. */
  private async providerCapture(
    claimed: PaymentDoc,
    amount: number,
    final: boolean,
    key: string,
  ): Promise<ProviderIntent> {
    try {
      return await this.deps.provider.captureIntent({
        intentId: claimed.providerPaymentId!,
        amount,
        final,
        idempotencyKey: `novamart-capture-${String(claimed._id)}-${key}`,
      });
    } catch (error) {
      await this.deps.payments.updateOne(
        { _id: claimed._id as Types.ObjectId, captureInFlight: amount },
        { $set: { captureInFlight: null, captureInFlightKey: null } },
      );
      if (error instanceof CaptureRefusedError) {
        throw conflict(`The provider refused the capture: ${error.message}`, { providerCode: error.code });
      }
      throw error;
    }
  }

  /** Records a capture the provider made: amount captured, refundable remainder, status, audit. */
  private async record(
    claimed: PaymentDoc,
    intent: ProviderIntent,
    capture: { actor: AuditActor; key: string; amount: number },
  ): Promise<PaymentDoc> {
    const before = claimed.amountCaptured ?? 0;
    const to = intent.status === 'succeeded' ? 'CAPTURED' : 'PARTIALLY_CAPTURED';
    const updated = await this.deps.paymentService.transition(
      claimed,
      to,
      `captured ${capture.amount} ${claimed.currency} (${capture.key})`,
      {
        from: CAPTURABLE,
        where: { captureInFlight: capture.amount, amountCaptured: before },
        set: { amountCaptured: intent.amountReceived, captureInFlight: null, captureInFlightKey: null },
        inc: { refundableRemaining: intent.amountReceived - before },
        push: { captures: { key: capture.key, amount: capture.amount, at: new Date() } },
        actor: capture.actor,
      },
    );
    return updated ?? (await this.deps.paymentService.findPayment(String(claimed._id)))!;
  }

  /**
   * `shipment.created`: a manual-capture payment captures what the shipment carries (its lines' net
   * amount), once per shipment; the final shipment (the order's last unit) captures all that is
   * left, so the shipping and its tax are taken with it and the shipments add up to the order.
   */
  async captureForShipment(
    shipment: { orderId: string; shipmentId: string; amount: number; final?: boolean },
    eventId: string,
  ): Promise<PaymentDoc | null> {
    const payment = await this.deps.payments.findOne({ orderId: shipment.orderId }).lean();
    if (!payment || payment.captureMethod !== 'manual' || !CAPTURABLE.includes(payment.status)) return null;
    if (payment.approvalStatus === 'PENDING') return null;
    const remaining = payment.amount - (payment.amountCaptured ?? 0);
    if (remaining < 1) return payment;
    return this.capture(
      systemActor(eventId),
      String(payment._id),
      shipment.final ? remaining : Math.min(shipment.amount, remaining),
      `shipment:${shipment.shipmentId}`,
    );
  }

  /** Payments above the threshold, authorised and waiting for FINANCE, oldest first. */
  pendingApprovals(): Promise<PaymentDoc[]> {
    return this.deps.payments
      .find({ approvalStatus: 'PENDING', status: 'AUTHORIZED' })
      .sort({ createdAt: 1, _id: 1 })
      .lean()
      .exec();
  }

  /**
   * FINANCE approves: the order becomes PAID (`payment.succeeded`, sent only now) and, with
   * PAYMENT_CAPTURE=automatic, the authorisation is captured in full at once.
   */
  async approve(actor: AuditActor, paymentId: string): Promise<PaymentDoc> {
    const payment = await this.decidable(paymentId);
    const approved = await this.decide(payment, actor, 'APPROVED', null, (updated) =>
      createEvent('payment.succeeded', updated.orderId, {
        paymentId: String(updated._id),
        orderId: updated.orderId,
        userId: updated.userId,
        amount: updated.amount,
        currency: updated.currency,
        provider: updated.provider,
      }),
    );
    if (this.deps.captureMethod === 'automatic') return this.capture(actor, paymentId, null, 'approval');
    return approved;
  }

  /**
   * FINANCE rejects, with a reason: `payment.rejected` (orders cancels the order, which releases
   * its stock; notifications tells the customer), then the authorisation is voided.
   */
  async reject(actor: AuditActor, paymentId: string, reason: string): Promise<PaymentDoc> {
    if (!reason.trim()) throw badUserInput('A rejection needs a reason', 'reason');
    const payment = await this.decidable(paymentId);
    const order = await this.deps.orders.findById(payment.orderId).lean();
    await this.decide(payment, actor, 'REJECTED', reason, (updated) =>
      createEvent('payment.rejected', updated.orderId, {
        paymentId: String(updated._id),
        orderId: updated.orderId,
        userId: updated.userId,
        email: order?.email ?? '',
        amount: updated.amount,
        currency: updated.currency,
        reason,
      }),
    );
    const voided = await this.deps.paymentService.cancelForOrder(
      payment.orderId,
      `payment rejected: ${reason}`,
      actor,
    );
    return voided ?? payment;
  }

  private async decidable(paymentId: string): Promise<PaymentDoc> {
    const payment = await this.deps.paymentService.findPayment(paymentId);
    if (!payment) throw notFound('Payment', { paymentId });
    if (payment.approvalStatus !== 'PENDING') {
      throw conflict(
        `This payment does not wait for an approval (${payment.approvalStatus ?? 'NOT_REQUIRED'})`,
        {
          approvalStatus: payment.approvalStatus ?? 'NOT_REQUIRED',
        },
      );
    }
    if (payment.status !== 'AUTHORIZED') {
      throw conflict(`A ${payment.status} payment cannot be decided: the customer has not authorised it`, {
        status: payment.status,
      });
    }
    return payment;
  }

  /**
   * The decision, its audit entry and its event, in one write carrying the event (`DocumentEvents`);
   * CONFLICT if someone decided first. The event names only what an authorised payment keeps.
   */
  private async decide(
    payment: PaymentDoc,
    actor: AuditActor,
    decision: 'APPROVED' | 'REJECTED',
    reason: string | null,
    event: (decided: PaymentDoc) => ReturnType<typeof createEvent>,
  ): Promise<PaymentDoc> {
    const events = new DocumentEvents([event({ ...payment, approvalStatus: decision })]);
    const decided = await this.deps.payments
      .findOneAndUpdate(
        { _id: payment._id as Types.ObjectId, approvalStatus: 'PENDING', status: 'AUTHORIZED' },
        events.update({
          $set: { approvalStatus: decision },
          $push: {
            auditTrail: auditEntry({
              action: decision === 'APPROVED' ? 'payment.approved' : 'payment.rejected',
              fromStatus: payment.status,
              toStatus: payment.status,
              actor,
              reason,
            }),
          },
        }),
        { returnDocument: 'after' },
      )
      .lean<PaymentDoc>();
    if (decided) events.written(this.deps.conn, PAYMENTS_COLLECTION, decided._id);
    if (!decided) throw conflict('The payment was decided by someone else meanwhile');
    return decided;
  }

  /**
   * Captures a crash left between the provider call and its record (claimed longer than
   * `olderThanMs` ago): the provider is asked, and a capture it made is recorded under its key as
   * the system's; one it did not make gives the claim back. Returns how many it settled.
   */
  async finishStuckCaptures(olderThanMs: number, now = new Date()): Promise<number> {
    const stuck = await this.deps.payments
      .find({ captureInFlight: { $ne: null }, updatedAt: { $lte: new Date(now.getTime() - olderThanMs) } })
      .limit(100)
      .lean();
    for (const payment of stuck) {
      const intent = await this.deps.provider.retrieveIntent(payment.providerPaymentId!);
      const captured = payment.amountCaptured ?? 0;
      if (intent.amountReceived >= captured + payment.captureInFlight!) {
        await this.record(payment, intent, {
          actor: systemActor(),
          key: payment.captureInFlightKey ?? `reconciled:${(payment.captures?.length ?? 0) + 1}`,
          amount: payment.captureInFlight!,
        });
      } else {
        await this.deps.payments.updateOne(
          { _id: payment._id as Types.ObjectId, captureInFlight: payment.captureInFlight },
          { $set: { captureInFlight: null, captureInFlightKey: null } },
        );
      }
    }
    return stuck.length;
  }

  /**
   * Voids authorisations older than `voidAfterMs` (before the provider's own expiry, 7 days at
   * Stripe): the uncaptured rest is released. One still waiting for approval is rejected instead,
   * so its order is cancelled and the customer told. Returns how many it settled.
   */
  async voidLapsing(now = new Date()): Promise<number> {
    const lapsing = await this.deps.payments
      .find({
        status: { $in: CAPTURABLE },
        captureInFlight: null,
        authorizedAt: { $lte: new Date(now.getTime() - this.deps.voidAfterMs) },
      })
      .limit(100)
      .lean();
    const actor = systemActor();
    for (const payment of lapsing) {
      try {
        if (payment.approvalStatus === 'PENDING') {
          await this.reject(actor, String(payment._id), 'not approved before the authorisation expired');
        } else {
          await this.deps.paymentService.cancelForOrder(
            payment.orderId,
            'the authorisation was about to expire',
            actor,
          );
        }
      } catch (error) {
        this.deps.logger.error(
          { err: error, paymentId: String(payment._id) },
          'voiding an authorisation failed',
        );
      }
    }
    return lapsing.length;
  }
}
