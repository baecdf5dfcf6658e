import { z } from 'zod';
import { maxOrderTotalShape } from '@novamart/kit';

/** The products subgraph's own environment variables. */
export const productsConfigShape = {
  /** createProduct records the opening stock through the inventory subgraph's API. */
  INVENTORY_URL: z.string().url().optional(),
  /** The largest price an admin may set (a line of one unit must fit an order). */
  ...maxOrderTotalShape,
};

export type ProductsConfig = z.infer<z.ZodObject<typeof productsConfigShape>>;
