import { Fragment } from 'react';
import { useQuery } from '@apollo/client/react';
import { COUNTRY_CODES } from '../country-codes';
import { describeError } from '../errors';
import { SHIPPING_COUNTRIES } from '../graphql';
import type { AddressInput } from '../graphql-types';
import { Problems, SelectField } from '../ui';

/**
 * What every address form and address card of the storefront shares (checkout's shipping address,
 * the account's address book, an order's page): the countries offered, the text fields in the
 * order a label prints them, and how a postal address reads.
 */

export interface Country {
  /** ISO 3166-1 alpha-2. */
  code: string;
  name: string;
}

// The browser's ICU names every code in English: no list of names to keep here.
const REGION_NAMES = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'code' });

/** The country's English name, or its code for one that is not a region code. */
export function countryName(code: string): string {
  try {
    return REGION_NAMES.of(code) ?? code;
  } catch {
    // RangeError: not a well-formed region code (saved through the API before it checked).
    return code;
  }
}

const byName = (a: Country, b: Country) => a.name.localeCompare(b.name, 'en') || a.code.localeCompare(b.code);

/**
 * Every country, by name: what the address book offers, since a saved address may be shipped to
 * later (when the shop ships there) or be a billing address.
 */
export const ALL_COUNTRIES: readonly Country[] = COUNTRY_CODES.map((code) => ({
  code,
  name: countryName(code),
})).sort(byName);

/**
 * The countries the shop ships to (`shippingCountries`: zones with an active method), by name:
 * what checkout offers. `countries` is null until they are known (or when they could not be read).
 * A shop with no such zone, or whose API has no shipping subgraph (its gateway refuses the query),
 * charges its default shipping rate to any address, as the API's checkout does: checkout then
 * offers every country.
 */
export function useShippingCountries() {
  const { data, loading, error } = useQuery(SHIPPING_COUNTRIES);
  const withoutShipping = describeError(error).some(({ code }) => code === 'GRAPHQL_VALIDATION_FAILED');
  if (withoutShipping || data?.shippingCountries.length === 0)
    return { countries: ALL_COUNTRIES, loading: false, error: undefined };
  return { countries: data?.shippingCountries ?? null, loading: loading && !data, error };
}

export type ShippingCountries = ReturnType<typeof useShippingCountries>;

/**
 * The country a checkout form starts with: the shopper's own (the region of the browser's
 * language) when the shop ships there, the one country when it ships to one, else none (the
 * shopper chooses).
 */
export function startingCountry(offered: readonly Country[]): string {
  let own: string | undefined;
  try {
    own = new Intl.Locale(navigator.language).maximize().region;
  } catch {
    own = undefined;
  }
  if (offered.some(({ code }) => code === own)) return own!;
  return offered.length === 1 ? offered[0]!.code : '';
}

type TextKey = 'name' | 'line1' | 'line2' | 'city' | 'region' | 'postalCode';

export interface AddressTextField {
  /**
   * AddressInput's field, which is also the last part of how the API names a refused one
   * (`extensions.field`: `input.postalCode` in the address book, `input.shippingAddress.postalCode`
   * at checkout), which `problemWith` matches.
   */
  key: TextKey;
  /** With "(optional)" after an optional field's label. */
  label: string;
  autoComplete: string;
  required: boolean;
}

const TEXT_FIELDS: readonly Omit<AddressTextField, 'label'>[] = [
  { key: 'name', autoComplete: 'name', required: true },
  { key: 'line1', autoComplete: 'address-line1', required: true },
  { key: 'line2', autoComplete: 'address-line2', required: false },
  { key: 'city', autoComplete: 'address-level2', required: true },
  { key: 'region', autoComplete: 'address-level1', required: false },
  { key: 'postalCode', autoComplete: 'postal-code', required: true },
];

const LABELS: Record<TextKey, string> = {
  name: 'Full name',
  line1: 'Address line 1',
  line2: 'Address line 2',
  city: 'City',
  region: 'State or region',
  postalCode: 'Postal code',
};

/** The text fields of an address form; `labels` words some of them the form's own way. */
export function addressTextFields(labels: Partial<Record<TextKey, string>> = {}): AddressTextField[] {
  return TEXT_FIELDS.map((field) => {
    const label = labels[field.key] ?? LABELS[field.key];
    return { ...field, label: field.required ? label : `${label} (optional)` };
  });
}

/**
 * The country list: every country, keeping one it does not name choosable as its code; or, with
 * `offered` (checkout), only those, and none chosen (with a note) when the value is not one of them.
 */
export function CountrySelect({
  value,
  onChange,
  error,
  offered,
}: {
  value: string;
  onChange: (event: { target: { value: string } }) => void;
  error?: string | undefined;
  offered?: readonly Country[];
}) {
  const countries = offered ?? ALL_COUNTRIES;
  const listed = countries.some(({ code }) => code === value);
  const options: (readonly [string, string])[] = countries.map(({ code, name }) => [code, name]);
  if (!listed && offered) options.unshift(['', 'Choose a country']);
  else if (!listed) options.push([value, countryName(value)]);
  const notShipped =
    offered && !listed && value
      ? `The shop does not ship to ${countryName(value)}: choose a country it ships to.`
      : undefined;
  return (
    <SelectField
      label="Country"
      autoComplete="country"
      required={Boolean(offered)}
      value={listed || !offered ? value : ''}
      onChange={onChange}
      error={error ?? notShipped}
      options={options}
    />
  );
}

/** Checkout's country: a list of the countries the shop ships to, once they are known. */
export function ShippingCountrySelect({
  shipping,
  value,
  onChange,
}: {
  shipping: ShippingCountries;
  value: string;
  onChange: (event: { target: { value: string } }) => void;
}) {
  if (shipping.error) return <Problems error={shipping.error} />;
  if (!shipping.countries) return null;
  return <CountrySelect value={value} onChange={onChange} offered={shipping.countries} />;
}

type PostalAddressFields = Omit<AddressInput, 'name' | 'phone'> & { name?: string; phone?: string | null };

/** A postal address as a label prints it: name (unless shown apart), lines, place, country, phone. */
export function PostalAddress({ address }: { address: PostalAddressFields }) {
  const lines = [
    address.name,
    address.line1,
    address.line2,
    [address.city, address.region, address.postalCode].filter(Boolean).join(', '),
    countryName(address.country),
    address.phone ? `Phone: ${address.phone}` : null,
  ].filter((line): line is string => Boolean(line));
  return (
    <address>
      {lines.map((line, i) => (
        <Fragment key={i}>
          {i > 0 && <br />}
          {line}
        </Fragment>
      ))}
    </address>
  );
}
