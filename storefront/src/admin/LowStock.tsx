import { useEffect, useState } from 'react';
import { useApolloClient } from '@apollo/client/react';
import { ADMIN_PRODUCTS } from '../graphql';
import { Link, usePageTitle } from '../router';
import { Loading, Problems } from '../ui';

/**
 * Products at or below their reorder level. The API has no low-stock filter yet, so this walks
 * the active catalog 100 products a page (each page is a constant number of DB commands) and
 * keeps the low ones.
 */
export function LowStockPage() {
  usePageTitle('Low stock');
  const client = useApolloClient();
  const [rows, setRows] = useState<any[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let cancelled = false;
    (async () => {
      const low: any[] = [];
      let after: string | null = null;
      for (let page = 0; page < 50; page++) {
        const result: any = await client.query({
          query: ADMIN_PRODUCTS,
          variables: { first: 100, after, filter: {} },
          fetchPolicy: 'network-only',
        });
        for (const { node } of result.data.products.edges) if (node.inventory.lowStock) low.push(node);
        if (!result.data.products.pageInfo.hasNextPage) break;
        after = result.data.products.pageInfo.endCursor;
      }
      if (!cancelled) setRows(low.sort((a, b) => a.inventory.available - b.inventory.available));
    })().catch((err: unknown) => {
      if (!cancelled) setError(err);
    });
    return () => {
      cancelled = true;
    };
  }, [client]);
  return (
    <>
      <h1 tabIndex={-1}>Low stock</h1>
      <Problems error={error} />
      {!rows && !error && <Loading what="stock levels" />}
      {rows && rows.length === 0 && <p>Every product is above its reorder level.</p>}
      {rows && rows.length > 0 && (
        <table className="lines">
          <caption className="visually-hidden">
            Products at or below their reorder level, fewest first
          </caption>
          <thead>
            <tr>
              <th scope="col">Product</th>
              <th scope="col">Available</th>
              <th scope="col">Reserved</th>
              <th scope="col">Reorder level</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((p) => (
              <tr key={p.id}>
                <td>
                  <Link to={`/admin/products/${p.id}`}>{p.name}</Link>
                </td>
                <td>{p.inventory.available}</td>
                <td>{p.inventory.reserved}</td>
                <td>{p.inventory.reorderLevel}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
