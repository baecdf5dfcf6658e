import { useId, useState, type Dispatch, type FormEvent, type SetStateAction } from 'react';
import { useMutation } from '@apollo/client/react';
import { describeError, problemWith, type Problem } from '../errors';
import {
  ADMIN_SHIPPING,
  ADMIN_SHIPPING_BANDS,
  DELETE_SHIPPING_METHOD,
  DELETE_SHIPPING_ZONE,
  DELETE_TAX_RATE,
  SAVE_SHIPPING_METHOD,
  SAVE_SHIPPING_ZONE,
  SAVE_TAX_RATE,
} from '../graphql';
import type {
  AdminShippingMethodFieldsFragment,
  AdminShippingQuery,
  ShippingMethodType,
  ShippingPricing,
  TaxClass,
} from '../graphql-types';
import { Field, fieldSetter, Problems, SelectField } from '../ui';
import { CURRENCIES } from './money-input';
import {
  countriesProblem,
  countriesText,
  methodForm,
  methodInput,
  parseCountries,
  type Band,
  type MethodForm,
} from './shipping-input';

type Zone = AdminShippingQuery['shippingZones'][number];
type Method = AdminShippingMethodFieldsFragment;
type Done = (message: string) => void;

// A zone has no id for the cache to update it by: every write reads the zones again, and the
// form reports success only once the API answered and the page shows what it stored.
const READ_AGAIN = { refetchQueries: [ADMIN_SHIPPING, ADMIN_SHIPPING_BANDS], awaitRefetchQueries: true };

/** Problems no field of the form shows: none named, or one the form does not have. */
const unplaced = (problems: Problem[], fields: string[]) =>
  problems.filter((p) => !fields.some((name) => problemWith([p], name)));

function FormButtons({ busy, label, onClose }: { busy: boolean; label: string; onClose: () => void }) {
  return (
    <div className="toolbar">
      <button type="submit" disabled={busy}>
        {busy ? 'Saving…' : label}
      </button>
      <button type="button" className="link" onClick={onClose}>
        Cancel
      </button>
    </div>
  );
}

/** A new zone (`zone` undefined), or the name and countries of an existing one: its code cannot change. */
export function ZoneEditor({ zone, onDone, onClose }: { zone?: Zone; onDone: Done; onClose: () => void }) {
  const [save, state] = useMutation(SAVE_SHIPPING_ZONE, READ_AGAIN);
  const [form, setForm] = useState(() => ({
    code: zone?.code ?? '',
    name: zone?.name ?? '',
    countries: zone ? countriesText(zone.countries) : '',
  }));
  const [failed, setFailed] = useState<{ problems: Problem[]; typed: string[] }>({ problems: [], typed: [] });
  const set = fieldSetter(setForm);
  const { problems, typed } = failed;
  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    const { input: countries, typed } = parseCountries(form.countries);
    setFailed({ problems: [], typed });
    try {
      const result = await save({
        variables: { input: { code: form.code.trim(), name: form.name.trim(), countries } },
      });
      const saved = result.data?.saveShippingZone;
      if (saved) {
        onDone(`Saved zone ${saved.name} (${saved.code}).`);
        onClose();
      }
    } catch (err) {
      setFailed({ problems: describeError(err), typed });
    }
  };
  return (
    <form onSubmit={onSubmit} className="narrow" aria-label={zone ? `Edit zone ${zone.name}` : 'New zone'}>
      {!zone && (
        <Field
          label="Zone code"
          required
          autoComplete="off"
          value={form.code}
          onChange={set('code')}
          hint="Letters, digits, - or _, e.g. NORDICS; it cannot change later"
          error={problemWith(problems, 'code')}
        />
      )}
      <Field
        label="Zone name"
        required
        value={form.name}
        onChange={set('name')}
        error={problemWith(problems, 'name')}
      />
      <Field
        label="Countries"
        required
        autoComplete="off"
        value={form.countries}
        onChange={set('countries')}
        hint="ISO codes separated by commas or spaces, e.g. SE, NO, DK; only a region of a country: US-CA"
        error={countriesProblem(problems, typed)}
      />
      <Problems
        problems={unplaced(problems, zone ? ['name'] : ['code', 'name']).filter(
          (p) => !countriesProblem([p], typed),
        )}
      />
      <FormButtons busy={state.loading} label={zone ? 'Save zone' : 'Create zone'} onClose={onClose} />
    </form>
  );
}

/**
 * A Delete link that asks the browser's confirmation first; `remove` answers the message to report
 * (null: the API deleted nothing), and a refusal shows under the link.
 */
