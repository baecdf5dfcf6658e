import { z } from 'zod';
import { maxOrderTotalShape, type ConfigVariable } from '@novamart/kit';

/** The products subgraph's own environment variables. */
export const productsConfigShape = {
  /** createProduct records the opening stock through the inventory subgraph's API. */
  INVENTORY_URL: z.string().url().optional(),
  /** The largest price an admin may set (a line of one unit must fit an order). */
  ...maxOrderTotalShape,
};

export type ProductsConfig = z.infer<z.ZodObject<typeof productsConfigShape>>;

export const productsConfigVariables: readonly ConfigVariable[] = [
  {
    name: 'INVENTORY_URL',
    default: 'unset: decides on its projection of events',
    description: "The inventory subgraph's GraphQL endpoint (createProduct records initialStock there).",
  },
];
