import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from '@apollo/client/react';
import { ADMIN_CANCEL_ORDER, ADMIN_ORDERS, MARK_SHIPPED } from '../graphql';
import type { AdminOrdersQuery, OrderStatus } from '../graphql-types';
import { Link, usePageTitle } from '../router';
import { CursorPager, Field, Loading, Problems, StatusBadge } from '../ui';
import { AdminOrderReturns } from './OrderReturns';

const STATUSES: OrderStatus[] = [
  'PENDING',
  'AWAITING_PAYMENT',
  'PAID',
  'SHIPPED',
  'DELIVERED',
  'CANCELLED',
  'REFUNDED',
];

export function AdminOrdersPage() {
  usePageTitle('Orders');
  const [status, setStatus] = useState<OrderStatus | ''>('');
  const [email, setEmail] = useState('');
  const [emailFilter, setEmailFilter] = useState('');
  const [after, setAfter] = useState<string[]>([]);
  const filter = { ...(status ? { status } : {}), ...(emailFilter ? { email: emailFilter } : {}) };
  const { data, loading, error } = useQuery(ADMIN_ORDERS, {
    variables: { filter, after: after.at(-1) ?? null },
  });
  const orders = data?.orders;
  return (
    <>
      <h1 tabIndex={-1}>Orders</h1>
      <form
        className="inline-form wrap toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          setAfter([]);
          setEmailFilter(email.trim());
        }}
      >
        <div className="field">
          <label htmlFor="order-status-filter">Status</label>
          <select
            id="order-status-filter"
            value={status}
            onChange={(e) => {
              setAfter([]);
              setStatus(e.target.value as OrderStatus | ''); // an option of STATUSES, or ''
            }}
          >
            <option value="">Any status</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s.replace(/_/g, ' ').toLowerCase()}
              </option>
            ))}
          </select>
        </div>
        <Field label="Customer email" type="email" value={email} onChange={(e) => setEmail(e.target.value)} />
        <button type="submit">Filter</button>
      </form>
      <Problems error={error} />
      {loading && !data && <Loading what="orders" />}
      {orders && <p className="muted">{orders.totalCount} orders</p>}
      <ul className="plain order-list">
        {orders?.edges.map(({ node }) => (
          <AdminOrderRow key={node.id} order={node} />
        ))}
      </ul>
      <CursorPager after={after} setAfter={setAfter} pageInfo={orders?.pageInfo} />
    </>
  );
}

function AdminOrderRow({ order }: { order: AdminOrdersQuery['orders']['edges'][number]['node'] }) {
  const [ship, shipState] = useMutation(MARK_SHIPPED);
  const [cancel, cancelState] = useMutation(ADMIN_CANCEL_ORDER);
  const [carrier, setCarrier] = useState('UPS');
  const [tracking, setTracking] = useState('');
  const [error, setError] = useState<unknown>(null);
  const label = order.id.slice(-8).toUpperCase();
  const onShip = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      await ship({ variables: { id: order.id, carrier: carrier.trim(), trackingNumber: tracking.trim() } });
    } catch (err) {
      setError(err);
    }
  };
  const onCancel = async () => {
    if (
      !window.confirm(`Cancel order ${label}?${order.status === 'PAID' ? ' The payment is refunded.' : ''}`)
    )
      return;
    setError(null);
    try {
      await cancel({ variables: { id: order.id, reason: 'Cancelled by the shop' } });
    } catch (err) {
      setError(err);
    }
  };
  return (
    <li className="card wide" aria-label={`Order ${label}`}>
      <p>
        <Link to={`/orders/${order.id}`}>Order {label}</Link> · {order.email} ·{' '}
        {new Date(order.createdAt).toLocaleString()} · {order.total.formatted}{' '}
        <StatusBadge status={order.status} />
        {order.trackingNumber && (
          <span className="muted small">
            {' '}
            {order.carrier} {order.trackingNumber}
          </span>
        )}
      </p>
      {order.status === 'PAID' && (
        <form onSubmit={onShip} className="inline-form wrap">
          <Field label="Carrier" required value={carrier} onChange={(e) => setCarrier(e.target.value)} />
          <Field
            label="Tracking number"
            required
            value={tracking}
            onChange={(e) => setTracking(e.target.value)}
          />
          <button type="submit" disabled={shipState.loading}>
            Mark shipped
          </button>
        </form>
      )}
      {['PENDING', 'AWAITING_PAYMENT', 'PAID'].includes(order.status) && (
        <button type="button" className="danger" disabled={cancelState.loading} onClick={onCancel}>
          Cancel order <span className="visually-hidden">{label}</span>
        </button>
      )}
      <Problems error={error} />
      {order.returns.length > 0 && <AdminOrderReturns order={order} label={label} />}
    </li>
  );
}
