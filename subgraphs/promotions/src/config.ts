import { z } from 'zod';

/** Environment variables of the promotions subgraph, on top of the kit's base configuration. */
export const promotionsConfigShape = {
  /** Category promotions ask the products subgraph for the categories of a cart's products. */
  PRODUCTS_URL: z.string().url().optional(),
};

export type PromotionsConfig = z.infer<z.ZodObject<typeof promotionsConfigShape>>;
