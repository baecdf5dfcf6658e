import { useEffect, useId, useRef, useState } from 'react';
import type { Stripe, StripeCardElement } from '@stripe/stripe-js';
import { loadStripe } from '@stripe/stripe-js/pure';

/**
 * What the payment form needs from whoever collects the card: a PaymentMethod id for
 * `confirmPayment` (the server confirms, with the amount it computed), and, when the bank asks
 * for it (3-D Secure, status REQUIRES_ACTION), the customer's authentication.
 */
export interface CardCollector {
  paymentMethodId(): Promise<string>;
  authenticate(clientSecret: string): Promise<void>;
}

/** A card problem the customer can fix (incomplete number, expired card), worded by Stripe. */
export class CardInputError extends Error {}

// The `pure` entry: Stripe.js is fetched only when a shop with a publishable key shows the card
// field, never on import (which the package's main entry does, and a shop without Stripe forbids).
// One Stripe.js per publishable key for the page's lifetime, as Stripe recommends.
const loaded = new Map<string, Promise<Stripe | null>>();
function stripeFor(publishableKey: string): Promise<Stripe | null> {
  let stripe = loaded.get(publishableKey);
  if (!stripe) loaded.set(publishableKey, (stripe = loadStripe(publishableKey)));
  return stripe;
}

/**
 * Stripe Elements' card field: the number, expiry and CVC are typed into Stripe's own frame and
 * never reach NovaMart; only the PaymentMethod id does.
 */
export function StripeCardField({
  publishableKey,
  onReady,
}: {
  publishableKey: string;
  onReady: (collector: CardCollector | null) => void;
}) {
  const id = useId();
  const mountPoint = useRef<HTMLDivElement>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [loadFailed, setLoadFailed] = useState(false);

  useEffect(() => {
    let card: StripeCardElement | undefined;
    let cancelled = false;
    stripeFor(publishableKey)
      .then((stripe) => {
        if (cancelled || !mountPoint.current) return;
        if (!stripe) throw new Error('Stripe.js did not load');
        card = stripe.elements().create('card', { hidePostalCode: true });
        card.mount(mountPoint.current);
        card.on('change', (event) => setProblem(event.error?.message ?? null));
        const element = card;
        onReady({
          async paymentMethodId() {
            const result = await stripe.createPaymentMethod({ type: 'card', card: element });
            if (result.error) throw new CardInputError(result.error.message ?? 'Check the card details.');
            return result.paymentMethod.id;
          },
          async authenticate(clientSecret) {
            const result = await stripe.handleNextAction({ clientSecret });
            if (result.error) throw new CardInputError(result.error.message ?? 'The bank did not confirm.');
          },
        });
      })
      .catch(() => {
        if (!cancelled) setLoadFailed(true);
      });
    return () => {
      cancelled = true;
      onReady(null);
      card?.destroy();
    };
  }, [publishableKey, onReady]);

  return (
    <div className="field">
      <label id={`${id}-label`} htmlFor={id}>
        Card
      </label>
      <div id={id} ref={mountPoint} className="card-element" aria-labelledby={`${id}-label`} />
      {loadFailed && (
        <small role="alert" className="field-error">
          The card form could not be loaded. Check your connection and reload the page.
        </small>
      )}
      {problem && (
        <small role="alert" className="field-error">
          {problem}
        </small>
      )}
    </div>
  );
}
