import { useEffect, useState } from 'react';
import { useApolloClient } from '@apollo/client/react';
import { ADMIN_INVENTORY_ITEMS } from '../graphql';
import type { AdminInventoryItemsQuery } from '../graphql-types';
import { Link, usePageTitle } from '../router';
import { Loading, Problems } from '../ui';

type InventoryItem = AdminInventoryItemsQuery['inventoryItems']['edges'][number]['node'];
/** An active product at or below its reorder level, with its stock. */
type LowStockRow = NonNullable<InventoryItem['product']> & { inventory: InventoryItem['inventory'] };

/**
 * Active products at or below their reorder level, from inventory's own low-stock filter
 * (`inventoryItems(filter: { lowStock: true })`, 100 a page, one DB command each).
 */
export function LowStockPage() {
  usePageTitle('Low stock');
  const client = useApolloClient();
  const [rows, setRows] = useState<LowStockRow[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let cancelled = false;
    (async () => {
      const low: LowStockRow[] = [];
      let after: string | null = null;
      for (let page = 0; page < 50; page++) {
        // Annotated: `after` comes from the answer, which TypeScript cannot infer through the loop.
        const result: { data?: AdminInventoryItemsQuery } = await client.query({
          query: ADMIN_INVENTORY_ITEMS,
          variables: { first: 100, after, filter: { lowStock: true } },
          fetchPolicy: 'network-only',
        });
        // The default errorPolicy ('none'): an answer without data rejects instead.
        const items = result.data!.inventoryItems;
        for (const { node } of items.edges)
          if (node.product?.active) low.push({ ...node.product, inventory: node.inventory });
        if (!items.pageInfo.hasNextPage) break;
        after = items.pageInfo.endCursor;
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
              <th scope="col">Reorder quantity</th>
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
                <td>{p.inventory.reorderQuantity ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
