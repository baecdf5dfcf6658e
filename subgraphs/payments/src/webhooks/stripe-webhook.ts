import express, { type Express } from 'express';
import type Stripe from 'stripe';
import { type Logger } from '@novamart/kit';
import { type ProviderEventService } from '../services/provider-events';

/**
 * `POST /webhooks/stripe`: the signature is verified on the raw body (any re-serialisation would
 * break it); a missing or forged signature is 400 and changes nothing. Only verified events reach
 * the provider-event service, which deduplicates them by id.
 */
export function mountStripeWebhook(
  app: Express,
  deps: { stripe: Stripe | null; secret: string | undefined; events: ProviderEventService; logger: Logger },
): void {
  app.post('/webhooks/stripe', express.raw({ type: '*/*', limit: '1mb' }), async (req, res) => {
    if (!deps.stripe || !deps.secret) {
      res
        .status(503)
        .json({ error: 'Stripe webhooks are not configured (STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET)' });
      return;
    }
    const signature = req.header('stripe-signature');
    if (!signature) {
      res.status(400).json({ error: 'Missing Stripe-Signature header' });
      return;
    }
    let event: Stripe.Event;
    try {
      event = deps.stripe.webhooks.constructEvent(req.body as Buffer, signature, deps.secret);
    } catch (error) {
      deps.logger.warn({ reason: (error as Error).message }, 'rejected a webhook with a bad signature');
      res.status(400).json({ error: 'Invalid signature' });
      return;
    }
    try {
      const applied = await deps.events.handle(event as never);
      res.status(200).json({ received: true, duplicate: !applied });
    } catch (error) {
      // A 5xx makes Stripe deliver the event again later.
      deps.logger.error({ err: error, eventId: event.id, type: event.type }, 'webhook handling failed');
      res.status(500).json({ error: 'Webhook handling failed' });
    }
  });
}
