import { z } from 'zod';
import type { ConfigVariable } from '@novamart/kit';

/** The shipping subgraph's own environment variables. */
export const shippingConfigShape = {
  /** Which TaxProvider computes tax: `table` is the built-in one on this subgraph's tax_rates. */
  TAX_PROVIDER: z.enum(['table']).default('table'),
};

export type ShippingConfig = z.infer<z.ZodObject<typeof shippingConfigShape>>;

export const shippingConfigVariables: readonly ConfigVariable[] = [
  {
    name: 'TAX_PROVIDER',
    default: 'table',
    description:
      "Tax calculation: `table`, the shipping subgraph's own rates per zone and tax class (an external provider implements `TaxProvider`).",
  },
];
