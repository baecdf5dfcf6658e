import { useState, type FormEvent } from 'react';
import { useMutation } from '@apollo/client/react';
import { describeError, problemWith, type Problem } from '../errors';
import { CREATE_PROMOTION } from '../graphql';
import type { PromotionInput, PromotionKind, PromotionTarget } from '../graphql-types';
import { navigate, usePageTitle } from '../router';
import { Field, fieldSetter, Problems, SelectField, setFlash, TextAreaField } from '../ui';
import { CURRENCIES, toMinorUnits } from './money-input';
import { PromotionTermsFields, toDateTime, wholeNumber } from './PromotionTerms';

const KINDS: [PromotionKind, string][] = [
  ['PERCENTAGE', 'Percentage off'],
  ['FIXED_AMOUNT', 'Fixed amount off'],
  ['BUY_X_GET_Y', 'Buy X get Y'],
  ['FREE_SHIPPING', 'Free shipping'],
];

const TARGETS: [PromotionTarget, string][] = [
  ['ORDER', 'The whole order'],
  ['PRODUCTS', 'Some products'],
  ['CATEGORIES', 'Some categories'],
];

const NEW_PROMOTION = {
  name: '',
  description: '',
  kind: 'PERCENTAGE' as PromotionKind,
  target: 'ORDER' as PromotionTarget,
  percentOff: '',
  amountOff: '',
  currency: 'USD',
  productIds: '',
  categorySlugs: '',
  buyProductId: '',
  buyQuantity: '1',
  getProductId: '',
  getQuantity: '1',
  getPercentOff: '100',
  minSubtotal: '',
  startsAt: '',
  endsAt: '',
  usageLimit: '',
  perCustomerLimit: '',
  combinable: true,
  automatic: false,
  codes: '',
};

export type NewPromotionForm = typeof NEW_PROMOTION;

/** "summer10, vip-20 SPRING" → ['summer10', 'vip-20', 'SPRING']: the API checks and upper-cases them. */
const list = (text: string) => text.split(/[\s,]+/).filter(Boolean);

/** Percent and buy-X-get-Y fields only matter to their kind; amounts only to a kind with money. */
const usesTarget = (kind: PromotionKind) => kind === 'PERCENTAGE' || kind === 'FIXED_AMOUNT';

/**
 * The API's input from the form, or the problems found before sending it (an amount that is not
 * money in the currency), each on its field. The form's money is decimal; the API's, minor units.
 */
function promotionInput(form: NewPromotionForm): { input: PromotionInput } | { problems: Problem[] } {
  const problems: Problem[] = [];
  const money = (field: 'amountOff' | 'minSubtotal'): number | undefined => {
    if (!form[field].trim()) return undefined;
    const amount = toMinorUnits(form[field], form.currency);
    if (amount === null)
      problems.push({ message: `Enter an amount in ${form.currency}, such as 5.00`, code: undefined, field });
    return amount ?? undefined;
  };
  const amountOff = form.kind === 'FIXED_AMOUNT' ? money('amountOff') : undefined;
  const minSubtotal = money('minSubtotal');
  const number = (text: string) => (text.trim() ? Number(text) : undefined);
  const target = usesTarget(form.kind) ? form.target : 'ORDER';
  const input: PromotionInput = {
    name: form.name.trim(),
    description: form.description.trim(),
    kind: form.kind,
    target,
    ...(target === 'PRODUCTS' ? { productIds: list(form.productIds) } : {}),
    ...(target === 'CATEGORIES' ? { categorySlugs: list(form.categorySlugs) } : {}),
    ...(form.kind === 'PERCENTAGE' ? { percentOff: number(form.percentOff) ?? null } : {}),
    ...(amountOff !== undefined ? { amountOff } : {}),
    ...(minSubtotal !== undefined ? { minSubtotal } : {}),
    // A currency limits the promotion to carts in it: sent only with an amount.
    ...(amountOff !== undefined || minSubtotal !== undefined ? { currency: form.currency } : {}),
    ...(form.kind === 'BUY_X_GET_Y' ? buyXGetYInput(form) : {}),
    ...termsInput(form),
    codes: list(form.codes),
  };
  return problems.length > 0 ? { problems } : { input };
}

