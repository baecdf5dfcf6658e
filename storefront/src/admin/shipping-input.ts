/**
 * The shipping section's forms as the API takes them: countries typed as ISO codes, amounts typed
 * as money in the method's currency (sent as integer minor units), weights as whole grams.
 */
import type { Problem } from '../errors';
import type {
  AdminShippingBandsQuery,
  AdminShippingMethodFieldsFragment,
  ShippingMethodInput,
  ShippingMethodType,
  ShippingPricing,
  ZoneCountryInput,
} from '../graphql-types';
import { fromMinorUnits, toMinorUnits } from './money-input';

type Method = AdminShippingMethodFieldsFragment;

/** A weight band as the back office shows it: from `minGrams` up to `maxGrams` (exclusive; null: no end). */
export interface Band {
  minGrams: number;
  maxGrams: number | null;
  price: { amount: number; formatted: string };
}

/** Each method's bands by its id, each starting where the one before ends (the API stores them so). */
export function bandsByMethod(data: AdminShippingBandsQuery | undefined): Map<string, Band[]> {
  const methods = data?.shippingZones.flatMap((zone) => zone.methods) ?? [];
  return new Map(
    methods.map((method) => [
      method.id,
      method.weightBands.map((band, i, all) => ({ ...band, minGrams: all[i - 1]?.maxGrams ?? 0 })),
    ]),
  );
}

/**
 * "SE, NO dk US-CA" → SE, NO, DK whole and US only in region CA: a region follows its country
 * after a hyphen, as ISO 3166-2 writes it. Each entry keeps the tokens it came from, so that an
 * error the API names by the entry's index can name what the merchant typed.
 */
export function parseCountries(text: string): { input: ZoneCountryInput[]; typed: string[] } {
  const byCountry = new Map<string, { regions: Set<string> | null; typed: string[] }>();
  for (const token of text.split(/[\s,;]+/).filter(Boolean)) {
    const [country = '', ...rest] = token.toUpperCase().split('-');
    const region = rest.join('-');
    const entry = byCountry.get(country) ?? { regions: new Set<string>(), typed: [] };
    entry.typed.push(token);
    // The whole country, once typed, covers any of its regions also typed.
    if (!region) entry.regions = null;
    else entry.regions?.add(region);
    byCountry.set(country, entry);
  }
  const entries = [...byCountry.entries()];
  return {
    input: entries.map(([country, { regions }]) => ({ country, regions: regions ? [...regions] : [] })),
    typed: entries.map(([, { typed }]) => typed.join(' ')),
  };
}

/** A zone's countries as the form shows them again: "SE NO DK", "US-CA US-NY". */
export function countriesText(countries: readonly { country: string; regions: readonly string[] }[]): string {
  return countries
    .flatMap(({ country, regions }) =>
      regions.length === 0 ? [country] : regions.map((region) => `${country}-${region}`),
    )
    .join(' ');
}

/**
 * The message for the zone's countries field: the API names an entry by its index
 * (`input.countries[2].country`), which the merchant never saw, so the message names what they typed.
 */
export function countriesProblem(problems: readonly Problem[], typed: readonly string[]): string | undefined {
  for (const problem of problems) {
    const match = /(?:^|\.)countries(?:\[(\d+)\])?(?:\.|$)/.exec(problem.field ?? '');
    if (!match) continue;
    const entry = match[1] === undefined ? undefined : typed[Number(match[1])];
    return entry ? `${entry}: ${problem.message}` : problem.message;
  }
  return undefined;
}

export interface BandForm {
  minGrams: string;
  maxGrams: string;
  amount: string;
}

export interface MethodForm {
  code: string;
  name: string;
  carrier: string;
  type: ShippingMethodType;
  currency: string;
  pricing: ShippingPricing;
  flatAmount: string;
  freeOverThreshold: string;
  weightBands: BandForm[];
  active: boolean;
}

