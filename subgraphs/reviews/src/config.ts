import { z } from 'zod';
import type { ConfigVariable } from '@novamart/kit';

/** The reviews subgraph's own environment variables. */
export const reviewsConfigShape = {
  /** A review command asks orders whether the caller bought the product when its projection does not know yet. */
  ORDERS_URL: z.string().url().optional(),
};

export type ReviewsConfig = z.infer<z.ZodObject<typeof reviewsConfigShape>>;

export const reviewsConfigVariables: readonly ConfigVariable[] = [
  {
    name: 'ORDERS_URL',
    default: 'unset: decides on its projection of events',
    description:
      "The orders subgraph's GraphQL endpoint (addReview asks there, as the caller, whether an order just paid holds the product).",
  },
];
