import { useState, type FormEvent } from 'react';
import { useMutation } from '@apollo/client/react';
import { ADJUST_STOCK } from '../graphql';
import type { AdminProductFieldsFragment } from '../graphql-types';
import { Field, Problems, Section } from '../ui';

const REASONS = ['PURCHASE', 'RETURN', 'DAMAGE', 'ADJUSTMENT'] as const;
type Reason = (typeof REASONS)[number];

/** Booking a stock change for the product; `done` says what is available after it. */
function useStockAdjustment(productId: string) {
  const [adjust, state] = useMutation(ADJUST_STOCK);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  /** Resolves true once the change is booked. */
  const submit = async (delta: number, reason: Reason, reference: string): Promise<boolean> => {
    setError(null);
    setDone(null);
    try {
      const result = await adjust({
        variables: {
          productId,
          // Damage only ever takes stock out, whichever sign was typed.
          delta: reason === 'DAMAGE' ? -Math.abs(delta) : delta,
          reason,
          ...(reference.trim() ? { reference: reference.trim() } : {}),
        },
        // The product's Inventory has no id of its own: write the answer into it.
        update(cache, { data }) {
          if (!data) return;
          cache.modify({
            id: cache.identify({ __typename: 'Product', id: productId }),
            fields: { inventory: () => data.adjustStock },
          });
        },
      });
      setDone(`Stock updated: ${result.data?.adjustStock.available} available.`);
      return true;
    } catch (err) {
      setError(err);
      return false;
    }
  };
  return { submit, adjusting: state.loading, error, done };
}

export function StockForm({ product }: { product: AdminProductFieldsFragment }) {
  const stock = useStockAdjustment(product.id);
  const [delta, setDelta] = useState('');
  const [reason, setReason] = useState<Reason>('PURCHASE');
  const [reference, setReference] = useState('');
  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    if (await stock.submit(Number(delta), reason, reference)) setDelta('');
  };
  return (
    <Section title="Stock">
      <StockLevels inventory={product.inventory} />
      <form onSubmit={onSubmit} className="inline-form wrap">
        <Field
          label="Change (units)"
          type="number"
          required
          value={delta}
          onChange={(e) => setDelta(e.target.value)}
          hint={
            reason === 'DAMAGE' ? 'Units damaged: always taken out of stock' : 'Negative to take stock out'
          }
        />
        <div className="field">
          <label htmlFor="stock-reason">Reason</label>
          <select id="stock-reason" value={reason} onChange={(e) => setReason(e.target.value as Reason)}>
            {REASONS.map((r) => (
              <option key={r} value={r}>
                {r.toLowerCase()}
              </option>
            ))}
          </select>
        </div>
        <Field label="Note (optional)" value={reference} onChange={(e) => setReference(e.target.value)} />
        <button type="submit" disabled={stock.adjusting}>
          Adjust stock
        </button>
      </form>
      <Problems error={stock.error} />
      {stock.done && (
        <p role="status" className="success">
          {stock.done}
        </p>
      )}
    </Section>
  );
}

function StockLevels({ inventory }: { inventory: AdminProductFieldsFragment['inventory'] }) {
  return (
    <p aria-live="polite">
      Available <strong data-testid="available">{inventory.available}</strong> · reserved {inventory.reserved}{' '}
      · on hand {inventory.onHand} · reorder at {inventory.reorderLevel}
      {inventory.lowStock && <span className="badge badge-low"> low stock</span>}
    </p>
  );
}
