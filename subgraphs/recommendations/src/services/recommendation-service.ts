import { type RecoCache } from '../cache/reco-cache';
import { type EngagementDoc, type EngagementModel } from '../models/engagement';
import { RECOMMENDABLE_FILTER } from '../models/catalog-entry';
import { type ProductPairModel } from '../models/product-pair';
import {
  dominantType,
  engagementAt,
  engagementExpression,
  horizonStart,
  type InteractionType,
  type ScoringModel,
} from '../scoring';
import { CATALOG_SCOPE } from './catalog-projection';

export interface RecommendationItem {
  productId: string;
  score: number;
  reason: string;
}

/** The longest list a caller may ask for; cached lists hold this many. */
export const MAX_RECOMMENDATIONS = 50;
/** A user's most recent engagements read for a personal list. */
export const SEED_SCAN = 100;
/** Of those, the strongest ones whose neighbours are looked up. */
export const SEEDS = 20;
/** Neighbours kept per seed. */
export const NEIGHBOURS_PER_SEED = 50;

const VERB: Record<InteractionType, string> = {
  VIEW: 'viewed',
  ADD_TO_CART: 'added',
  PURCHASE: 'bought',
  WISHLIST: 'wishlisted',
};

export const POPULAR_REASON = 'popular';

interface NeighbourRow {
  _id: string;
  items: { b: string; coPurchases: number; affinity: number; name: string | null; recommendable: boolean }[];
}

const byScoreThenId = (x: RecommendationItem, y: RecommendationItem) =>
  y.score - x.score || (x.productId < y.productId ? -1 : x.productId > y.productId ? 1 : 0);

/**
 * The read side of behavioral-v1. Every list is computed whole (MAX_RECOMMENDATIONS items) with a
 * fixed number of MongoDB commands and cached; callers take the first n. Costs when nothing is
 * cached: popular 1 aggregate; frequently bought together 1 aggregate for any number of products;
 * personal 1 find + 1 aggregate, plus the popular list's aggregate when it is not cached.
 */
export class RecommendationService {
  constructor(
    private readonly deps: {
      engagements: EngagementModel;
      pairs: ProductPairModel;
      model: ScoringModel;
      cache: RecoCache;
      clock: () => Date;
      listTtlSeconds: number;
      popularTtlSeconds: number;
    },
  ) {}

  async popular(first: number): Promise<RecommendationItem[]> {
    const [catalogGen] = await this.deps.cache.generations([CATALOG_SCOPE]);
    return (await this.cachedPopular(catalogGen!)).slice(0, first);
  }

  /** Personal for a user with recent engagement; the popular list for a cold start. */
  async forUser(userId: string, first: number): Promise<RecommendationItem[]> {
    const [catalogGen, userGen] = await this.deps.cache.generations([CATALOG_SCOPE, `user:${userId}`]);
    const cacheable = catalogGen! >= 0 && userGen! >= 0;
    const key = `user:${userId}:u${userGen}:c${catalogGen}`;
    if (cacheable) {
      const [hit] = await this.deps.cache.getMany<RecommendationItem[]>([key]);
      if (hit) return hit.slice(0, first);
    }
    const list = await this.computePersonal(userId, catalogGen!);
    if (cacheable) await this.deps.cache.set(key, list, this.deps.listTtlSeconds);
    return list.slice(0, first);
  }

  /** Lists for several products at once (a DataLoader batch): one cache round trip, one aggregate for the misses. */
  async frequentlyBoughtTogether(
    productIds: readonly string[],
    first: number,
  ): Promise<RecommendationItem[][]> {
    const ids = [...new Set(productIds)];
    const gens = await this.deps.cache.generations([CATALOG_SCOPE, ...ids.map((id) => `product:${id}`)]);
    const cacheable = gens.every((g) => g >= 0);
    const keys = ids.map((id, i) => `fbt:${id}:p${gens[i + 1]}:c${gens[0]}`);
    const cached = cacheable
      ? await this.deps.cache.getMany<RecommendationItem[]>(keys)
      : ids.map(() => null);
    const lists = new Map<string, RecommendationItem[]>();
    const missing: string[] = [];
    ids.forEach((id, i) => (cached[i] ? lists.set(id, cached[i]) : missing.push(id)));
    if (missing.length > 0) {
      const computed = await this.computeBoughtTogether(missing);
      for (const id of missing) {
        const list = computed.get(id) ?? [];
        lists.set(id, list);
        if (cacheable) await this.deps.cache.set(keys[ids.indexOf(id)]!, list, this.deps.listTtlSeconds);
      }
    }
    return productIds.map((id) => (lists.get(id) ?? []).slice(0, first));
  }

