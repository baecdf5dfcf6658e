import {
  Fragment,
  useState,
  type Dispatch,
  type FormEvent,
  type ReactNode,
  type SetStateAction,
} from 'react';
import { skipToken, useMutation, useQuery } from '@apollo/client/react';
import { useCart } from '../cart';
import { describeError, problemWith, type Problem } from '../errors';
import { CHECKOUT, CHECKOUT_QUOTE } from '../graphql';
import type { AddressInput, CartFieldsFragment } from '../graphql-types';
import { Link, navigate, usePageTitle } from '../router';
import { setGuestCartId, useSession } from '../session';
import { Field, fieldSetter, Loading, Problems } from '../ui';
import { lineName } from '../variants';
import { TaxLines } from './TaxLines';
import {
  addressTextFields,
  ShippingCountrySelect,
  startingCountry,
  useShippingCountries,
  type AddressTextField,
  type ShippingCountries,
} from './AddressFields';
import { SavedAddressSelect, useSavedAddresses } from './SavedAddresses';
import {
  ShippingMethodFieldset,
  useShippingChoice,
  type QuoteAddress,
  type ShippingChoice,
} from './ShippingMethods';

// The address lines of the form, in the order a label prints them; the field names are the API's.
const ADDRESS_FIELDS = addressTextFields({ line1: 'Address', line2: 'Apartment, suite' });

type CheckoutForm = Record<AddressTextField['key'] | 'email' | 'country' | 'phone', string>;

const EMPTY_FORM: CheckoutForm = {
  email: '',
  name: '',
  line1: '',
  line2: '',
  city: '',
  region: '',
  postalCode: '',
  // None chosen yet: the form shows `startingCountry` of those the shop ships to.
  country: '',
  phone: '',
};

const optional = (v: string) => (v.trim() ? v.trim() : undefined);

/** The shipping address as the API takes it; null while a required line is empty. */
function addressOf(form: CheckoutForm): QuoteAddress | null {
  if (ADDRESS_FIELDS.some(({ key, required }) => required && !form[key].trim())) return null;
  return {
    name: form.name.trim(),
    line1: form.line1.trim(),
    line2: optional(form.line2),
    city: form.city.trim(),
    region: optional(form.region),
    postalCode: form.postalCode.trim(),
    country: form.country,
  };
}

/**
 * The form as checkout shows it (a country not chosen yet is the one it starts with among those
 * the shop ships to) and its address: null until complete and in a country the shop ships to (a
 * saved address elsewhere waits for another country).
 */
function useCheckoutForm() {
  const [typed, setForm] = useState<CheckoutForm>(EMPTY_FORM);
  const countries = useShippingCountries();
  const form = typed.country ? typed : { ...typed, country: startingCountry(countries.countries ?? []) };
  const shipsThere = countries.countries?.some(({ code }) => code === form.country) ?? false;
  return { form, setForm, countries, address: shipsThere ? addressOf(form) : null };
}

function EmptyCart() {
  return (
    <>
      <h1 tabIndex={-1}>Checkout</h1>
      <p>
        Your cart is empty. <Link to="/products">Continue shopping</Link>.
      </p>
    </>
  );
}

export function CheckoutPage() {
  usePageTitle('Checkout');
  const session = useSession();
  const { cartId, cart, loading } = useCart();
  const [checkout, state] = useMutation(CHECKOUT);
  // One key per visit of this page: pressing "Place order" twice places one order.
  const [idempotencyKey] = useState(() => crypto.randomUUID());
  const [error, setError] = useState<unknown>(null);
  const { form, setForm, countries, address } = useCheckoutForm();
  const shipping = useShippingChoice(cartId, address);
  const saved = useSavedAddresses(Boolean(session), setForm);

  if ((loading && !cart) || countries.loading) return <Loading what="your cart" />;
  if (!cart || cart.items.length === 0) return <EmptyCart />;

  const problems = describeError(error);
  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
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
            // A blank required line (address null) is left out for the API to name.
            shippingAddress: { ...address, phone: optional(form.phone) } as AddressInput,
            // Absent: the shop's default rate (no method ships to the address).
            ...(shipping.method ? { shippingMethodCode: shipping.method } : {}),
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
          <AddressFieldset
            form={form}
            setForm={setForm}
            guest={!session}
            problems={problems}
            countries={countries}
          >
            {session && <SavedAddressSelect saved={saved} />}
          </AddressFieldset>
          <ShippingMethodFieldset choice={shipping} />
          <Problems problems={problems} />
          <button type="submit" disabled={state.loading || shipping.pending}>
            {state.loading ? 'Placing order…' : 'Place order'}
          </button>
          <p id="checkout-note" className="muted small">
            You pay on the next page, once the shop has reserved your items.
          </p>
        </form>
        <CheckoutSummary cartId={cartId} cart={cart} shipping={shipping} />
      </div>
    </>
  );
}

