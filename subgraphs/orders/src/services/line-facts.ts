import { type OrderLine } from '../models/order';

export type TaxClass = 'STANDARD' | 'REDUCED' | 'ZERO';

/** What tax and shipping need to know of a line's product, per unit. */
export interface LineFacts {
  taxClass: TaxClass;
  weightGrams: number;
}

const DEFAULT_FACTS: LineFacts = { taxClass: 'STANDARD', weightGrams: 0 };

/**
 * The one place checkout learns a line's tax class and unit weight. The catalog does not carry
 * them yet, so every line is STANDARD and weighs nothing; once products' variants carry
 * `taxClass` and `weightGrams`, point this at them (through the catalog projection) and nothing
 * else changes.
 */
export function lineFacts(_line: OrderLine): LineFacts {
  return DEFAULT_FACTS;
}
