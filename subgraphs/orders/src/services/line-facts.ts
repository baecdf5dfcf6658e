import { type TaxClass } from '../models/catalog-price';
import { type OrderLine } from '../models/order';

/** What tax and shipping need to know of a line's variant, per unit. */
export interface LineFacts {
  taxClass: TaxClass;
  weightGrams: number;
}

/**
 * The one place checkout learns a line's tax class and unit weight: the variant's, snapshotted on
 * the line from the catalog projection when it was priced (products' `ProductVariant.taxClass` and
 * `weightGrams`). Lines of orders placed before them: STANDARD, weight unknown (0).
 */
export function lineFacts(line: OrderLine): LineFacts {
  return { taxClass: line.taxClass ?? 'STANDARD', weightGrams: line.weightGrams ?? 0 };
}
