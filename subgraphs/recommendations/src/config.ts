import { z } from 'zod';

const weight = (fallback: number) => z.coerce.number().min(0).max(1_000).default(fallback);

/** The recommendations subgraph's own variables, on top of the kit's base configuration. */
export const recommendationsConfigShape = {
  RECO_WEIGHT_VIEW: weight(1),
  RECO_WEIGHT_ADD_TO_CART: weight(3),
  RECO_WEIGHT_PURCHASE: weight(5),
  RECO_WEIGHT_WISHLIST: weight(2),
  RECO_HALF_LIFE_DAYS: z.coerce.number().positive().max(3_650).default(14),
  RECO_CACHE_TTL_SECONDS: z.coerce.number().int().min(1).max(86_400).default(300),
  RECO_POPULAR_TTL_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
  RECO_CACHE_KEY_PREFIX: z.string().min(1).default('novamart'),
};

export type RecommendationsConfig = {
  RECO_WEIGHT_VIEW: number;
  RECO_WEIGHT_ADD_TO_CART: number;
  RECO_WEIGHT_PURCHASE: number;
  RECO_WEIGHT_WISHLIST: number;
  RECO_HALF_LIFE_DAYS: number;
  RECO_CACHE_TTL_SECONDS: number;
  RECO_POPULAR_TTL_SECONDS: number;
  RECO_CACHE_KEY_PREFIX: string;
};
