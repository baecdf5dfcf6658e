/** How the storefront names a product's variants on lines (cart, checkout, order). */

export interface SelectedOption {
  name: string;
  value: string;
}

/**
 * The product page, opened on the line's variant (`?variant=`), so that a line's link shows what
 * the line holds; a default variant (the product's own id) needs no parameter.
 */
export function productLink(slug: string, productId: string, variantId: string | null | undefined): string {
  const path = `/products/${slug}`;
  return variantId && variantId !== productId ? `${path}?variant=${encodeURIComponent(variantId)}` : path;
}

/** "Colour: Red, Size: M"; empty for a product without options (its default variant). */
export function optionSummary(selectedOptions: SelectedOption[] | undefined): string {
  return (selectedOptions ?? []).map((o) => `${o.name}: ${o.value}`).join(', ');
}

/** "Crew T-shirt (Red / M)": a line's name, told apart from the product's other variants. */
export function lineName(
  name: string,
  variant: { title: string; selectedOptions: SelectedOption[] },
): string {
  return variant.selectedOptions.length > 0 ? `${name} (${variant.title})` : name;
}
