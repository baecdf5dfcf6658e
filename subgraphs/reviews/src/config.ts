import { z } from 'zod';

/** The reviews subgraph's own environment variables. */
export const reviewsConfigShape = {
  /** A review command asks orders whether the caller bought the product when its projection does not know yet. */
  ORDERS_URL: z.string().url().optional(),
};

export type ReviewsConfig = z.infer<z.ZodObject<typeof reviewsConfigShape>>;
