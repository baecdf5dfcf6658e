import { type ConfigVariable } from '@novamart/kit';
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

export const recommendationsConfigVariables: ConfigVariable[] = [
  { name: 'RECO_WEIGHT_VIEW', default: '1', description: 'behavioral-v1 weight of a VIEW interaction.' },
  {
    name: 'RECO_WEIGHT_ADD_TO_CART',
    default: '3',
    description: 'behavioral-v1 weight of an ADD_TO_CART interaction (also `cart.item_added`).',
  },
  {
    name: 'RECO_WEIGHT_PURCHASE',
    default: '5',
    description: 'behavioral-v1 weight of a PURCHASE interaction (also each line of `order.paid`).',
  },
  {
    name: 'RECO_WEIGHT_WISHLIST',
    default: '2',
    description: 'behavioral-v1 weight of a WISHLIST interaction.',
  },
  {
    name: 'RECO_HALF_LIFE_DAYS',
    default: '14',
    description: "Recency decay: an interaction's weight halves every this many days after its `occurredAt`.",
  },
  {
    name: 'RECO_CACHE_TTL_SECONDS',
    default: '300',
    description:
      'Lifetime of cached personal and frequently-bought-together lists (they are also invalidated by the changes that affect them).',
  },
  {
    name: 'RECO_POPULAR_TTL_SECONDS',
    default: '60',
    description:
      'Lifetime of the cached popular list (anonymous callers and cold starts); views and purchases of everyone reach it within this time.',
  },
  {
    name: 'RECO_CACHE_KEY_PREFIX',
    default: 'novamart',
    description:
      'Prefix of the Redis keys of the recommendation cache (`<prefix>:reco:...`); only used when REDIS_URL is set.',
  },
];
