import { useState, type FormEvent } from 'react';
import { useMutation } from '@apollo/client/react';
import { describeError } from '../errors';
import { APPLY_DISCOUNT_CODE, REMOVE_DISCOUNT_CODE } from '../graphql';
import type { CartFieldsFragment } from '../graphql-types';
import { Field, Problems, Section } from '../ui';

/**
 * The cart's discount codes: a form to apply one and the codes applied, each with what it gives
 * and a button to take it off. Whether a code applies, and what it takes off, is the API's answer;
 * a refusal shows the server's message ("Discount code OLD20 has expired").
 */
export function DiscountCodes({ cartId, cart }: { cartId: string | null; cart: CartFieldsFragment }) {
  return (
    <Section title="Discount codes">
      {cart.discountCodes.length > 0 && (
        <ul className="plain" aria-label="Applied discount codes">
          {cart.discountCodes.map((code) => (
            <AppliedCode
              key={code}
              cartId={cartId}
              code={code}
              discount={cart.discounts.find((d) => d.code === code)}
            />
          ))}
        </ul>
      )}
      <ApplyCodeForm cartId={cartId} />
    </Section>
  );
}

function ApplyCodeForm({ cartId }: { cartId: string | null }) {
  const [apply, state] = useMutation(APPLY_DISCOUNT_CODE);
  const [code, setCode] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [applied, setApplied] = useState<string | null>(null);
  const problems = describeError(error);

  const onApply = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setApplied(null);
    try {
      await apply({ variables: { cartId, code: code.trim() } });
      setApplied(`Code ${code.trim().toUpperCase()} applied.`);
      setCode('');
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form onSubmit={onApply} className="inline-form wrap">
      <Field
        label="Discount code"
        autoComplete="off"
        required
        value={code}
        onChange={(e) => setCode(e.target.value)}
        // The refusal is announced below (role="alert"); the field is marked as the one it is about.
        aria-invalid={problems.some((p) => p.field === 'code') ? true : undefined}
      />
      <button type="submit" disabled={state.loading}>
        {state.loading ? 'Applying…' : 'Apply'}
      </button>
      <Problems problems={problems} />
      {applied && (
        <p role="status" className="success">
          {applied}
        </p>
      )}
    </form>
  );
}

function AppliedCode({
  cartId,
  code,
  discount,
}: {
  cartId: string | null;
  code: string;
  discount?: CartFieldsFragment['discounts'][number] | undefined;
}) {
  const [remove, state] = useMutation(REMOVE_DISCOUNT_CODE);
  const [error, setError] = useState<unknown>(null);
  const onRemove = async () => {
    setError(null);
    try {
      await remove({ variables: { cartId, code } });
    } catch (err) {
      setError(err);
    }
  };
  return (
    <li>
      {/* The description names the code. A code the cart keeps may give nothing now (expired,
          minimum no longer met): the API says so by leaving it out of discounts. */}
      {discount ? (
        discount.description
      ) : (
        <>
          <strong>{code}</strong>: gives nothing on this cart now
        </>
      )}{' '}
      <button type="button" className="link" disabled={state.loading} onClick={onRemove}>
        Remove <span className="visually-hidden">code {code}</span>
      </button>
      <Problems error={error} />
    </li>
  );
}
