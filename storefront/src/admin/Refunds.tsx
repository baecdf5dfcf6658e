import { useState } from 'react';
import { useMutation, useQuery } from '@apollo/client/react';
import { APPROVE_REFUND, PENDING_REFUNDS, REJECT_REFUND } from '../graphql';
import type { PendingRefundsQuery } from '../graphql-types';
import { Link, usePageTitle } from '../router';
import { Loading, Problems } from '../ui';

export function RefundsPage() {
  usePageTitle('Refunds awaiting approval');
  const { data, loading, error } = useQuery(PENDING_REFUNDS, { fetchPolicy: 'network-only' });
  return (
    <>
      <h1 tabIndex={-1}>Refunds awaiting approval</h1>
      <p className="muted">
        Refunds above the approval threshold wait for a second administrator, never the one who asked.
      </p>
      {loading && !data && <Loading what="refunds" />}
      <Problems error={error} />
      {data && data.pendingRefundApprovals.length === 0 && <p>No refund is waiting.</p>}
      <ul className="plain">
        {data?.pendingRefundApprovals.map((r) => (
          <RefundRow key={r.id} refund={r} />
        ))}
      </ul>
    </>
  );
}

function RefundRow({ refund }: { refund: PendingRefundsQuery['pendingRefundApprovals'][number] }) {
  const [approve, approveState] = useMutation(APPROVE_REFUND, { refetchQueries: [PENDING_REFUNDS] });
  const [reject, rejectState] = useMutation(REJECT_REFUND, { refetchQueries: [PENDING_REFUNDS] });
  const [error, setError] = useState<unknown>(null);
  const act = async (fn: () => Promise<unknown>) => {
    setError(null);
    try {
      await fn();
    } catch (err) {
      setError(err);
    }
  };
  const order = refund.payment.order;
  return (
    <li className="card wide">
      <p>
        <strong>{refund.amount.formatted}</strong> for{' '}
        <Link to={`/orders/${order.id}`}>order {order.id.slice(-8).toUpperCase()}</Link> ({order.email}) ·
        asked by {refund.requestedBy?.email ?? 'the system'} · {refund.reason ?? 'no reason given'}
      </p>
      <button
        type="button"
        disabled={approveState.loading}
        onClick={() => act(() => approve({ variables: { id: refund.id } }))}
      >
        Approve
      </button>{' '}
      <button
        type="button"
        className="danger"
        disabled={rejectState.loading}
        onClick={() =>
          act(() => reject({ variables: { id: refund.id, reason: 'Rejected in the back office' } }))
        }
      >
        Reject
      </button>
      <Problems error={error} />
    </li>
  );
}