function AddressFieldset({
  form,
  setForm,
  guest,
  problems,
  countries,
  children,
}: {
  form: CheckoutForm;
  setForm: Dispatch<SetStateAction<CheckoutForm>>;
  guest: boolean;
  problems: Problem[];
  countries: ShippingCountries;
  /** Above the fields: a signed-in customer's saved addresses. */
  children?: ReactNode;
}) {
  const set = fieldSetter(setForm);
  const fieldError = (name: string) => problemWith(problems, name);
  return (
    <fieldset>
      <legend>Shipping address</legend>
      {children}
      {guest && (
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
          label={label}
          autoComplete={autoComplete}
          required={required}
          value={form[key]}
          onChange={set(key)}
          error={required ? fieldError(key) : undefined}
        />
      ))}
      <ShippingCountrySelect shipping={countries} value={form.country} onChange={set('country')} />
      <Field
        label="Phone (optional)"
        type="tel"
        autoComplete="tel"
        value={form.phone}
        onChange={set('phone')}
      />
    </fieldset>
  );
}

/** What an order placed without a shipping method records (orders' DEFAULT method). */
const STANDARD_RATE = { name: 'Standard shipping' };

/**
 * The lines and what the order will cost: the cart's subtotal and discounts, and once a method is
 * chosen for the address (or the standard rate applies, no method shipping there), its shipping,
 * tax and total as the API quotes them (checkout charges the same).
 */
function CheckoutSummary({
  cartId,
  cart,
  shipping,
}: {
  cartId: string | null;
  cart: CartFieldsFragment;
  shipping: ShippingChoice;
}) {
  // A method is only chosen among the options for an address; an address no method ships to gets
  // the shop's standard rate, which the cart quotes without a method as checkout will charge it.
  const standardRate = Boolean(shipping.address) && !shipping.pending && shipping.options.length === 0;
  const { data } = useQuery(
    CHECKOUT_QUOTE,
    (shipping.method || standardRate) && !shipping.pending && shipping.address
      ? { variables: { id: cartId, address: shipping.address, method: shipping.method } }
      : skipToken,
  );
  const quote = (!shipping.method && !standardRate) || shipping.pending ? null : data?.cart;
  const method =
    shipping.options.find((o) => o.code === shipping.method) ?? (standardRate ? STANDARD_RATE : null);
  return (
    <aside aria-label="Order summary" className="summary">
      <h2>Summary</h2>
      <ul>
        {cart.items.map((item) => (
          <li key={item.variantId}>
            {item.quantity} × {lineName(item.product.name, item.variant)}{' '}
            <span>{item.lineTotal.formatted}</span>
          </li>
        ))}
      </ul>
      <dl className="totals">
        <dt>Subtotal</dt>
        <dd>{cart.subtotal.formatted}</dd>
        {cart.discounts.map((discount) => (
          <Fragment key={discount.promotionId}>
            <dt>{discount.description}</dt>
            <dd>{discount.freeShipping ? 'Free shipping' : `−${discount.amount.formatted}`}</dd>
          </Fragment>
        ))}
        {quote && method && (
          <>
            <dt>Shipping ({method.name})</dt>
            <dd data-testid="checkout-shipping">{quote.shippingCost.formatted}</dd>
            {quote.shippingDiscount.amount > 0 && (
              <>
                <dt>Shipping discount</dt>
                <dd>−{quote.shippingDiscount.formatted}</dd>
              </>
            )}
            <TaxLines lines={quote.taxLines} pricesIncludeTax={quote.pricesIncludeTax} />
            <dt>Total</dt>
            <dd>
              <strong data-testid="checkout-total">{quote.total.formatted}</strong>
            </dd>
          </>
        )}
      </dl>
      {!quote && <p className="muted small">Shipping is added by the shop when the order is placed.</p>}
    </aside>
  );
}
