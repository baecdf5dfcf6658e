import { useId, type Dispatch, type SetStateAction } from 'react';
import { Field, fieldSetter } from '../ui';

/** The terms a promotion is made with and may change later: its window, limits and how it applies. */
export interface PromotionTerms {
  startsAt: string;
  endsAt: string;
  usageLimit: string;
  perCustomerLimit: string;
  combinable: boolean;
  automatic: boolean;
}

/** An API DateTime as a datetime-local field shows it: the browser's time zone, to the minute. */
export function toLocalInput(iso: string | null | undefined): string {
  if (!iso) return '';
  const at = new Date(iso);
  return new Date(at.getTime() - at.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

/** A datetime-local value (the browser's time zone) as the API's DateTime. */
export function toDateTime(local: string): string {
  return new Date(local).toISOString();
}

/** A limit as typed: blank is none (null: unlimited); the API refuses what is not a whole number from 1. */
export function wholeNumber(text: string): number | null {
  return text.trim() ? Number(text) : null;
}

/** The window, the usage limits and the two switches, for the new promotion and the edit form alike. */
export function PromotionTermsFields<F extends PromotionTerms>({
  form,
  setForm,
  fieldError,
}: {
  form: F;
  setForm: Dispatch<SetStateAction<F>>;
  fieldError: (name: string) => string | undefined;
}) {
  const set = fieldSetter(setForm);
  const id = useId();
  const check = (key: 'combinable' | 'automatic') => ({
    id: `${id}-${key}`,
    type: 'checkbox',
    checked: form[key],
    onChange: (e: { target: { checked: boolean } }) => setForm((f) => ({ ...f, [key]: e.target.checked })),
  });
  return (
    <fieldset>
      <legend>Window and limits</legend>
      <Field
        label="Starts"
        type="datetime-local"
        value={form.startsAt}
        onChange={set('startsAt')}
        hint="Empty: now"
        error={fieldError('startsAt')}
      />
      <Field
        label="Ends (optional)"
        type="datetime-local"
        value={form.endsAt}
        onChange={set('endsAt')}
        hint="Empty: no end"
        error={fieldError('endsAt')}
      />
      <Field
        label="Usage limit"
        type="number"
        min={1}
        value={form.usageLimit}
        onChange={set('usageLimit')}
        hint="Redemptions in total; empty: unlimited"
        error={fieldError('usageLimit')}
      />
      <Field
        label="Limit per customer"
        type="number"
        min={1}
        value={form.perCustomerLimit}
        onChange={set('perCustomerLimit')}
        hint="Empty: unlimited"
        error={fieldError('perCustomerLimit')}
      />
      <div className="checkbox">
        <input {...check('combinable')} />
        <label htmlFor={`${id}-combinable`}>Combinable with other promotions</label>
      </div>
      <div className="checkbox">
        <input {...check('automatic')} />
        <label htmlFor={`${id}-automatic`}>
          Automatic: applies to every cart that qualifies, without a code
        </label>
      </div>
    </fieldset>
  );
}
