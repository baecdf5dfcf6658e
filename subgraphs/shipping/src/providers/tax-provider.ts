import { type TaxClass } from '../models/tax';
import { type Destination } from '../services/zones';

/** One amount to tax: a cart or order line after its discounts, or the shipping charge. */
export interface TaxableLine {
  key: string;
  /** Minor units, after discounts; tax-inclusive or exclusive as `pricesIncludeTax` says. */
  amount: number;
  taxClass: TaxClass;
}

export interface TaxRequest {
  destination: Destination;
  currency: string;
  pricesIncludeTax: boolean;
  lines: readonly TaxableLine[];
}

/** The tax of one line under one named rate, already rounded (per line, half to even). */
export interface LineTax {
  key: string;
  name: string;
  rateBasisPoints: number;
  amount: number;
}

/**
 * Computes the tax of a quote's lines. The built-in `TableTaxProvider` reads the rates of the
 * shipping subgraph's own database; an external service (Stripe Tax, Avalara...) implements the
 * same interface and is selected with `TAX_PROVIDER` (services/index.ts, `createTaxProvider`).
 */
export interface TaxProvider {
  readonly name: string;
  calculate(request: TaxRequest): Promise<LineTax[]>;
}
