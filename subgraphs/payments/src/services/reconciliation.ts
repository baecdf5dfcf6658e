import { type Logger } from '@novamart/kit';
import { type PaymentDoc, type PaymentModel, type PaymentStatus } from '../models/payment';
import { type PaymentProvider } from '../providers/provider';
import { type PaymentService } from './payment-service';

/** Statuses in which a payment waits on the provider; a crash can leave one there for good. */
export const IN_FLIGHT: readonly PaymentStatus[] = ['PROCESSING', 'REQUIRES_ACTION'];

const BATCH = 100;

/**
 * Brings payments that have waited on the provider too long to the provider's truth. A process
 * killed in the middle of `confirmPayment` leaves its payment PROCESSING (claimed, the answer
 * never recorded), and a lost webhook leaves one PROCESSING or REQUIRES_ACTION: neither is ever
 * moved by anyone else. The reconciler asks the provider (`retrieveIntent`: Stripe's
 * `paymentIntents.retrieve`, or the simulation's durable intents) and applies the answer through
 * `PaymentService.applyIntent`, the transition webhooks use, so a success publishes
 * `payment.succeeded` once, a success for a cancelled order is refunded, and an intent still
 * waiting for a payment method (the crash came before the charge) gives the payment back to the
 * customer. Runs at start-up and then every `PAYMENT_RECONCILE_INTERVAL_MS`.
 */
export class PaymentReconciler {
  constructor(
    private readonly deps: {
      payments: PaymentModel;
      paymentService: PaymentService;
      provider: PaymentProvider;
      logger: Logger;
      /** PAYMENT_RECONCILE_AFTER_MS: how long a payment may wait on the provider before we ask. */
      afterMs: number;
    },
  ) {}

  /**
   * One pass over the payments in flight for longer than `afterMs` (updatedAt is the claim's time:
   * every transition writes it). Returns how many were asked about. A provider that cannot
   * answer leaves the payment for the next pass.
   */
  async sweep(now = new Date()): Promise<number> {
    const stale = await this.deps.payments
      .find({
        status: { $in: IN_FLIGHT },
        providerPaymentId: { $type: 'string' },
        updatedAt: { $lte: new Date(now.getTime() - this.deps.afterMs) },
      })
      .sort({ updatedAt: 1 })
      .limit(BATCH)
      .lean();
    for (const payment of stale) {
      try {
        await this.reconcile(payment);
      } catch (error) {
        this.deps.logger.warn(
          { err: error, paymentId: String(payment._id) },
          'payment reconciliation failed; will ask again',
        );
      }
    }
    return stale.length;
  }

  /** Asks the provider where the payment's intent stands and records it. */
  async reconcile(payment: PaymentDoc): Promise<PaymentDoc | null> {
    const intent = await this.deps.provider.retrieveIntent(payment.providerPaymentId!);
    const after = await this.deps.paymentService.applyIntent(intent, 'reconciliation');
    this.deps.logger.info(
      {
        paymentId: String(payment._id),
        orderId: payment.orderId,
        intentStatus: intent.status,
        from: payment.status,
        to: after?.status,
      },
      'payment reconciled with the provider',
    );
    return after;
  }
}