  private async cachedPopular(catalogGen: number): Promise<RecommendationItem[]> {
    const key = `popular:c${catalogGen}`;
    if (catalogGen >= 0) {
      const [hit] = await this.deps.cache.getMany<RecommendationItem[]>([key]);
      if (hit) return hit;
    }
    const list = await this.computePopular();
    if (catalogGen >= 0) await this.deps.cache.set(key, list, this.deps.popularTtlSeconds);
    return list;
  }

  /** popularity(p) = sum over users of D(u,p) / (1 + D(u)), recommendable products only. */
  private async computePopular(): Promise<RecommendationItem[]> {
    const now = this.deps.clock().getTime();
    const rows = await this.deps.engagements.aggregate<{ _id: string; score: number }>([
      { $match: { at: { $gte: horizonStart(now, this.deps.model) } } },
      { $project: { _id: 0, userId: 1, productId: 1, d: engagementExpression(this.deps.model, now) } },
      { $group: { _id: '$userId', total: { $sum: '$d' }, items: { $push: { p: '$productId', d: '$d' } } } },
      { $match: { total: { $gt: 0 } } },
      { $unwind: '$items' },
      {
        $group: {
          _id: '$items.p',
          score: { $sum: { $divide: ['$items.d', { $add: [1, '$total'] }] } },
        },
      },
      { $lookup: { from: 'catalog', localField: '_id', foreignField: '_id', as: 'entry' } },
      { $match: prefixed('entry', RECOMMENDABLE_FILTER) },
      { $sort: { score: -1, _id: 1 } },
      { $limit: MAX_RECOMMENDATIONS },
      { $project: { score: 1 } },
    ]);
    return rows.map((r) => ({ productId: r._id, score: r.score, reason: POPULAR_REASON }));
  }

  /** score(Y | X) = orders with X and Y / orders with X; ties by product id. */
  private async computeBoughtTogether(productIds: string[]): Promise<Map<string, RecommendationItem[]>> {
    const rows = await this.neighbours(productIds, 'coPurchases', MAX_RECOMMENDATIONS + 1);
    const lists = new Map<string, RecommendationItem[]>();
    for (const row of rows) {
      const self = row.items.find((item) => item.b === row._id);
      const ordersWithX = self?.coPurchases ?? 0;
      if (ordersWithX === 0) continue;
      const reason = self?.name ? `bought together with ${self.name}` : 'frequently bought together';
      lists.set(
        row._id,
        row.items
          .filter((item) => item.b !== row._id && item.recommendable)
          .map((item) => ({ productId: item.b, score: item.coPurchases / ordersWithX, reason }))
          .sort(byScoreThenId)
          .slice(0, MAX_RECOMMENDATIONS),
      );
    }
    return lists;
  }

