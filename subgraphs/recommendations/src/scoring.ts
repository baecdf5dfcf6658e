/**
 * Scoring model `behavioral-v1`, the maths in one place (README "Scoring" states the same formulas).
 *
 *   decayed weight of one interaction at time t:  w(type) * 0.5 ^ ((t - occurredAt) / halfLife)
 *   D(u, p, t) = sum of the decayed weights of user u's interactions with product p
 *   D(u, t)    = sum over p of D(u, p, t)
 *   user u's contribution to p:  D(u, p, t) / (1 + D(u, t))
 *   popularity(p, t) = sum over users of their contributions to p
 *
 * A user's contributions add up to D(u, t) / (1 + D(u, t)), under one: each user holds at most one
 * vote, split over products in proportion to their decayed engagement. A heavy browser therefore
 * counts like one keen shopper, never like hundreds; a single view is worth 1/2 a vote, a single
 * purchase 5/6 (default weights); and votes fade with time, since a user whose interactions have
 * decayed contributes about their decayed weight.
 *
 * Storage keeps, per (user, product), one decayed count per interaction type anchored at `at`
 * (the latest occurredAt seen): value(t) = stored * 0.5 ^ ((t - at) / halfLife). Weights apply
 * when reading, so a changed weight applies to history too; the anchor keeps every stored number
 * at most the count of interactions (no overflow however long the service runs).
 */

export const MODEL_NAME = 'behavioral-v1';

export const INTERACTION_TYPES = ['VIEW', 'ADD_TO_CART', 'PURCHASE', 'WISHLIST'] as const;
export type InteractionType = (typeof INTERACTION_TYPES)[number];

/** The engagement document's field holding each type's decayed count. */
export const COUNT_FIELD: Record<InteractionType, 'sView' | 'sAddToCart' | 'sPurchase' | 'sWishlist'> = {
  VIEW: 'sView',
  ADD_TO_CART: 'sAddToCart',
  PURCHASE: 'sPurchase',
  WISHLIST: 'sWishlist',
};

export type InteractionWeights = Record<InteractionType, number>;

export interface ScoringModel {
  weights: InteractionWeights;
  halfLifeMs: number;
}

export const DAY_MS = 86_400_000;

/**
 * Interactions older than this many half-lives weigh under 0.1% of a fresh one: they are left
 * out of reads so the scanned set stays bounded by recent activity.
 */
export const HORIZON_HALF_LIVES = 10;

export function scoringModel(config: {
  RECO_WEIGHT_VIEW: number;
  RECO_WEIGHT_ADD_TO_CART: number;
  RECO_WEIGHT_PURCHASE: number;
  RECO_WEIGHT_WISHLIST: number;
  RECO_HALF_LIFE_DAYS: number;
}): ScoringModel {
  return {
    weights: {
      VIEW: config.RECO_WEIGHT_VIEW,
      ADD_TO_CART: config.RECO_WEIGHT_ADD_TO_CART,
      PURCHASE: config.RECO_WEIGHT_PURCHASE,
      WISHLIST: config.RECO_WEIGHT_WISHLIST,
    },
    halfLifeMs: config.RECO_HALF_LIFE_DAYS * DAY_MS,
  };
}

/** 0.5 ^ (elapsed / halfLife); an interaction dated in the future counts as fresh, never more. */
export function decayFactor(elapsedMs: number, halfLifeMs: number): number {
  return Math.pow(0.5, Math.max(0, elapsedMs) / halfLifeMs);
}

export function horizonStart(nowMs: number, model: ScoringModel): number {
  return nowMs - HORIZON_HALF_LIVES * model.halfLifeMs;
}

export type DecayedCounts = Record<(typeof COUNT_FIELD)[InteractionType], number> & { at: number };

/** D(u, p, t): the weighted, decayed engagement one stored (user, product) document holds at `nowMs`. */
export function engagementAt(counts: DecayedCounts, model: ScoringModel, nowMs: number): number {
  let weighted = 0;
  for (const type of INTERACTION_TYPES) weighted += model.weights[type] * (counts[COUNT_FIELD[type]] ?? 0);
  return weighted * decayFactor(nowMs - counts.at, model.halfLifeMs);
}

/** The interaction type that contributes most to a stored engagement (ties: the stronger signal). */
export function dominantType(counts: DecayedCounts, model: ScoringModel): InteractionType {
  let best: InteractionType = 'VIEW';
  let bestValue = -1;
  for (const type of INTERACTION_TYPES) {
    const value = model.weights[type] * (counts[COUNT_FIELD[type]] ?? 0);
    if (value > bestValue || (value === bestValue && model.weights[type] > model.weights[best])) {
      best = type;
      bestValue = value;
    }
  }
  return best;
}

/** D(u, p) / (1 + D(u)): one user's contribution to a product's popularity. */
export function userContribution(engagement: number, totalEngagement: number): number {
  return engagement / (1 + Math.max(0, totalEngagement));
}

/**
 * Pipeline update adding one interaction of `type` at `occurredAtMs` to a (user, product) document:
 * every count is brought forward to the new anchor max(at, occurredAt), and the new interaction
 * adds 0.5 ^ ((anchor - occurredAt) / halfLife) (1 when it is the newest). Works as an upsert.
 */
export function addInteractionUpdate(
  type: InteractionType,
  occurredAtMs: number,
  halfLifeMs: number,
): Record<string, unknown>[] {
  const previousAt = { $ifNull: ['$at', occurredAtMs] };
  const decaySince = (from: unknown) => ({
    $pow: [0.5, { $divide: [{ $subtract: ['$$anchor', from] }, halfLifeMs] }],
  });
  const counts: Record<string, unknown> = {};
  for (const t of INTERACTION_TYPES) {
    const field = COUNT_FIELD[t];
    const carried = { $multiply: [{ $ifNull: [`$${field}`, 0] }, decaySince(previousAt)] };
    counts[field] = t === type ? { $add: [carried, decaySince(occurredAtMs)] } : carried;
  }
  const purchasedAt =
    type === 'PURCHASE'
      ? { $max: [{ $ifNull: ['$purchasedAt', occurredAtMs] }, occurredAtMs] }
      : { $ifNull: ['$purchasedAt', null] };
  return [
    {
      $replaceWith: {
        $let: {
          vars: { anchor: { $max: [previousAt, occurredAtMs] } },
          in: {
            $mergeObjects: [
              '$$ROOT',
              counts,
              { at: '$$anchor', purchasedAt, interactions: { $add: [{ $ifNull: ['$interactions', 0] }, 1] } },
            ],
          },
        },
      },
    },
  ];
}

/** Aggregation expression for D(u, p, t) of a stored (user, product) document. */
export function engagementExpression(model: ScoringModel, nowMs: number): Record<string, unknown> {
  return {
    $multiply: [
      {
        $add: INTERACTION_TYPES.map((t) => ({
          $multiply: [model.weights[t], { $ifNull: [`$${COUNT_FIELD[t]}`, 0] }],
        })),
      },
      { $pow: [0.5, { $divide: [{ $max: [0, { $subtract: [nowMs, '$at'] }] }, model.halfLifeMs] }] },
    ],
  };
}
