import { useQuery } from '@apollo/client/react';
import { MY_ORDERS } from '../graphql';
import type { MyOrdersQuery } from '../graphql-types';
import { Link, usePageTitle } from '../router';
import { useSession } from '../session';
import { Loading, Problems, StatusBadge } from '../ui';

export function OrdersPage() {
  usePageTitle('Your orders');
  const session = useSession();
  const { data, loading, error, fetchMore } = useQuery(MY_ORDERS, { skip: !session });
  if (!session)
    return (
      <>
        <h1 tabIndex={-1}>Your orders</h1>
        <p>
          <Link to="/signin?next=/account/orders">Sign in</Link> to see your orders.
        </p>
      </>
    );
  const orders = data?.me?.orders;
  return (
    <>
      <h1 tabIndex={-1}>Your orders</h1>
      {loading && !data && <Loading what="your orders" />}
      <Problems error={error} />
      {orders && orders.totalCount === 0 && <p>No orders yet.</p>}
      {orders && orders.edges.length > 0 && (
        <table className="lines">
          <caption className="visually-hidden">Your orders, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Order</th>
              <th scope="col">Placed</th>
              <th scope="col">Items</th>
              <th scope="col">Total</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {orders.edges.map(({ node }) => (
              <tr key={node.id}>
                <td>
                  <Link to={`/orders/${node.id}`}>{node.id.slice(-8).toUpperCase()}</Link>
                </td>
                <td>{new Date(node.createdAt).toLocaleDateString()}</td>
                <td>{node.items.map((i) => `${i.quantity} × ${i.name}`).join(', ')}</td>
                <td>{node.total.formatted}</td>
                <td>
                  <StatusBadge status={node.status} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {orders?.pageInfo.hasNextPage && (
        <button
          type="button"
          onClick={() =>
            fetchMore({
              variables: { after: orders.pageInfo.endCursor },
              updateQuery: appendOrders,
            })
          }
        >
          Show older orders
        </button>
      )}
    </>
  );
}

/** The older page of orders after the ones shown (`me` is null only when signed out: nothing to add). */
function appendOrders(prev: MyOrdersQuery, { fetchMoreResult }: { fetchMoreResult: MyOrdersQuery }) {
  if (!prev.me || !fetchMoreResult.me) return prev;
  return {
    me: {
      ...prev.me,
      orders: {
        ...fetchMoreResult.me.orders,
        edges: [...prev.me.orders.edges, ...fetchMoreResult.me.orders.edges],
      },
    },
  };
}