  /**
   * personal(c) = sum over the user's seeds s of share(s) * affinity(s, c) / affinity(s, s), where
   * share(s) = D(u,s)/D(u) and affinity counts co-purchases plus co-interacting users. Products the
   * user bought within the horizon are left out; the popular list fills the rest.
   */
  private async computePersonal(userId: string, catalogGen: number): Promise<RecommendationItem[]> {
    const { model } = this.deps;
    const now = this.deps.clock().getTime();
    const engaged = await this.deps.engagements
      .find({ userId, at: { $gte: horizonStart(now, model) } })
      .sort({ at: -1, productId: 1 })
      .limit(SEED_SCAN)
      .lean<EngagementDoc[]>();
    const weighted = engaged.map((doc) => ({ doc, d: engagementAt(doc, model, now) })).filter((s) => s.d > 0);
    const total = weighted.reduce((sum, s) => sum + s.d, 0);
    const purchased = new Set(engaged.filter((doc) => doc.purchasedAt !== null).map((doc) => doc.productId));

    const personal = new Map<string, RecommendationItem & { best: number }>();
    if (total > 0) {
      const seeds = weighted
        .sort((x, y) => y.d - x.d || (x.doc.productId < y.doc.productId ? -1 : 1))
        .slice(0, SEEDS);
      const rows = await this.neighbours(
        seeds.map((s) => s.doc.productId),
        'affinity',
        NEIGHBOURS_PER_SEED + 1,
      );
      const rowBySeed = new Map(rows.map((r) => [r._id, r]));
      for (const seed of seeds) {
        const row = rowBySeed.get(seed.doc.productId);
        const self = row?.items.find((item) => item.b === seed.doc.productId);
        if (!row || !self || self.affinity <= 0) continue;
        const share = seed.d / total;
        for (const item of row.items) {
          if (item.b === seed.doc.productId || !item.recommendable || purchased.has(item.b)) continue;
          const contribution = (share * item.affinity) / self.affinity;
          const entry = personal.get(item.b) ?? { productId: item.b, score: 0, reason: '', best: 0 };
          entry.score += contribution;
          if (contribution > entry.best) {
            entry.best = contribution;
            const name = self.name ?? 'a product';
            entry.reason =
              item.coPurchases > 0
                ? `bought together with ${name}`
                : `because you ${VERB[dominantType(seed.doc, model)]} ${name}`;
          }
          personal.set(item.b, entry);
        }
      }
    }

    const list: RecommendationItem[] = [...personal.values()]
      .map(({ productId, score, reason }) => ({ productId, score, reason }))
      .sort(byScoreThenId)
      .slice(0, MAX_RECOMMENDATIONS);
    if (list.length < MAX_RECOMMENDATIONS) {
      const taken = new Set(list.map((item) => item.productId));
      for (const item of await this.cachedPopular(catalogGen)) {
        if (list.length >= MAX_RECOMMENDATIONS) break;
        if (taken.has(item.productId) || purchased.has(item.productId)) continue;
        list.push(item);
      }
    }
    return list;
  }

  /**
   * For each product, its strongest partners by `rank` (the self pair included, whatever its rank,
   * for the product's own totals and name), with each partner's name and recommendability: one
   * aggregate for any number of products.
   */
  private async neighbours(
    productIds: string[],
    rank: 'coPurchases' | 'affinity',
    perProduct: number,
  ): Promise<NeighbourRow[]> {
    if (productIds.length === 0) return [];
    return this.deps.pairs.aggregate<NeighbourRow>([
      { $match: { a: { $in: productIds }, [rank]: { $gt: 0 } } },
      { $lookup: { from: 'catalog', localField: 'b', foreignField: '_id', as: 'entry' } },
      { $set: { entry: { $arrayElemAt: ['$entry', 0] }, self: { $eq: ['$a', '$b'] } } },
      {
        $set: {
          recommendable: {
            $and: [
              { $eq: ['$entry.active', true] },
              { $gt: [{ $ifNull: ['$entry.available', 0] }, 0] },
              { $ne: [{ $ifNull: ['$entry.name', null] }, null] },
            ],
          },
        },
      },
      { $match: { $or: [{ self: true }, { recommendable: true }] } },
      {
        $group: {
          _id: '$a',
          items: {
            $topN: {
              n: perProduct,
              sortBy: { self: -1, [rank]: -1, b: 1 },
              output: {
                b: '$b',
                coPurchases: '$coPurchases',
                affinity: '$affinity',
                name: { $ifNull: ['$entry.name', null] },
                recommendable: '$recommendable',
              },
            },
          },
        },
      },
    ]);
  }
}

function prefixed(prefix: string, filter: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(filter).map(([k, v]) => [`${prefix}.${k}`, v]));
}