function buyXGetYInput(form: NewPromotionForm): Partial<PromotionInput> {
  return {
    buyProductId: form.buyProductId.trim(),
    buyQuantity: wholeNumber(form.buyQuantity),
    getQuantity: wholeNumber(form.getQuantity),
    getPercentOff: form.getPercentOff.trim() ? Number(form.getPercentOff) : null,
    ...(form.getProductId.trim() ? { getProductId: form.getProductId.trim() } : {}),
  };
}

function termsInput(form: NewPromotionForm): Partial<PromotionInput> {
  return {
    ...(form.startsAt ? { startsAt: toDateTime(form.startsAt) } : {}),
    ...(form.endsAt ? { endsAt: toDateTime(form.endsAt) } : {}),
    usageLimit: wholeNumber(form.usageLimit),
    perCustomerLimit: wholeNumber(form.perCustomerLimit),
    combinable: form.combinable,
    automatic: form.automatic,
  };
}

/** Creates the promotion; the API creates nothing on an error, and the form stays as typed. */
function useCreatePromotion() {
  const [create, state] = useMutation(CREATE_PROMOTION);
  const [problems, setProblems] = useState<Problem[]>([]);
  const submit = async (form: NewPromotionForm) => {
    const built = promotionInput(form);
    setProblems('problems' in built ? built.problems : []);
    if ('problems' in built) return;
    try {
      const result = await create({ variables: { input: built.input } });
      const promotion = result.data?.createPromotion;
      if (promotion) {
        setFlash(`Created ${promotion.name}.`, `/admin/promotions/${promotion.id}`);
        navigate(`/admin/promotions/${promotion.id}`);
      }
    } catch (err) {
      setProblems(describeError(err));
    }
  };
  return { submit, creating: state.loading, problems };
}

/** The message about the codes: the API names the list (taken, listed twice) or one code of it (`input.codes.2`). */
function codesProblem(problems: Problem[]): string | undefined {
  return (
    problemWith(problems, 'codes') ?? problems.find((p) => /(^|\.)codes\.\d+$/.test(p.field ?? ''))?.message
  );
}

export function NewPromotionPage() {
  usePageTitle('New promotion');
  const [form, setForm] = useState(NEW_PROMOTION);
  const { submit, creating, problems } = useCreatePromotion();
  const set = fieldSetter(setForm);
  const fieldError = (name: string) => problemWith(problems, name);
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void submit(form);
  };
  // Problems no field of the form shows: none named, or one the form does not have.
  const unplaced = problems.filter(
    (p) => !codesProblem([p]) && !Object.keys(form).some((name) => problemWith([p], name)),
  );
  return (
    <>
      <h1 tabIndex={-1}>New promotion</h1>
      <form onSubmit={onSubmit} className="narrow">
        <Field label="Name" required value={form.name} onChange={set('name')} error={fieldError('name')} />
        <TextAreaField
          label="Description (optional)"
          rows={2}
          value={form.description}
          onChange={set('description')}
          error={fieldError('description')}
        />
        <SelectField
          label="Kind"
          value={form.kind}
          options={KINDS}
          onChange={set('kind')}
          error={fieldError('kind')}
        />
        <OfferFields form={form} set={set} fieldError={fieldError} />
        <PromotionTermsFields form={form} setForm={setForm} fieldError={fieldError} />
        <Field
          label="Discount codes"
          autoComplete="off"
          value={form.codes}
          onChange={set('codes')}
          hint="Separated by commas or spaces; 3 to 32 letters, digits, - or _. None: an automatic promotion."
          error={codesProblem(problems)}
        />
        <Problems problems={unplaced} />
        <button type="submit" disabled={creating}>
          {creating ? 'Creating…' : 'Create promotion'}
        </button>
      </form>
    </>
  );
}

