import { Fragment, useState } from 'react';
import { useMutation, useQuery, useSubscription } from '@apollo/client/react';
import { CANCEL_ORDER, ORDER, ORDER_STATUS_CHANGED } from '../graphql';
import type { OrderFieldsFragment } from '../graphql-types';
import { Link, usePageTitle } from '../router';
import { Loading, Problems, Section, StatusBadge } from '../ui';
import { optionSummary, productLink } from '../variants';
import { TaxLines } from './TaxLines';
import { PaymentForm } from './OrderPayment';
import { OrderReturns } from './OrderReturns';
import { PostalAddress } from './AddressFields';

const STEPS = ['PENDING', 'AWAITING_PAYMENT', 'PAID', 'SHIPPED', 'DELIVERED'] as const;
const STEP_LABELS: Record<string, string> = {
  PENDING: 'Placed',
  AWAITING_PAYMENT: 'Awaiting payment',
  PAID: 'Paid',
  SHIPPED: 'Shipped',
  DELIVERED: 'Delivered',
};

/** The order as the page shows it, kept current, and what the live updates last announced. */
function useLiveOrder(id: string) {
  // PENDING lasts only until the stock is reserved, which may happen before this page's
  // subscription is listening: while PENDING the page also re-reads the order (a read, never a
  // write again). While AWAITING_PAYMENT it re-reads now and then too, so that a payment shows
  // even where the WebSocket is blocked (a proxy or a strict policy). Later changes (SHIPPED,
  // DELIVERED) arrive through the subscription only.
  const [pending, setPending] = useState(true);
  const [awaitingPayment, setAwaitingPayment] = useState(false);
  const { data, loading, error } = useQuery(ORDER, {
    variables: { id },
    pollInterval: pending ? 1500 : awaitingPayment ? 3000 : 0,
  });
  const order = data?.order;
  const [announcement, setAnnouncement] = useState('');
  const live = useSubscription(ORDER_STATUS_CHANGED, {
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
  return { order, loading: loading && !data, error, announcement, liveError: live.error };
}

export function OrderPage({ id }: { id: string }) {
  usePageTitle('Your order');
  const { order, loading, error, announcement, liveError } = useLiveOrder(id);
  if (loading) return <Loading what="your order" />;
  if (!order)
    return (
      <>
        <h1 tabIndex={-1}>Order not found</h1>
        <Problems error={error} />
      </>
    );
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
          {liveError ? '(live updates unavailable: reload to see changes)' : '(updates live)'}
        </span>
      </p>
      {order.status !== 'CANCELLED' && order.status !== 'REFUNDED' && <OrderProgress status={order.status} />}
      {order.status === 'AWAITING_PAYMENT' && <PaymentForm order={order} />}
      <OrderStatusNotice order={order} />
      <div className="two-columns">
        <Section title="Items">
          <OrderItems items={order.items} />
          <OrderTotals order={order} />
        </Section>
        <Section title="Shipping to">
          <PostalAddress address={order.shippingAddress} />
          <p className="muted small">Confirmation sent to {order.email}</p>
        </Section>
      </div>
      <Section title="History">
        <OrderHistory history={order.statusHistory} />
      </Section>
      {/* Keyed by status: a delivery announced live remounts it, which reads the shipments again. */}
      <OrderReturns key={order.status} order={order} />
      {['PENDING', 'AWAITING_PAYMENT', 'PAID'].includes(order.status) && (
        <CancelOrder id={order.id} paid={order.status === 'PAID'} />
      )}
    </>
  );
}

function OrderProgress({ status }: { status: string }) {
  const current = STEPS.indexOf(status as (typeof STEPS)[number]);
  return (
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
  );
}

/** What the status means for the shopper, where there is more to say than the status itself. */
function OrderStatusNotice({ order }: { order: OrderFieldsFragment }) {
  switch (order.status) {
    case 'PAID':
      return (
        <p className="success">Thank you! Your payment was received and your order is being prepared.</p>
      );
    case 'SHIPPED':
      return (
        <p className="success">
          On its way with {order.carrier}, tracking number {order.trackingNumber}.
        </p>
      );
    case 'CANCELLED':
      return (
        <p className="notice">
          This order was cancelled: {order.statusHistory.at(-1)?.reason ?? 'no reason given'}.
        </p>
      );
    default:
      return null;
  }
}

function OrderItems({ items }: { items: OrderFieldsFragment['items'] }) {
  return (
    <ul className="plain">
      {items.map((item) => (
        <li key={item.sku}>
          {item.quantity} ×{' '}
          <Link to={productLink(item.product.slug, item.product.id, item.variantId)}>{item.name}</Link>
          {item.selectedOptions.length > 0 && ` (${optionSummary(item.selectedOptions)})`} —{' '}
          {item.lineTotal.formatted}
        </li>
      ))}
    </ul>
  );
}

function OrderHistory({ history }: { history: OrderFieldsFragment['statusHistory'] }) {
  return (
    <ol className="plain">
      {history.map((h, i) => (
        <li key={i}>
          <time dateTime={h.at}>{new Date(h.at).toLocaleString()}</time> — {STEP_LABELS[h.status] ?? h.status}
          {h.reason ? `: ${h.reason}` : ''}
        </li>
      ))}
    </ol>
  );
}

/**
 * What the order cost, line by line as the API stored it: discounts, the shipping method and its
 * charge, tax (included in the prices or added), the total and any refund.
 */
function OrderTotals({ order }: { order: OrderFieldsFragment }) {
  const method = order.shippingMethod;
  return (
    <dl className="totals">
      <dt>Subtotal</dt>
      <dd>{order.subtotal.formatted}</dd>
      {order.discounts.map((discount) => (
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

function CancelOrder({ id, paid }: { id: string; paid: boolean }) {
  const [cancel, state] = useMutation(CANCEL_ORDER);
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
