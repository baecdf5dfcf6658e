import { useEffect, useState } from 'react';
import { skipToken, useQuery } from '@apollo/client/react';
import { SHIPPING_OPTIONS } from '../graphql';
import type { ShippingOptionsQuery } from '../graphql-types';
import { Loading, Problems } from '../ui';

/** The address as Cart.shippingOptions takes it; null until every required line is filled in. */
export interface QuoteAddress {
  name: string;
  line1: string;
  line2?: string | undefined;
  city: string;
  region?: string | undefined;
  postalCode: string;
  country: string;
}

// The shop is asked once the shopper pauses typing, not at every keystroke.
const QUOTE_DELAY_MS = 400;

function useSettled<T>(value: T): T {
  const [settled, setSettled] = useState(value);
  const key = JSON.stringify(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(JSON.parse(key) as T), QUOTE_DELAY_MS);
    return () => clearTimeout(timer);
  }, [key]);
  return settled;
}

type ShippingOption = NonNullable<ShippingOptionsQuery['cart']>['shippingOptions'][number];

export interface ShippingChoice {
  /** The address the options are for (it lags the form while the shopper types). */
  address: QuoteAddress | null;
  options: ShippingOption[];
  /** The chosen method's code: the cheapest offered until the shopper picks; null when none is. */
  method: string | null;
  choose(code: string): void;
  /** The options for the address in the form are not known yet: checkout waits for them. */
  pending: boolean;
  error: unknown;
}

/** The shipping methods the API offers for the cart and the address, and the one chosen. */
export function useShippingChoice(cartId: string | null, address: QuoteAddress | null): ShippingChoice {
  const settled = useSettled(address);
  const stale = JSON.stringify(settled) !== JSON.stringify(address);
  const { data, loading, error } = useQuery(
    SHIPPING_OPTIONS,
    settled ? { variables: { id: cartId, address: settled } } : skipToken,
  );
  const [chosen, setChosen] = useState<string | null>(null);
  const options: ShippingOption[] = (settled && data?.cart?.shippingOptions) || [];
  // Until the shopper picks, and when the new address cannot use the method picked: the cheapest
  // offered, which the API lists first.
  const cheapest = options[0];
  const method = options.find((o) => o.code === chosen)?.code ?? cheapest?.code ?? null;
  return {
    address: settled,
    options,
    method,
    choose: setChosen,
    pending: Boolean(address) && (stale || loading),
    error,
  };
}

/** A radio group of the methods offered, each with the price the API quotes for this cart. */
export function ShippingMethodFieldset({ choice }: { choice: ShippingChoice }) {
  return (
    <fieldset>
      <legend>Shipping method</legend>
      {!choice.address ? (
        <p className="muted small">Enter your address to see how it can be shipped.</p>
      ) : choice.options.length > 0 ? (
        choice.options.map((option) => (
          <div key={option.code} className="radio">
            <input
              type="radio"
              id={`shipping-${option.code}`}
              name="shipping-method"
              value={option.code}
              checked={choice.method === option.code}
              onChange={() => choice.choose(option.code)}
            />
            <label htmlFor={`shipping-${option.code}`}>
              {option.name}: {option.price.formatted}
            </label>
          </div>
        ))
      ) : choice.pending ? (
        <Loading what="the shipping methods" />
      ) : (
        <p className="muted small">
          The shop’s standard shipping rate applies to this address: the summary shows it.
        </p>
      )}
      <Problems error={choice.error} />
    </fieldset>
  );
}
