import { Fragment } from 'react';
import type { AddressInput } from '../graphql-types';
import { SelectField } from '../ui';

/**
 * What every address form and address card of the storefront shares (checkout's shipping address,
 * the account's address book, an order's page): the countries offered, the text fields in the
 * order a label prints them, and how a postal address reads.
 */

export const COUNTRIES: readonly (readonly [string, string])[] = [
  ['US', 'United States'],
  ['CA', 'Canada'],
  ['GB', 'United Kingdom'],
  ['DE', 'Germany'],
  ['FR', 'France'],
  ['NL', 'Netherlands'],
  ['JP', 'Japan'],
  ['AU', 'Australia'],
];

/** The country's name, or its code for one the list does not name (saved through the API). */
export function countryName(code: string): string {
  return COUNTRIES.find(([listed]) => listed === code)?.[1] ?? code;
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

/** The country list, keeping a country it does not name choosable as its code. */
export function CountrySelect({
  value,
  onChange,
  error,
}: {
  value: string;
  onChange: (event: { target: { value: string } }) => void;
  error?: string | undefined;
}) {
  const options = COUNTRIES.some(([code]) => code === value)
    ? COUNTRIES
    : [...COUNTRIES, [value, value] as const];
  return (
    <SelectField
      label="Country"
      autoComplete="country"
      value={value}
      onChange={onChange}
      error={error}
      options={options}
    />
  );
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
