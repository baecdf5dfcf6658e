import { useEffect, useState } from 'react';
import { useQuery } from '@apollo/client/react';
import { RETURN_QUEUE } from '../graphql';
import type { ReturnStatus } from '../graphql-types';
import { Link, usePageTitle } from '../router';
import { useSession } from '../session';
import { CursorPager, Loading, Problems, SelectField } from '../ui';
import { AdminReturn } from './OrderReturns';

/** A status's list, or every return whatever its status (`ALL`: the API's filter left out). */
type Shown = ReturnStatus | 'ALL';

/** The queues staff work through, the finished returns for reference, and all of them. */
const QUEUES: readonly (readonly [Shown, string])[] = [
  ['REQUESTED', 'Awaiting a decision'],
  ['APPROVED', 'Awaiting the parcel'],
  ['RECEIVED', 'Received'],
  ['REJECTED', 'Rejected'],
  ['ALL', 'All returns'],
];

const EMPTY: Record<Shown, string> = {
  REQUESTED: 'No return is awaiting a decision.',
  APPROVED: 'No approved return is awaiting its parcel.',
  RECEIVED: 'No return has been received yet.',
  REJECTED: 'No return has been rejected.',
  ALL: 'No return has been requested yet.',
};

/**
 * The returns queue (SUPPORT, DISPATCHER or ADMIN): the returns of every order in one status,
 * oldest request first, each with its order and the actions of the order list's returns (approve,
 * reject with a reason, receive; a DISPATCHER receives only). After an action the list is read
 * again: the return leaves it for the next status's list, and the page says what was done.
 */
export function ReturnsQueuePage() {
  usePageTitle('Returns');
  // SUPPORT decides and receives; a DISPATCHER only receives, so starts on the parcels awaited.
  const dispatcher = useSession()?.user.role === 'DISPATCHER';
  const [status, setStatus] = useState<Shown>(dispatcher ? 'APPROVED' : 'REQUESTED');
  const [after, setAfter] = useState<string[]>([]);
  const [done, setDone] = useState('');
  const { data, loading, error, refetch } = useQuery(RETURN_QUEUE, {
    variables: { filter: status === 'ALL' ? {} : { status }, after: after.at(-1) ?? null },
    fetchPolicy: 'cache-and-network',
  });
  const queue = data?.returns;
  // An action can empty a later page (its last return left the list): show the page before it.
  const emptiedPage = after.length > 0 && queue?.edges.length === 0;
  useEffect(() => {
    if (emptiedPage) setAfter((pages) => pages.slice(0, -1));
  }, [emptiedPage]);
  const onDone = (message: string) => {
    setDone(message);
    void refetch();
  };
  return (
    <>
      <h1 tabIndex={-1}>Returns</h1>
      <form className="inline-form wrap toolbar" onSubmit={(e) => e.preventDefault()}>
        <SelectField
          label="Show returns"
          value={status}
          options={QUEUES}
          onChange={(e) => {
            setAfter([]);
            setDone('');
            setStatus(e.target.value as Shown); // a value of QUEUES
          }}
        />
      </form>
      {done && (
        <p role="status" className="success">
          {done}
        </p>
      )}
      <Problems error={error} />
      {loading && !data && <Loading what="the returns" />}
      {queue && (
        <p className="muted">
          {queue.totalCount} {queue.totalCount === 1 ? 'return' : 'returns'}, oldest request first
        </p>
      )}
      {queue && queue.edges.length === 0 && <p>{EMPTY[status]}</p>}
      <ol className="plain" aria-label="Returns, oldest request first">
        {queue?.edges.map(({ node }) => (
          <AdminReturn key={node.id} request={node} onDone={onDone} canDecide={!dispatcher}>
            <p>
              <Link to={`/orders/${node.order.id}`}>Order {node.order.id.slice(-8).toUpperCase()}</Link> ·{' '}
              {node.order.email} · order total {node.order.total.formatted}
            </p>
          </AdminReturn>
        ))}
      </ol>
      <CursorPager after={after} setAfter={setAfter} pageInfo={queue?.pageInfo} />
    </>
  );
}
