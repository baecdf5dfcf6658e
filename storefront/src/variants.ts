/** How the storefront names a product's variants on lines (cart, checkout, order). */

export interface SelectedOption {
  name: string;
  value: string;
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