function ConfirmedDelete({
  what,
  question,
  busy,
  remove,
  onDone,
}: {
  what: string;
  question: string;
  busy: boolean;
  remove: () => Promise<string | null>;
  onDone: Done;
}) {
  const [error, setError] = useState<unknown>(null);
  const onClick = async () => {
    if (!window.confirm(question)) return;
    setError(null);
    try {
      const message = await remove();
      if (message) onDone(message);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <>
      <button type="button" className="link" disabled={busy} onClick={onClick}>
        Delete <span className="visually-hidden">{what}</span>
      </button>
      <Problems error={error} />
    </>
  );
}

/** Takes the method out of its zone once the merchant confirms; the list then shows what the API keeps. */
export function DeleteMethodButton({ zone, method, onDone }: { zone: Zone; method: Method; onDone: Done }) {
  const [remove, state] = useMutation(DELETE_SHIPPING_METHOD, READ_AGAIN);
  return (
    <ConfirmedDelete
      what={`method ${method.name}`}
      question={`Delete ${method.name} (${method.code}) from ${zone.name}? Checkout no longer offers it.`}
      busy={state.loading}
      remove={async () => {
        const result = await remove({ variables: { zoneCode: zone.code, code: method.code } });
        return result.data?.deleteShippingMethod ? `Deleted ${method.name} from ${zone.name}.` : null;
      }}
      onDone={onDone}
    />
  );
}

/** The zone with its methods and tax rates, once the merchant confirms (the API deletes all or nothing). */
export function DeleteZoneButton({ zone, onDone }: { zone: Zone; onDone: Done }) {
  const [remove, state] = useMutation(DELETE_SHIPPING_ZONE, READ_AGAIN);
  return (
    <ConfirmedDelete
      what={`zone ${zone.name}`}
      question={
        `Delete zone ${zone.name} (${zone.code}) with its shipping methods and tax rates? Its addresses ` +
        'get another zone’s methods and rates, or the default rate.'
      }
      busy={state.loading}
      remove={async () => {
        const result = await remove({ variables: { code: zone.code } });
        return result.data?.deleteShippingZone ? `Deleted zone ${zone.name} (${zone.code}).` : null;
      }}
      onDone={onDone}
    />
  );
}

type Rate = Zone['taxRates'][number];

/** One tax class's rate in the zone, once the merchant confirms. */
export function DeleteTaxRateButton({ zone, rate, onDone }: { zone: Zone; rate: Rate; onDone: Done }) {
  const [remove, state] = useMutation(DELETE_TAX_RATE, READ_AGAIN);
  const taxClass = rate.taxClass.toLowerCase();
  return (
    <ConfirmedDelete
      what={`${taxClass} class rate in ${zone.name}`}
      question={
        `Delete ${rate.name} ${rate.rate}% (${taxClass} class) from ${zone.name}? The class is then ` +
        'taxed by another zone holding the address, or not at all.'
      }
      busy={state.loading}
      remove={async () => {
        const result = await remove({ variables: { zoneCode: zone.code, taxClass: rate.taxClass } });
        return result.data?.deleteTaxRate ? `Deleted ${rate.name} ${rate.rate}% from ${zone.name}.` : null;
      }}
      onDone={onDone}
    />
  );
}

const TYPES: [ShippingMethodType, string][] = [
  ['STANDARD', 'Standard'],
  ['EXPRESS', 'Express'],
  ['PICKUP', 'Pickup'],
];

const PRICINGS: [ShippingPricing, string][] = [
  ['FLAT', 'Flat price'],
  ['FREE_OVER', 'Free over a threshold'],
  ['WEIGHT_BANDS', 'By weight'],
];

const BAND_FIELDS = ['minGrams', 'maxGrams', 'amount'] as const;

/** The fields of the method form the API can name in an error. */
function methodFields(form: MethodForm): string[] {
  return [
    'code',
    'name',
    'carrier',
    'type',
    'currency',
    'pricing',
    'flatAmount',
    'freeOverThreshold',
    ...form.weightBands.flatMap((_, i) => BAND_FIELDS.map((f) => `weightBands[${i}].${f}`)),
  ];
}

/** Saves the method; the API replaces nothing on an error, and the form stays as typed. */
function useSaveMethod(zone: Zone, onDone: Done, onClose: () => void) {
  const [save, state] = useMutation(SAVE_SHIPPING_METHOD, READ_AGAIN);
  const [problems, setProblems] = useState<Problem[]>([]);
  const submit = async (form: MethodForm) => {
    const built = methodInput(zone.code, form);
    setProblems('problems' in built ? built.problems : []);
    if ('problems' in built) return;
    try {
      const result = await save({ variables: { input: built.input } });
      const saved = result.data?.saveShippingMethod;
      if (saved) {
        onDone(`Saved ${saved.name} (${saved.code}) in ${zone.name}.`);
        onClose();
      }
    } catch (err) {
      setProblems(describeError(err));
    }
  };
  return { submit, saving: state.loading, problems };
}

/** A new method of the zone (`method` undefined), or every term of an existing one but its code. */
export function MethodEditor({
  zone,
  method,
  bands,
  onDone,
  onClose,
}: {
  zone: Zone;
  method: Method | undefined;
  bands: readonly Band[];
  onDone: Done;
  onClose: () => void;
}) {
  const [form, setForm] = useState(() => methodForm(method, bands));
  const { submit, saving, problems } = useSaveMethod(zone, onDone, onClose);
  const set = fieldSetter(setForm);
  const fieldError = (name: string) => problemWith(problems, name);
  const currencies = CURRENCIES.includes(form.currency) ? CURRENCIES : [...CURRENCIES, form.currency];
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void submit(form);
  };
  return (
    <form
      onSubmit={onSubmit}
      className="narrow"
      aria-label={method ? `Edit method ${method.name}` : `New shipping method in ${zone.name}`}
    >
      {!method && (
        <Field
          label="Method code"
          required
          autoComplete="off"
          value={form.code}
          onChange={set('code')}
          hint="What checkout names it by, e.g. POSTNORD; it cannot change later"
          error={fieldError('code')}
        />
      )}
      <Field
        label="Method name"
        required
        value={form.name}
        onChange={set('name')}
        error={fieldError('name')}
      />
      <Field
        label="Carrier (optional)"
        value={form.carrier}
        onChange={set('carrier')}
        error={fieldError('carrier')}
      />
      <SelectField
        label="Type"
        value={form.type}
        options={TYPES}
        onChange={set('type')}
        error={fieldError('type')}
      />
      <SelectField
        label="Currency"
        value={form.currency}
        options={currencies.map((c) => [c, c] as const)}
        onChange={set('currency')}
        error={fieldError('currency')}
      />
      <PriceFields form={form} setForm={setForm} fieldError={fieldError} />
      <ActiveCheckbox form={form} setForm={setForm} />
      <Problems problems={unplaced(problems, methodFields(form))} />
      <FormButtons busy={saving} label={method ? 'Save method' : 'Add method'} onClose={onClose} />
    </form>
  );
}