/** The form of a new method, or of `method` with its amounts in its currency's decimals. */
export function methodForm(method?: Method, weightBands: readonly Band[] = []): MethodForm {
  if (!method)
    return {
      code: '',
      name: '',
      carrier: '',
      type: 'STANDARD',
      currency: 'USD',
      pricing: 'FLAT',
      flatAmount: '',
      freeOverThreshold: '',
      weightBands: [{ minGrams: '0', maxGrams: '', amount: '' }],
      active: true,
    };
  const money = (value: { amount: number } | null | undefined) =>
    value ? fromMinorUnits(value.amount, method.currency) : '';
  const bands = weightBands.map((band) => ({
    minGrams: String(band.minGrams),
    maxGrams: band.maxGrams == null ? '' : String(band.maxGrams),
    amount: money(band.price),
  }));
  return {
    code: method.code,
    name: method.name,
    carrier: method.carrier ?? '',
    type: method.type,
    currency: method.currency,
    pricing: method.pricing,
    flatAmount: money(method.flatAmount),
    freeOverThreshold: money(method.freeOverThreshold),
    weightBands: bands.length > 0 ? bands : [{ minGrams: '0', maxGrams: '', amount: '' }],
    active: method.active,
  };
}

/** The fields a pricing sends, each named as the API names it in an error. */
function pricingInput(form: MethodForm, problems: Problem[]): Partial<ShippingMethodInput> {
  const money = (text: string, field: string): number => {
    const amount = toMinorUnits(text, form.currency);
    if (amount === null)
      problems.push({ message: `Enter an amount in ${form.currency}, such as 4.90`, code: undefined, field });
    return amount ?? 0;
  };
  const grams = (text: string, field: string): number => {
    if (!/^\s*\d{1,9}\s*$/.test(text))
      problems.push({ message: 'Enter whole grams, such as 1000', code: undefined, field });
    return Number(text);
  };
  if (form.pricing === 'WEIGHT_BANDS')
    return {
      weightBands: form.weightBands.map((band, i) => ({
        minGrams: grams(band.minGrams, `weightBands[${i}].minGrams`),
        maxGrams: band.maxGrams.trim() ? grams(band.maxGrams, `weightBands[${i}].maxGrams`) : null,
        amount: money(band.amount, `weightBands[${i}].amount`),
      })),
    };
  const flatAmount = money(form.flatAmount, 'flatAmount');
  if (form.pricing === 'FLAT') return { flatAmount };
  return { flatAmount, freeOverThreshold: money(form.freeOverThreshold, 'freeOverThreshold') };
}

/** The API's input from the form, or the problems found before sending it, each on its field. */
export function methodInput(
  zoneCode: string,
  form: MethodForm,
): { input: ShippingMethodInput } | { problems: Problem[] } {
  const problems: Problem[] = [];
  const input: ShippingMethodInput = {
    zoneCode,
    code: form.code.trim(),
    name: form.name.trim(),
    carrier: form.carrier.trim() || null,
    type: form.type,
    currency: form.currency,
    pricing: form.pricing,
    ...pricingInput(form, problems),
    active: form.active,
  };
  return problems.length > 0 ? { problems } : { input };
}

/** What a method charges, in a merchant's words, with the API's formatted money. */
export function pricingWords(method: Method, bands: readonly Band[]): string {
  switch (method.pricing) {
    case 'FLAT':
      return `Flat ${method.flatAmount?.formatted ?? '(no amount)'}`;
    case 'FREE_OVER':
      return `Free from ${method.freeOverThreshold?.formatted ?? '(no threshold)'} (goods after discounts), else ${method.flatAmount?.formatted ?? '(no amount)'}`;
    case 'WEIGHT_BANDS':
      if (bands.length === 0) return 'By weight';
      return `By weight: ${bands
        .map((band) =>
          band.maxGrams == null
            ? `from ${band.minGrams} g ${band.price.formatted}`
            : `${band.minGrams} g to under ${band.maxGrams} g ${band.price.formatted}`,
        )
        .join('; ')}`;
  }
}
