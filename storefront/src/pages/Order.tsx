import { Fragment, useCallback, useState, type FormEvent } from 'react';
import { useMutation, useQuery, useSubscription } from '@apollo/client/react';
import {
  CANCEL_ORDER,
  CONFIRM_PAYMENT,
  CREATE_PAYMENT_INTENT,
  ORDER,
  ORDER_STATUS_CHANGED,
  PAYMENT_SETTINGS,
} from '../graphql';
import { Link, usePageTitle } from '../router';
import { Loading, Problems, Section, StatusBadge } from '../ui';
import { optionSummary, productLink } from '../variants';
import { TaxLines } from './TaxLines';
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

const DECLINES: Record<string, string> = {
  generic_decline: 'Your card was declined by your bank.',
  insufficient_funds: 'Your card has insufficient funds.',
  lost_card: 'Your card was reported lost.',
  stolen_card: 'Your card was reported stolen.',
  expired_card: 'Your card has expired.',
  incorrect_cvc: 'The card’s security code is incorrect.',
};

const STEPS = ['PENDING', 'AWAITING_PAYMENT', 'PAID', 'SHIPPED', 'DELIVERED'] as const;
const STEP_LABELS: Record<string, string> = {
  PENDING: 'Placed',
  AWAITING_PAYMENT: 'Awaiting payment',
  PAID: 'Paid',
  SHIPPED: 'Shipped',
  DELIVERED: 'Delivered',
};

export function OrderPage({ id }: { id: string }) {
  usePageTitle('Your order');
  // PENDING lasts only until the stock is reserved, which may happen before this page's
  // subscription is listening: while PENDING the page also re-reads the order (a read, never a
  // write again). While AWAITING_PAYMENT it re-reads now and then too, so that a payment shows
  // even where the WebSocket is blocked (a proxy or a strict policy). Later changes (SHIPPED,
  // DELIVERED) arrive through the subscription only.
  const [pending, setPending] = useState(true);
  const [awaitingPayment, setAwaitingPayment] = useState(false);
  const { data, loading, error } = useQuery<any>(ORDER, {
    variables: { id },
    pollInterval: pending ? 1500 : awaitingPayment ? 3000 : 0,
  });
  const order = data?.order;
  const [announcement, setAnnouncement] = useState('');
  const live = useSubscription<any>(ORDER_STATUS_CHANGED, {
    variables: { orderId: id },
    onData: ({ data: event }) => {
      const update = event.data?.orderStatusChanged;
      if (update)
        setAnnouncement(
          `Order status changed to ${STEP_LABELS[update.status] ?? update.status.toLowerCase()}.`,
        );
    },
  });
  if (order && pending !== (order.status === 'PENDING')) setPending(order.status === 'PENDING');
  if (order && awaitingPayment !== (order.status === 'AWAITING_PAYMENT'))
    setAwaitingPayment(order.status === 'AWAITING_PAYMENT');

  if (loading && !data) return <Loading what="your order" />;
  if (!order)
    return (
      <>
        <h1 tabIndex={-1}>Order not found</h1>
        <Problems error={error} />
      </>
    );
  const current = STEPS.indexOf(order.status);
  return (
    <>
      <h1 tabIndex={-1}>Order {order.id.slice(-8).toUpperCase()}</h1>
      <p aria-live="polite" className="visually-hidden" data-testid="order-announcement">
        {announcement}
      </p>
      <p className="order-status">
        Status: <strong data-testid="order-status">{order.status}</strong>{' '}
        <StatusBadge status={order.status} />{' '}
        <span className="muted small">
          {live.error ? '(live updates unavailable: reload to see changes)' : '(updates live)'}
        </span>
      </p>
      {order.status !== 'CANCELLED' && order.status !== 'REFUNDED' && (
        <ol className="steps" aria-label="Order progress">
          {STEPS.map((step, i) => (
            <li
              key={step}
              className={i < current ? 'done' : i === current ? 'current' : ''}
              aria-current={i === current ? 'step' : undefined}
            >
              {STEP_LABELS[step]}
            </li>
          ))}
        </ol>
      )}
      {order.status === 'AWAITING_PAYMENT' && <PaymentForm order={order} />}
      {order.status === 'PAID' && (
        <p className="success">Thank you! Your payment was received and your order is being prepared.</p>
      )}
      {order.status === 'SHIPPED' && (
        <p className="success">
          On its way with {order.carrier}, tracking number {order.trackingNumber}.
        </p>
      )}
      {order.status === 'CANCELLED' && (
        <p className="notice">
          This order was cancelled: {order.statusHistory.at(-1)?.reason ?? 'no reason given'}.
        </p>
      )}
      <div className="two-columns">
        <Section title="Items">
          <ul className="plain">
            {order.items.map((item: any) => (
              <li key={item.sku}>
                {item.quantity} ×{' '}
                <Link to={productLink(item.product.slug, item.product.id, item.variantId)}>{item.name}</Link>
                {item.selectedOptions.length > 0 && ` (${optionSummary(item.selectedOptions)})`} —{' '}
                {item.lineTotal.formatted}
              </li>
            ))}
          </ul>
          <OrderTotals order={order} />
        </Section>
        <Section title="Shipping to">
          <address>
            {order.shippingAddress.name}
            <br />
            {order.shippingAddress.line1}
            {order.shippingAddress.line2 && (
              <>
                <br />
                {order.shippingAddress.line2}
              </>
            )}
            <br />
            {order.shippingAddress.postalCode} {order.shippingAddress.city}{' '}
            {order.shippingAddress.region ?? ''}
            <br />
            {order.shippingAddress.country}
          </address>
          <p className="muted small">Confirmation sent to {order.email}</p>
        </Section>
      </div>
      <Section title="History">
        <ol className="plain">
          {order.statusHistory.map((h: any, i: number) => (
            <li key={i}>
              <time dateTime={h.at}>{new Date(h.at).toLocaleString()}</time> —{' '}
              {STEP_LABELS[h.status] ?? h.status}
              {h.reason ? `: ${h.reason}` : ''}
            </li>
          ))}
        </ol>
      </Section>
      {['PENDING', 'AWAITING_PAYMENT', 'PAID'].includes(order.status) && (
        <CancelOrder id={order.id} paid={order.status === 'PAID'} />
      )}
    </>
  );
}

