import { type TaxClass } from '../models/catalog-product';
import { type PricedLine } from './pricing';

/** What tax and shipping need to know of a line's variant, per unit. */
export interface LineFacts {
  taxClass: TaxClass;
  weightGrams: number;
}

/**
 * The one place the cart learns a line's tax class and unit weight: the variant's, as the
 * catalog projection (products' events and answers) holds them, read with the line's price, so a
 * quote costs no command of its own.
 */
export function lineFacts(line: Pick<PricedLine, 'taxClass' | 'weightGrams'>): LineFacts {
  return { taxClass: line.taxClass, weightGrams: line.weightGrams };
}