type FormProps = {
  form: MethodForm;
  setForm: Dispatch<SetStateAction<MethodForm>>;
  fieldError: (name: string) => string | undefined;
};

function ActiveCheckbox({ form, setForm }: Omit<FormProps, 'fieldError'>) {
  const id = useId();
  return (
    <div className="checkbox">
      <input
        id={id}
        type="checkbox"
        checked={form.active}
        onChange={(e) => setForm((f) => ({ ...f, active: e.target.checked }))}
      />
      <label htmlFor={id}>Active: checkout offers it</label>
    </div>
  );
}

/** The pricing and the amounts it uses, typed in the method's currency. */
function PriceFields({ form, setForm, fieldError }: FormProps) {
  const set = fieldSetter(setForm);
  return (
    <fieldset>
      <legend>Price</legend>
      <SelectField
        label="Pricing"
        value={form.pricing}
        options={PRICINGS}
        onChange={set('pricing')}
        error={fieldError('pricing')}
      />
      {form.pricing !== 'WEIGHT_BANDS' && (
        <Field
          label={form.pricing === 'FLAT' ? 'Price' : 'Price below the threshold'}
          inputMode="decimal"
          required
          value={form.flatAmount}
          onChange={set('flatAmount')}
          hint={`In ${form.currency}, e.g. 4.90`}
          error={fieldError('flatAmount')}
        />
      )}
      {form.pricing === 'FREE_OVER' && (
        <Field
          label="Free from"
          inputMode="decimal"
          required
          value={form.freeOverThreshold}
          onChange={set('freeOverThreshold')}
          hint={`The goods after discounts, in ${form.currency}`}
          error={fieldError('freeOverThreshold')}
        />
      )}
      {form.pricing === 'WEIGHT_BANDS' && (
        <WeightBandFields form={form} setForm={setForm} fieldError={fieldError} />
      )}
    </fieldset>
  );
}

