import { useCallback, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from '@apollo/client/react';
import { CONFIRM_PAYMENT, CREATE_PAYMENT_INTENT, ORDER, PAYMENT_SETTINGS } from '../graphql';
import type { ConfirmPaymentMutation, OrderFieldsFragment } from '../graphql-types';
import { Loading, Problems } from '../ui';
import { CardInputError, StripeCardField, type CardCollector } from './StripeCard';

/** The simulated provider (and Stripe's test mode) answer these test payment methods. */
const TEST_CARDS: { id: string; label: string }[] = [
  { id: 'pm_card_visa', label: 'Visa ending 4242 (test card that succeeds)' },
  { id: 'pm_card_chargeDeclined', label: 'Visa ending 0002 (test card that is declined)' },
  {
    id: 'pm_card_chargeDeclinedInsufficientFunds',
    label: 'Visa ending 9995 (test card with insufficient funds)',
  },
];

/** A confirmation's answer: the payment's status and, when declined, why. */
type PaymentResult = ConfirmPaymentMutation['confirmPayment'];

const DECLINES: Record<string, string> = {
  generic_decline: 'Your card was declined by your bank.',
  insufficient_funds: 'Your card has insufficient funds.',
  lost_card: 'Your card was reported lost.',
  stolen_card: 'Your card was reported stolen.',
  expired_card: 'Your card has expired.',
  incorrect_cvc: 'The card’s security code is incorrect.',
};

/**
 * Paying for the order: the card from `paymentMethodId` (Stripe's card field, or a test card),
 * then the order's payment intent confirmed with it. `result` is the confirmation's outcome.
 */
function usePayment(
  orderId: string,
  paymentMethodId: () => Promise<string>,
  collector: CardCollector | null,
) {
  const [createIntent] = useMutation(CREATE_PAYMENT_INTENT);
  const [confirm] = useMutation(CONFIRM_PAYMENT);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [cardProblem, setCardProblem] = useState<string | null>(null);
  const [result, setResult] = useState<PaymentResult | null>(null);

  const pay = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setCardProblem(null);
    setResult(null);
    try {
      // The card first: a typo is the customer's to fix before anything is asked of the shop.
      const methodId = await paymentMethodId();
      // Asking again returns the order's one payment, so a second attempt after a decline reuses it.
      const intent = await createIntent({ variables: { orderId } });
      const payment = intent.data?.createPaymentIntent;
      if (!payment) return;
      const confirmed = await confirm({
        variables: { paymentId: payment.id, paymentMethodId: methodId },
        // One read of the order after a confirmation: the subscription may only just have started
        // listening (its start is not acknowledged), so the page never depends on that alone.
        refetchQueries: [ORDER],
      });
      const outcome = confirmed.data?.confirmPayment ?? null;
      // 3-D Secure: the bank asks the customer; Stripe then tells the shop (webhook), and the
      // order's status moves here live.
      if (outcome?.status === 'REQUIRES_ACTION' && collector && payment.clientSecret)
        await collector.authenticate(payment.clientSecret);
      setResult(outcome);
    } catch (err) {
      if (err instanceof CardInputError) setCardProblem(err.message);
      else setError(err);
    } finally {
      setBusy(false);
    }
  };
  return { pay, busy, error, cardProblem, result };
}

export function PaymentForm({ order }: { order: OrderFieldsFragment }) {
  // Stripe Elements when the shop has a publishable key; otherwise Stripe's test payment methods,
  // which the simulated provider and a Stripe test account both accept.
  const settings = useQuery(PAYMENT_SETTINGS, { fetchPolicy: 'cache-first' });
  const publishableKey: string | null = settings.data?.paymentSettings.stripePublishableKey ?? null;
  const [card, setCard] = useState(TEST_CARDS[0]!.id);
  const [collector, setCollector] = useState<CardCollector | null>(null);
  const onCollectorReady = useCallback((ready: CardCollector | null) => setCollector(() => ready), []);
  const payment = usePayment(
    order.id,
    async () => (publishableKey ? collector!.paymentMethodId() : card),
    collector,
  );
  const declined = payment.result?.status === 'FAILED';
  return (
    <form onSubmit={payment.pay} className="payment" aria-labelledby="pay-heading">
      <h2 id="pay-heading">Pay {order.total.formatted}</h2>
      {settings.loading ? (
        <Loading what="the payment form" />
      ) : publishableKey ? (
        <StripeCardField publishableKey={publishableKey} onReady={onCollectorReady} />
      ) : (
        <TestCardFieldset card={card} onChange={setCard} />
      )}
      <PaymentOutcome cardProblem={payment.cardProblem} result={payment.result} />
      <Problems error={payment.error ?? settings.error} />
      <button
        type="submit"
        disabled={payment.busy || settings.loading || Boolean(publishableKey && !collector)}
      >
        {payment.busy ? 'Paying…' : declined ? 'Try again' : `Pay ${order.total.formatted}`}
      </button>
    </form>
  );
}

function TestCardFieldset({ card, onChange }: { card: string; onChange: (id: string) => void }) {
  return (
    <fieldset>
      <legend>Card</legend>
      {TEST_CARDS.map((c) => (
        <div key={c.id} className="radio">
          <input
            type="radio"
            id={c.id}
            name="card"
            value={c.id}
            checked={card === c.id}
            onChange={() => onChange(c.id)}
          />
          <label htmlFor={c.id}>{c.label}</label>
        </div>
      ))}
    </fieldset>
  );
}

/** What the last attempt came to: a card to correct, a decline and its reason, or the payment's status. */
function PaymentOutcome({
  cardProblem,
  result,
}: {
  cardProblem: string | null;
  result: PaymentResult | null;
}) {
  const declined = result?.status === 'FAILED';
  return (
    <>
      {cardProblem && (
        <p role="alert" className="problem">
          {cardProblem}
        </p>
      )}
      {declined && (
        <div role="alert" className="problem" data-testid="decline">
          <p>
            <strong>Payment declined.</strong>{' '}
            {DECLINES[result.declineCode ?? ''] ?? result.failureReason ?? 'Your card was declined.'}
            {result.declineCode ? ` (${result.declineCode.replace(/_/g, ' ')})` : ''}
          </p>
          <p>Nothing was charged. Choose another card and try again.</p>
        </div>
      )}
      {result && !declined && (
        <p role="status" className="success">
          Payment{' '}
          {result.status === 'SUCCEEDED' ? 'accepted' : result.status.toLowerCase().replace(/_/g, ' ')}. Your
          order updates here in a moment.
        </p>
      )}
    </>
  );
}
