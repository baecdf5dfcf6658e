import { Fragment, useState } from 'react';
import { useMutation } from '@apollo/client/react';
import { useCart } from '../cart';
import { REMOVE_FROM_CART, UPDATE_CART_ITEM } from '../graphql';
import type { CartFieldsFragment } from '../graphql-types';
import { Link, usePageTitle } from '../router';
import { useSession } from '../session';
import { Loading, Problems } from '../ui';
import { DiscountCodes } from './DiscountCodes';
import { lineName, optionSummary, productLink } from '../variants';

type CartItem = CartFieldsFragment['items'][number];

const REMOVAL_REASONS: Record<string, string> = {
  ARCHIVED: 'it is no longer sold',
  OUT_OF_STOCK: 'it is out of stock',
  CURRENCY_MISMATCH: 'it is priced in another currency than your cart',
};

export function CartPage() {
  usePageTitle('Your cart');
  const session = useSession();
  const { cartId, cart, loading, error } = useCart();

  return (
    <>
      <h1 tabIndex={-1}>Your cart</h1>
      {loading && !cart && <Loading what="your cart" />}
      <Problems error={error} />
      {cart && cart.removedItems.length > 0 && (
        <div role="status" className="notice">
          {cart.removedItems.map((r) => (
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
          <CartLines cartId={cartId} items={cart.items} />
          <CartTotals cart={cart} />
          <DiscountCodes cartId={cartId} cart={cart} />
          <p className="muted small">
            Shipping, tax and the total are worked out by the shop at checkout, for your address.
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

/** The lines, each changed or removed on its own (each variant is its own line, named by its variantId). */
function CartLines({ cartId, items }: { cartId: string | null; items: CartItem[] }) {
  const [update, updateState] = useMutation(UPDATE_CART_ITEM);
  const [remove, removeState] = useMutation(REMOVE_FROM_CART);
  const [problem, setProblem] = useState<unknown>(null);
  const busy = updateState.loading || removeState.loading;

  const run = async (mutation: () => Promise<unknown>) => {
    setProblem(null);
    try {
      await mutation();
    } catch (err) {
      setProblem(err);
    }
  };
  const line = (item: CartItem) => ({ cartId, productId: item.product.id, variantId: item.variantId });
  const change = (item: CartItem, quantity: number) =>
    run(() => update({ variables: { ...line(item), quantity } }));
  const drop = (item: CartItem) => run(() => remove({ variables: line(item) }));

  return (
    <>
      <Problems error={problem} />
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
          {items.map((item) => (
            <CartLine key={item.variantId} item={item} busy={busy} onChange={change} onRemove={drop} />
          ))}
        </tbody>
      </table>
    </>
  );
}

/** The subtotal and, when the cart has any, its discounts and the total after them: all the API's. */
function CartTotals({ cart }: { cart: CartFieldsFragment }) {
  const discounted = cart.discounts.length > 0;
  return (
    <dl className="totals">
      <dt>
        Subtotal ({cart.itemCount} item{cart.itemCount === 1 ? '' : 's'})
      </dt>
      <dd>
        <strong data-testid="cart-subtotal">{cart.subtotal.formatted}</strong>
      </dd>
      {cart.discounts.map((discount) => (
        <Fragment key={discount.promotionId}>
          <dt>{discount.description}</dt>
          <dd>{discount.freeShipping ? 'Free shipping' : `−${discount.amount.formatted}`}</dd>
        </Fragment>
      ))}
      {discounted && (
        <>
          <dt>After discounts</dt>
          <dd>
            <strong data-testid="cart-discounted-subtotal">{cart.discountedSubtotal.formatted}</strong>
          </dd>
        </>
      )}
    </dl>
  );
}

function CartLine({
  item,
  busy,
  onChange,
  onRemove,
}: {
  item: CartItem;
  busy: boolean;
  onChange: (item: CartItem, quantity: number) => void;
  onRemove: (item: CartItem) => void;
}) {
  const name = lineName(item.product.name, item.variant);
  const options = optionSummary(item.variant.selectedOptions);
  return (
    <tr>
      <td>
        <Link to={productLink(item.product.slug, item.product.id, item.variantId)}>{item.product.name}</Link>
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