/** One row per band, from 0 g up without gaps: the API names a wrong band by its place here. */
function WeightBandFields({ form, setForm, fieldError }: FormProps) {
  const setBand = (i: number, key: (typeof BAND_FIELDS)[number]) => (e: { target: { value: string } }) =>
    setForm((f) => ({
      ...f,
      weightBands: f.weightBands.map((band, j) => (j === i ? { ...band, [key]: e.target.value } : band)),
    }));
  const addBand = () =>
    setForm((f) => ({
      ...f,
      weightBands: [
        ...f.weightBands,
        { minGrams: f.weightBands.at(-1)?.maxGrams ?? '', maxGrams: '', amount: '' },
      ],
    }));
  const removeBand = (i: number) =>
    setForm((f) => ({ ...f, weightBands: f.weightBands.filter((_, j) => j !== i) }));
  return (
    <>
      {form.weightBands.map((band, i) => (
        <fieldset key={i}>
          <legend>Band {i + 1}</legend>
          <Field
            label="From (g)"
            inputMode="numeric"
            required
            value={band.minGrams}
            onChange={setBand(i, 'minGrams')}
            error={fieldError(`weightBands[${i}].minGrams`)}
          />
          <Field
            label="Under (g)"
            inputMode="numeric"
            value={band.maxGrams}
            onChange={setBand(i, 'maxGrams')}
            hint="Empty: no upper limit (the last band only)"
            error={fieldError(`weightBands[${i}].maxGrams`)}
          />
          <Field
            label="Band price"
            inputMode="decimal"
            required
            value={band.amount}
            onChange={setBand(i, 'amount')}
            hint={`In ${form.currency}`}
            error={fieldError(`weightBands[${i}].amount`)}
          />
          {form.weightBands.length > 1 && (
            <button type="button" className="link" onClick={() => removeBand(i)}>
              Remove band {i + 1}
            </button>
          )}
        </fieldset>
      ))}
      <button type="button" onClick={addBand}>
        Add a band
      </button>
    </>
  );
}

const TAX_CLASSES: [TaxClass, string][] = [
  ['STANDARD', 'Standard'],
  ['REDUCED', 'Reduced'],
  ['ZERO', 'Zero'],
];

/** The rate of one tax class in the zone: the class's current rate to start from, replaced on save. */
export function TaxRateEditor({ zone, onDone, onClose }: { zone: Zone; onDone: Done; onClose: () => void }) {
  const [save, state] = useMutation(SAVE_TAX_RATE, READ_AGAIN);
  const rateOf = (taxClass: TaxClass) => zone.taxRates.find((r) => r.taxClass === taxClass);
  const formOf = (taxClass: TaxClass) => ({
    taxClass,
    name: rateOf(taxClass)?.name ?? '',
    ratePercent: String(rateOf(taxClass)?.rate ?? ''),
  });
  const [form, setForm] = useState(() => formOf('STANDARD'));
  const [problems, setProblems] = useState<Problem[]>([]);
  const set = fieldSetter(setForm);
  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    const ratePercent = form.ratePercent.trim() === '' ? NaN : Number(form.ratePercent.replace(',', '.'));
    const refused = { message: 'Enter a percent such as 25 or 7.25', code: undefined, field: 'ratePercent' };
    setProblems(Number.isFinite(ratePercent) ? [] : [refused]);
    if (!Number.isFinite(ratePercent)) return;
    try {
      const input = { zoneCode: zone.code, taxClass: form.taxClass, name: form.name.trim(), ratePercent };
      const saved = (await save({ variables: { input } })).data?.saveTaxRate;
      if (saved) {
        onDone(`${zone.name}: ${saved.taxClass.toLowerCase()} class taxed at ${saved.name} ${saved.rate}%.`);
        onClose();
      }
    } catch (err) {
      setProblems(describeError(err));
    }
  };
  return (
    <form onSubmit={onSubmit} className="narrow" aria-label={`Tax rate in ${zone.name}`}>
      <SelectField
        label="Tax class"
        value={form.taxClass}
        options={TAX_CLASSES}
        onChange={(e) => setForm(formOf(e.target.value as TaxClass))}
        error={problemWith(problems, 'taxClass')}
      />
      <Field
        label="Tax name"
        required
        value={form.name}
        onChange={set('name')}
        hint="What receipts show, e.g. VAT"
        error={problemWith(problems, 'name')}
      />
      <Field
        label="Rate (%)"
        inputMode="decimal"
        required
        value={form.ratePercent}
        onChange={set('ratePercent')}
        hint="0 to 100, at most two decimals, e.g. 25 or 7.25"
        error={problemWith(problems, 'ratePercent')}
      />
      <Problems problems={unplaced(problems, ['taxClass', 'name', 'ratePercent'])} />
      <FormButtons busy={state.loading} label="Save tax rate" onClose={onClose} />
    </form>
  );
}