/**
 * What the order cost, line by line as the API stored it: discounts, the shipping method and its
 * charge, tax (included in the prices or added), the total and any refund.
 */
function OrderTotals({ order }: { order: any }) {
  const method = order.shippingMethod;
  return (
    <dl className="totals">
      <dt>Subtotal</dt>
      <dd>{order.subtotal.formatted}</dd>
      {order.discounts.map((discount: any) => (
        <Fragment key={discount.promotionId}>
          <dt>{discount.description}</dt>
          {/* A free-shipping promotion takes nothing off the items: what it took off the shipping. */}
          <dd>
            {discount.amount.amount > 0
              ? `−${discount.amount.formatted}`
              : `−${discount.shippingAmount.formatted} on shipping`}
          </dd>
        </Fragment>
      ))}
      <dt>Shipping{method ? ` (${method.name})` : ''}</dt>
      <dd data-testid="order-shipping">{order.shippingCost.formatted}</dd>
      <TaxLines lines={order.taxLines} pricesIncludeTax={order.pricesIncludeTax} />
      <dt>Total</dt>
      <dd>
        <strong data-testid="order-total">{order.total.formatted}</strong>
      </dd>
      {order.amountRefunded.amount > 0 && (
        <>
          <dt>Refunded</dt>
          <dd>{order.amountRefunded.formatted}</dd>
        </>
      )}
    </dl>
  );
}

function PaymentForm({ order }: { order: any }) {
  // Stripe Elements when the shop has a publishable key; otherwise Stripe's test payment methods,
  // which the simulated provider and a Stripe test account both accept.
  const settings = useQuery<any>(PAYMENT_SETTINGS, { fetchPolicy: 'cache-first' });
  const publishableKey: string | null = settings.data?.paymentSettings.stripePublishableKey ?? null;
  const [card, setCard] = useState(TEST_CARDS[0]!.id);
  const [collector, setCollector] = useState<CardCollector | null>(null);
  const onCollectorReady = useCallback((ready: CardCollector | null) => setCollector(() => ready), []);
  const [createIntent] = useMutation<any>(CREATE_PAYMENT_INTENT);
  const [confirm] = useMutation<any>(CONFIRM_PAYMENT);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [cardProblem, setCardProblem] = useState<string | null>(null);
  const [result, setResult] = useState<any>(null);

  const onPay = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setCardProblem(null);
    setResult(null);
    try {
      // The card first: a typo is the customer's to fix before anything is asked of the shop.
      const paymentMethodId = publishableKey ? await collector!.paymentMethodId() : card;
      // Asking again returns the order's one payment, so a second attempt after a decline reuses it.
      const intent = await createIntent({ variables: { orderId: order.id } });
      const payment = intent.data?.createPaymentIntent;
      if (!payment) return;
      const confirmed = await confirm({
        variables: { paymentId: payment.id, paymentMethodId },
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

  const declined = result?.status === 'FAILED';
  return (
    <form onSubmit={onPay} className="payment" aria-labelledby="pay-heading">
      <h2 id="pay-heading">Pay {order.total.formatted}</h2>
      {settings.loading ? (
        <Loading what="the payment form" />
      ) : publishableKey ? (
        <StripeCardField publishableKey={publishableKey} onReady={onCollectorReady} />
      ) : (
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
                onChange={() => setCard(c.id)}
              />
              <label htmlFor={c.id}>{c.label}</label>
            </div>
          ))}
        </fieldset>
      )}
      {cardProblem && (
        <p role="alert" className="problem">
          {cardProblem}
        </p>
      )}
      {declined && (
        <div role="alert" className="problem" data-testid="decline">
          <p>
            <strong>Payment declined.</strong>{' '}
            {DECLINES[result.declineCode] ?? result.failureReason ?? 'Your card was declined.'}
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
      <Problems error={error ?? settings.error} />
      <button type="submit" disabled={busy || settings.loading || Boolean(publishableKey && !collector)}>
        {busy ? 'Paying…' : declined ? 'Try again' : `Pay ${order.total.formatted}`}
      </button>
    </form>
  );
}

function CancelOrder({ id, paid }: { id: string; paid: boolean }) {
  const [cancel, state] = useMutation<any>(CANCEL_ORDER);
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<unknown>(null);
  if (!confirming)
    return (
      <p>
        <button type="button" className="secondary" onClick={() => setConfirming(true)}>
          Cancel order
        </button>
      </p>
    );
  return (
    <div className="notice">
      <p>Cancel this order?{paid ? ' Your payment will be refunded.' : ''}</p>
      <Problems error={error} />
      <button
        type="button"
        disabled={state.loading}
        onClick={async () => {
          setError(null);
          try {
            await cancel({ variables: { id, reason: 'Cancelled by the customer' } });
            setConfirming(false);
          } catch (err) {
            setError(err);
          }
        }}
      >
        Yes, cancel it
      </button>{' '}
      <button type="button" className="secondary" onClick={() => setConfirming(false)}>
        Keep it
      </button>
    </div>
  );
}
