import { z } from 'zod';

/** The shipping subgraph's own environment variables. */
export const shippingConfigShape = {
  /** Which TaxProvider computes tax: `table` is the built-in one on this subgraph's tax_rates. */
  TAX_PROVIDER: z.enum(['table']).default('table'),
};

export type ShippingConfig = z.infer<z.ZodObject<typeof shippingConfigShape>>;