type Setter = ReturnType<typeof fieldSetter<NewPromotionForm>>;
type FieldError = (name: string) => string | undefined;

/** What the chosen kind takes off, and from what: only the fields that kind uses. */
function OfferFields({
  form,
  set,
  fieldError,
}: {
  form: NewPromotionForm;
  set: Setter;
  fieldError: FieldError;
}) {
  const moneyKind = form.kind === 'FIXED_AMOUNT';
  return (
    <fieldset>
      <legend>Offer</legend>
      {form.kind === 'PERCENTAGE' && (
        <Field
          label="Percent off"
          inputMode="decimal"
          required
          value={form.percentOff}
          onChange={set('percentOff')}
          hint="Above 0, at most 100, e.g. 15"
          error={fieldError('percentOff')}
        />
      )}
      {moneyKind && (
        <Field
          label="Amount off"
          inputMode="decimal"
          required
          value={form.amountOff}
          onChange={set('amountOff')}
          hint={`In ${form.currency}, e.g. 5.00`}
          error={fieldError('amountOff')}
        />
      )}
      {form.kind === 'BUY_X_GET_Y' && <BuyXGetYFields form={form} set={set} fieldError={fieldError} />}
      {usesTarget(form.kind) && <TargetFields form={form} set={set} fieldError={fieldError} />}
      <Field
        label="Minimum subtotal (optional)"
        inputMode="decimal"
        value={form.minSubtotal}
        onChange={set('minSubtotal')}
        hint={`The cart's subtotal before discounts, in ${form.currency}`}
        error={fieldError('minSubtotal')}
      />
      {(moneyKind || form.minSubtotal.trim() !== '') && (
        <SelectField
          label="Currency"
          value={form.currency}
          options={CURRENCIES.map((c) => [c, c] as const)}
          onChange={set('currency')}
          error={fieldError('currency')}
        />
      )}
    </fieldset>
  );
}

function TargetFields({
  form,
  set,
  fieldError,
}: {
  form: NewPromotionForm;
  set: Setter;
  fieldError: FieldError;
}) {
  return (
    <>
      <SelectField
        label="Taken off"
        value={form.target}
        options={TARGETS}
        onChange={set('target')}
        error={fieldError('target')}
      />
      {form.target === 'PRODUCTS' && (
        <Field
          label="Product IDs"
          required
          value={form.productIds}
          onChange={set('productIds')}
          hint="Separated by commas or spaces: the id ends a product's back-office address"
          error={fieldError('productIds')}
        />
      )}
      {form.target === 'CATEGORIES' && (
        <Field
          label="Category slugs"
          required
          value={form.categorySlugs}
          onChange={set('categorySlugs')}
          hint="Separated by commas or spaces, e.g. kitchen, lighting"
          error={fieldError('categorySlugs')}
        />
      )}
    </>
  );
}

function BuyXGetYFields({
  form,
  set,
  fieldError,
}: {
  form: NewPromotionForm;
  set: Setter;
  fieldError: FieldError;
}) {
  return (
    <>
      <Field
        label="Product bought (ID)"
        required
        value={form.buyProductId}
        onChange={set('buyProductId')}
        hint="The id ends the product's back-office address"
        error={fieldError('buyProductId')}
      />
      <Field
        label="Units bought"
        type="number"
        min={1}
        value={form.buyQuantity}
        onChange={set('buyQuantity')}
        error={fieldError('buyQuantity')}
      />
      <Field
        label="Product given (ID, optional)"
        value={form.getProductId}
        onChange={set('getProductId')}
        hint="Empty: the product bought"
        error={fieldError('getProductId')}
      />
      <Field
        label="Units given"
        type="number"
        min={1}
        value={form.getQuantity}
        onChange={set('getQuantity')}
        error={fieldError('getQuantity')}
      />
      <Field
        label="Percent off the units given"
        inputMode="decimal"
        value={form.getPercentOff}
        onChange={set('getPercentOff')}
        hint="100: free"
        error={fieldError('getPercentOff')}
      />
    </>
  );
}
