import { useState } from 'react';
import { useMutation } from '@apollo/client/react';
import { useCart } from '../cart';
import { REMOVE_FROM_CART, UPDATE_CART_ITEM } from '../graphql';
import { Link, usePageTitle } from '../router';
import { useSession } from '../session';
import { Loading, Problems } from '../ui';
import { lineName, optionSummary } from '../variants';

const REMOVAL_REASONS: Record<string, string> = {
  ARCHIVED: 'it is no longer sold',
  OUT_OF_STOCK: 'it is out of stock',
  CURRENCY_MISMATCH: 'it is priced in another currency than your cart',
};

export function CartPage() {
  usePageTitle('Your cart');
  const session = useSession();
  const { cartId, cart, loading, error } = useCart();
  const [update, updateState] = useMutation<any>(UPDATE_CART_ITEM);
  const [remove, removeState] = useMutation<any>(REMOVE_FROM_CART);
  const [problem, setProblem] = useState<unknown>(null);
  const busy = updateState.loading || removeState.loading;

  // Each variant is its own line: the line's variantId names it.
  const change = async (item: any, quantity: number) => {
    setProblem(null);
    try {
      await update({
        variables: { cartId, productId: item.product.id, variantId: item.variantId, quantity },
      });
    } catch (err) {
      setProblem(err);
    }
  };
  const drop = async (item: any) => {
    setProblem(null);
    try {
      await remove({ variables: { cartId, productId: item.product.id, variantId: item.variantId } });
    } catch (err) {
      setProblem(err);
    }
  };

  return (
    <>
      <h1 tabIndex={-1}>Your cart</h1>
      {loading && !cart && <Loading what="your cart" />}
      <Problems error={error} />
      <Problems error={problem} />
      {cart?.removedItems.length > 0 && (
        <div role="status" className="notice">
          {cart.removedItems.map((r: any) => (
            <p key={r.variant.id}>
              We took {r.quantity} × {lineName(r.name, r.variant)} out of your cart:{' '}
              {REMOVAL_REASONS[r.reason] ?? r.reason.toLowerCase()}.
            </p>
          ))}
        </div>
      )}
      {!loading && (!cart || cart.items.length === 0) && (
        <p>
          Your cart is empty. <Link to="/products">Find something you like</Link>.
        </p>
      )}
      {cart && cart.items.length > 0 && (
        <>
          <table className="lines">
            <caption className="visually-hidden">Items in your cart</caption>
            <thead>
              <tr>
                <th scope="col">Product</th>
                <th scope="col">Price</th>
                <th scope="col">Quantity</th>
                <th scope="col">Total</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {cart.items.map((item: any) => (
                <CartLine key={item.variantId} item={item} busy={busy} onChange={change} onRemove={drop} />
              ))}
            </tbody>
          </table>
          <p className="total">
            Subtotal ({cart.itemCount} item{cart.itemCount === 1 ? '' : 's'}):{' '}
            <strong data-testid="cart-subtotal">{cart.subtotal.formatted}</strong>
          </p>
          <p className="muted small">
            Shipping and the total are worked out by the shop when you place the order.
          </p>
          {!session && (
            <p className="muted small">
              Your cart is kept on this device
              {cart.expiresAt ? ` until ${new Date(cart.expiresAt).toLocaleDateString()}` : ''}.{' '}
              <Link to="/signin?next=/cart">Sign in</Link> to keep it in your account.
            </p>
          )}
          <p>
            <Link to="/checkout" className="button">
              Checkout
            </Link>
          </p>
        </>
      )}
    </>
  );
}

function CartLine({
  item,
  busy,
  onChange,
  onRemove,
}: {
  item: any;
  busy: boolean;
  onChange: (item: any, quantity: number) => void;
  onRemove: (item: any) => void;
}) {
  const name = lineName(item.product.name, item.variant);
  const options = optionSummary(item.variant.selectedOptions);
  return (
    <tr>
      <td>
        <Link to={`/products/${item.product.slug}`}>{item.product.name}</Link>
        {options && <div className="muted small">{options}</div>}
      </td>
      <td>{item.unitPrice.formatted}</td>
      <td>
        <label className="visually-hidden" htmlFor={`qty-${item.variantId}`}>
          Quantity of {name}
        </label>
        <select
          id={`qty-${item.variantId}`}
          value={item.quantity}
          disabled={busy}
          onChange={(e) => onChange(item, Number(e.target.value))}
        >
          {Array.from({ length: Math.max(10, item.quantity) }, (_, i) => i + 1).map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
      </td>
      <td>{item.lineTotal.formatted}</td>
      <td>
        <button type="button" className="link" disabled={busy} onClick={() => onRemove(item)}>
          Remove <span className="visually-hidden">{name}</span>
        </button>
      </td>
    </tr>
  );
}
