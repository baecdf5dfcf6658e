import { useState, type FormEvent } from 'react';
import { useMutation } from '@apollo/client/react';
import { useCart } from '../cart';
import { describeError } from '../errors';
import { CHECKOUT } from '../graphql';
import { Link, navigate, usePageTitle } from '../router';
import { setGuestCartId, useSession } from '../session';
import { Field, Loading, Problems } from '../ui';
import { lineName } from '../variants';

const COUNTRIES: [string, string][] = [
  ['US', 'United States'],
  ['CA', 'Canada'],
  ['GB', 'United Kingdom'],
  ['DE', 'Germany'],
  ['FR', 'France'],
  ['NL', 'Netherlands'],
  ['JP', 'Japan'],
  ['AU', 'Australia'],
];

// The address lines of the form, in the order a label prints them; the field names are the API's.
const ADDRESS_FIELDS = [
  { key: 'name', label: 'Full name', autoComplete: 'name', required: true },
  { key: 'line1', label: 'Address', autoComplete: 'address-line1', required: true },
  { key: 'line2', label: 'Apartment, suite', autoComplete: 'address-line2', required: false },
  { key: 'city', label: 'City', autoComplete: 'address-level2', required: true },
  { key: 'region', label: 'State or region', autoComplete: 'address-level1', required: false },
  { key: 'postalCode', label: 'Postal code', autoComplete: 'postal-code', required: true },
] as const;

export function CheckoutPage() {
  usePageTitle('Checkout');
  const session = useSession();
  const { cartId, cart, loading } = useCart();
  const [checkout, state] = useMutation<any>(CHECKOUT);
  // One key per visit of this page: pressing "Place order" twice places one order.
  const [idempotencyKey] = useState(() => crypto.randomUUID());
  const [error, setError] = useState<unknown>(null);
  const [form, setForm] = useState({
    email: '',
    name: '',
    line1: '',
    line2: '',
    city: '',
    region: '',
    postalCode: '',
    country: 'US',
    phone: '',
  });
  const set = (key: keyof typeof form) => (e: { target: { value: string } }) =>
    setForm((f) => ({ ...f, [key]: e.target.value }));

  if (loading && !cart) return <Loading what="your cart" />;
  if (!cart || cart.items.length === 0)
    return (
      <>
        <h1 tabIndex={-1}>Checkout</h1>
        <p>
          Your cart is empty. <Link to="/products">Continue shopping</Link>.
        </p>
      </>
    );

  const problems = describeError(error);
  const fieldError = (name: string) =>
    problems.find((p) => p.field && (p.field === name || p.field.endsWith(`.${name}`)))?.message;

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    const optional = (v: string) => (v.trim() ? v.trim() : undefined);
    try {
      const result = await checkout({
        // The cart became the order: drop the cached cart so the badge and cart page read it anew.
        update(cache) {
          cache.evict({ id: 'ROOT_QUERY', fieldName: 'cart' });
          cache.gc();
        },
        variables: {
          input: {
            idempotencyKey,
            ...(cartId ? { cartId } : {}),
            ...(session ? {} : { email: form.email.trim() }),
            shippingAddress: {
              name: form.name.trim(),
              line1: form.line1.trim(),
              line2: optional(form.line2),
              city: form.city.trim(),
              region: optional(form.region),
              postalCode: form.postalCode.trim(),
              country: form.country,
              phone: optional(form.phone),
            },
          },
        },
      });
      const order = result.data?.checkout;
      if (!order) return;
      // The guest cart became the order; the order id (an unguessable token) is the guest's key to it.
      if (!session) setGuestCartId(null);
      navigate(`/orders/${order.id}`);
    } catch (err) {
      setError(err);
    }
  };

  return (
    <>
      <h1 tabIndex={-1}>Checkout</h1>
      <div className="two-columns">
        <form onSubmit={onSubmit} noValidate={false} aria-describedby="checkout-note">
          <fieldset>
            <legend>Shipping address</legend>
            {!session && (
              <Field
                label="Email"
                type="email"
                autoComplete="email"
                required
                value={form.email}
                onChange={set('email')}
                hint="For the order confirmation. Already have an account? Sign in first."
                error={fieldError('email')}
              />
            )}
            {ADDRESS_FIELDS.map(({ key, label, autoComplete, required }) => (
              <Field
                key={key}
                label={required ? label : `${label} (optional)`}
                autoComplete={autoComplete}
                required={required}
                value={form[key]}
                onChange={set(key)}
                error={required ? fieldError(key) : undefined}
              />
            ))}
            <div className="field">
              <label htmlFor="country">Country</label>
              <select id="country" autoComplete="country" value={form.country} onChange={set('country')}>
                {COUNTRIES.map(([code, name]) => (
                  <option key={code} value={code}>
                    {name}
                  </option>
                ))}
              </select>
            </div>
            <Field
              label="Phone (optional)"
              type="tel"
              autoComplete="tel"
              value={form.phone}
              onChange={set('phone')}
            />
          </fieldset>
          <Problems problems={problems} />
          <button type="submit" disabled={state.loading}>
            {state.loading ? 'Placing order…' : 'Place order'}
          </button>
          <p id="checkout-note" className="muted small">
            You pay on the next page, once the shop has reserved your items.
          </p>
        </form>
        <aside aria-label="Order summary" className="summary">
          <h2>Summary</h2>
          <ul>
            {cart.items.map((item: any) => (
              <li key={item.variantId}>
                {item.quantity} × {lineName(item.product.name, item.variant)}{' '}
                <span>{item.lineTotal.formatted}</span>
              </li>
            ))}
          </ul>
          <p>
            Subtotal <strong>{cart.subtotal.formatted}</strong>
          </p>
          <p className="muted small">Shipping is added by the shop when the order is placed.</p>
        </aside>
      </div>
    </>
  );
}
