import { useId, useState } from 'react';
import type { ProductPageQuery } from '../graphql-types';

/**
 * The option values the shopper picked (one per option), and the variant sold with exactly those
 * values, or null for a combination the product is not sold in. Starts on `initialVariantId` (a
 * cart or order line's link) when the product has it, else on the default variant.
 */
export function useVariantChoice(
  product: Pick<NonNullable<ProductPageQuery['product']>, 'variants'>,
  initialVariantId: string | null = null,
) {
  const [picked, setPicked] = useState<Record<string, string>>({});
  const start = product.variants.find((v) => v.id === initialVariantId) ?? product.variants[0];
  const defaults = Object.fromEntries((start?.selectedOptions ?? []).map((o) => [o.name, o.value]));
  const values: Record<string, string> = { ...defaults, ...picked };
  const variant =
    product.variants.find((v) => v.selectedOptions.every((o) => values[o.name] === o.value)) ?? null;
  const choose = (name: string, value: string) => setPicked((p) => ({ ...p, [name]: value }));
  return [{ values, variant }, choose] as const;
}

/** One labelled select per option (Size, Colour…), in the product's order of options and values. */
export function VariantPicker({
  options,
  values,
  onChange,
}: {
  options: { name: string; values: string[] }[];
  values: Record<string, string>;
  onChange: (name: string, value: string) => void;
}) {
  const id = useId();
  return (
    <div className="inline-form wrap variant-picker">
      {options.map((option, i) => (
        <div className="field" key={option.name}>
          <label htmlFor={`${id}-${i}`}>{option.name}</label>
          <select
            id={`${id}-${i}`}
            value={values[option.name] ?? ''}
            onChange={(e) => onChange(option.name, e.target.value)}
          >
            {option.values.map((value) => (
              <option key={value} value={value}>
                {value}
              </option>
            ))}
          </select>
        </div>
      ))}
    </div>
  );
}
