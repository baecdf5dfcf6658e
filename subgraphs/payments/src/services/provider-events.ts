import { type Logger, systemActor } from '@novamart/kit';
import { type ProviderEventModel } from '../models/provider-event';
import { type ProviderEvent } from '../providers/provider';
import { toProviderIntent } from '../providers/stripe-provider';
import { type PaymentService } from './payment-service';
import { type RefundService } from './refund-service';

export const HANDLED_PROVIDER_EVENTS = [
  'payment_intent.succeeded',
  'payment_intent.payment_failed',
  'payment_intent.canceled',
  'payment_intent.requires_action',
  'payment_intent.processing',
  'payment_intent.amount_capturable_updated',
  'charge.refunded',
] as const;

/**
 * Applies provider events (Stripe webhooks after their signature check, and the simulated
 * provider's announcements) to payments and refunds. The effects are idempotent transitions, so an
 * event applied again (a redelivery, or one after a crash before its record) finds nothing left to
 * do; the record of its id, written after the effect, tells a webhook whether it was new (`handle`).
 * There is no lookup of the record first: it would cost every event a read to spare the rare
 * redelivery one. The simulation's announcements are never redelivered, and are not recorded (`apply`).
 */
export class ProviderEventService {
  constructor(
    private readonly deps: {
      events: ProviderEventModel;
      payments: PaymentService;
      refunds: RefundService;
      logger: Logger;
    },
  ) {}

  /**
   * The event's effects, without the record of its id: for the simulated provider's announcements,
   * which it delivers once, in this process, each under an id of its own (`evt_sim_…`). No second
   * delivery of such an id can come to be recognised by a record, so recording it would cost every
   * confirmation a write that deduplicates nothing; a lost announcement (a crash) is what
   * reconciliation is for, as with a lost webhook.
   */
  async apply(event: ProviderEvent): Promise<void> {
    const object = event.data.object;
    switch (event.type) {
      case 'payment_intent.succeeded':
      case 'payment_intent.payment_failed':
      case 'payment_intent.canceled':
      case 'payment_intent.requires_action':
      case 'payment_intent.processing':
      case 'payment_intent.amount_capturable_updated':
        // The actor of what a provider event changes is the system, reacting to that event.
        await this.deps.payments.applyAnnouncedIntent(
          toProviderIntent(object as never),
          `webhook ${event.type}`,
          systemActor(event.id),
        );
        break;
      case 'charge.refunded':
        await this.deps.refunds.applyChargeRefunded(object);
        break;
      default:
        this.deps.logger.debug({ type: event.type }, 'provider event type not handled');
    }
  }

  /** Returns false when the event had been applied before. */
  async handle(event: ProviderEvent): Promise<boolean> {
    await this.apply(event);
    const recorded = await this.deps.events.updateOne(
      { _id: event.id },
      { $setOnInsert: { type: event.type, receivedAt: new Date() } },
      { upsert: true },
    );
    return recorded.upsertedCount === 1;
  }
}
