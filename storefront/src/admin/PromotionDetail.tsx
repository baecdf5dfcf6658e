import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from '@apollo/client/react';
import { describeError, problemWith } from '../errors';
import { ADD_DISCOUNT_CODE, ADMIN_PROMOTION, DELETE_DISCOUNT_CODE, UPDATE_PROMOTION } from '../graphql';
import type { AdminPromotionFieldsFragment, PromotionUpdateInput } from '../graphql-types';
import { Link, usePageTitle } from '../router';
import { Field, fieldSetter, Loading, Problems, Section, TextAreaField } from '../ui';
import { ActiveToggle, applyWords, describeOffer, PromotionWindow, usageWords } from './Promotions';
import {
  PromotionTermsFields,
  toDateTime,
  toLocalInput,
  wholeNumber,
  type PromotionTerms,
} from './PromotionTerms';

type Promotion = AdminPromotionFieldsFragment;

export function PromotionPage({ id }: { id: string }) {
  const { data, loading, error } = useQuery(ADMIN_PROMOTION, {
    variables: { id },
    fetchPolicy: 'cache-and-network',
  });
  const [done, setDone] = useState<string | null>(null);
  const promotion = data?.promotion;
  usePageTitle(promotion ? promotion.name : 'Promotion');
  if (loading && !data) return <Loading what="the promotion" />;
  if (!promotion)
    return (
      <>
        <h1 tabIndex={-1}>Promotion not found</h1>
        <Problems error={error} />
        <p>
          <Link to="/admin/promotions">All promotions</Link>
        </p>
      </>
    );
  return (
    <>
      <h1 tabIndex={-1}>{promotion.name}</h1>
      <div role="status">{done && <p className="flash">{done}</p>}</div>
      <PromotionFacts promotion={promotion} onDone={setDone} />
      <CodesSection promotion={promotion} />
      <EditPromotionForm key={promotion.id} promotion={promotion} />
    </>
  );
}

function ProductLinks({ ids }: { ids: readonly (string | null | undefined)[] }) {
  return (
    <>
      {ids.filter(Boolean).map((productId, i) => (
        <span key={productId}>
          {i > 0 && ', '}
          <Link to={`/admin/products/${productId}`}>product {productId!.slice(-8)}</Link>
        </span>
      ))}
    </>
  );
}

/** What the promotion gives, to what, when, how often and how; none of the first three can change. */
function PromotionFacts({ promotion, onDone }: { promotion: Promotion; onDone: (message: string) => void }) {
  return (
    <dl className="facts">
      {promotion.description && (
        <>
          <dt>Description</dt>
          <dd>{promotion.description}</dd>
        </>
      )}
      <dt>Offer</dt>
      <dd>{describeOffer(promotion)}</dd>
      {promotion.target === 'PRODUCTS' && (
        <>
          <dt>Products</dt>
          <dd>
            <ProductLinks ids={promotion.productIds} />
          </dd>
        </>
      )}
      {promotion.kind === 'BUY_X_GET_Y' && (
        <>
          <dt>Products bought and given</dt>
          <dd>
            <ProductLinks
              ids={[
                promotion.buyProductId,
                promotion.getProductId !== promotion.buyProductId ? promotion.getProductId : null,
              ]}
            />
          </dd>
        </>
      )}
      {promotion.currency && (
        <>
          <dt>Currency</dt>
          <dd>{promotion.currency}: it applies to carts in it only</dd>
        </>
      )}
      <dt>Window</dt>
      <dd>
        <PromotionWindow promotion={promotion} />
      </dd>
      <dt>Usage</dt>
      <dd>
        {usageWords(promotion)}
        {promotion.perCustomerLimit != null && `; at most ${promotion.perCustomerLimit} per customer`}
      </dd>
      <dt>Applies</dt>
      <dd>{applyWords(promotion)}</dd>
      <dt>Active</dt>
      <dd>
        <ActiveToggle promotion={promotion} onDone={onDone} />
      </dd>
    </dl>
  );
}

function CodesSection({ promotion }: { promotion: Promotion }) {
  const [add, state] = useMutation(ADD_DISCOUNT_CODE);
  const [code, setCode] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [added, setAdded] = useState<string | null>(null);
  const problems = describeError(error);
  const onAdd = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setAdded(null);
    try {
      const result = await add({ variables: { promotionId: promotion.id, code: code.trim() } });
      setAdded(`Code ${result.data?.addDiscountCode.code ?? code.trim().toUpperCase()} added.`);
      setCode('');
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Section title="Discount codes">
      {promotion.codes.length === 0 ? (
        <p>No code: {promotion.automatic ? 'it applies by itself.' : 'add one for shoppers to use it.'}</p>
      ) : (
        <ul className="plain" aria-label="Codes of this promotion">
          {promotion.codes.map((c) => (
            <li key={c.code}>
              <code>{c.code}</code> <DeleteCodeButton code={c.code} onDone={setAdded} />
            </li>
          ))}
        </ul>
      )}
      <form onSubmit={onAdd} className="inline-form wrap">
        <Field
          label="New code"
          autoComplete="off"
          required
          value={code}
          onChange={(e) => setCode(e.target.value)}
          error={problemWith(problems, 'code')}
        />
        <button type="submit" disabled={state.loading}>
          {state.loading ? 'Adding…' : 'Add code'}
        </button>
        <Problems problems={problems.filter((p) => !problemWith([p], 'code'))} />
        {added && (
          <p role="status" className="success">
            {added}
          </p>
        )}
      </form>
    </Section>
  );
}

/**
 * Takes a mistyped or leaked code off the promotion; the list shows the codes the API answers
 * (its `codes`, written to the cache), and a cart holding the code gets nothing from it any more.
 */
function DeleteCodeButton({ code, onDone }: { code: string; onDone: (message: string) => void }) {
  const [remove, state] = useMutation(DELETE_DISCOUNT_CODE);
  const [error, setError] = useState<unknown>(null);
  const onClick = async () => {
    if (!window.confirm(`Delete code ${code}? Shoppers can no longer use it.`)) return;
    setError(null);
    try {
      await remove({ variables: { code } });
      onDone(`Code ${code} deleted.`);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <>
      <button type="button" className="link" disabled={state.loading} onClick={onClick}>
        Delete <span className="visually-hidden">code {code}</span>
      </button>
      <Problems error={error} />
    </>
  );
}

type EditForm = PromotionTerms & { name: string; description: string };

function formOf(promotion: Promotion): EditForm {
  return {
    name: promotion.name,
    description: promotion.description,
    startsAt: toLocalInput(promotion.startsAt),
    endsAt: toLocalInput(promotion.endsAt),
    usageLimit: promotion.usageLimit == null ? '' : String(promotion.usageLimit),
    perCustomerLimit: promotion.perCustomerLimit == null ? '' : String(promotion.perCustomerLimit),
    combinable: promotion.combinable,
    automatic: promotion.automatic,
  };
}

/**
 * Only what changed is sent: a field left out keeps its value on the server, so the form does not
 * undo another admin's change it never showed. A blank end or limit is sent as null (removed).
 */
function changesOf(before: EditForm, after: EditForm): PromotionUpdateInput {
  const changes: PromotionUpdateInput = {};
  if (after.name !== before.name) changes.name = after.name.trim();
  if (after.description !== before.description) changes.description = after.description.trim();
  if (after.startsAt !== before.startsAt && after.startsAt) changes.startsAt = toDateTime(after.startsAt);
  if (after.endsAt !== before.endsAt) changes.endsAt = after.endsAt ? toDateTime(after.endsAt) : null;
  if (after.usageLimit !== before.usageLimit) changes.usageLimit = wholeNumber(after.usageLimit);
  if (after.perCustomerLimit !== before.perCustomerLimit)
    changes.perCustomerLimit = wholeNumber(after.perCustomerLimit);
  if (after.combinable !== before.combinable) changes.combinable = after.combinable;
  if (after.automatic !== before.automatic) changes.automatic = after.automatic;
  return changes;
}

function EditPromotionForm({ promotion }: { promotion: Promotion }) {
  const [update, state] = useMutation(UPDATE_PROMOTION);
  const [form, setForm] = useState(() => formOf(promotion));
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const set = fieldSetter(setForm);
  const problems = describeError(error);
  const fieldError = (name: string) => problemWith(problems, name);
  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setSaved(false);
    try {
      const result = await update({
        variables: { id: promotion.id, input: changesOf(formOf(promotion), form) },
      });
      if (result.data) setForm(formOf(result.data.updatePromotion));
      setSaved(true);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Section title="Edit">
      <p className="muted">
        What it takes off (its kind, target, amounts and products) cannot change: carts already quoted and
        orders placed rely on it. For other terms, create another promotion and switch this one off.
      </p>
      <form onSubmit={onSubmit} className="narrow">
        <Field label="Name" required value={form.name} onChange={set('name')} error={fieldError('name')} />
        <TextAreaField
          label="Description"
          rows={2}
          value={form.description}
          onChange={set('description')}
          error={fieldError('description')}
        />
        <PromotionTermsFields form={form} setForm={setForm} fieldError={fieldError} />
        <Problems
          problems={problems.filter((p) => !Object.keys(form).some((name) => problemWith([p], name)))}
        />
        {saved && (
          <p role="status" className="success">
            Saved.
          </p>
        )}
        <button type="submit" disabled={state.loading}>
          Save changes
        </button>
      </form>
    </Section>
  );
}
