import { type SubgraphContext, defineSubgraph, type SubgraphModule } from '@novamart/kit';
import { MemoryRecoCache, type RecoCache, RedisRecoCache } from './cache/reco-cache';
import { recommendationsConfigShape, type RecommendationsConfig } from './config';
import { recommendationConsumers } from './events/handlers';
import { catalogEntryModel } from './models/catalog-entry';
import { engagementModel } from './models/engagement';
import { interactionModel } from './models/interaction';
import { productPairModel } from './models/product-pair';
import { resolvers, type RecommendationsContext } from './resolvers';
import { scoringModel } from './scoring';
import { CatalogProjection } from './services/catalog-projection';
import { EngagementWriter } from './services/engagement-writer';
import { InteractionService } from './services/interaction-service';
import { RecommendationService } from './services/recommendation-service';

export { recommendationsConfigShape, type RecommendationsConfig } from './config';
export { MemoryRecoCache, RedisRecoCache, type RecoCache } from './cache/reco-cache';
export {
  MODEL_NAME,
  INTERACTION_TYPES,
  type InteractionType,
  type ScoringModel,
  scoringModel,
  decayFactor,
  userContribution,
} from './scoring';
export { InteractionService, type InteractionInput } from './services/interaction-service';
export {
  RecommendationService,
  MAX_RECOMMENDATIONS,
  type RecommendationItem,
} from './services/recommendation-service';
export { CatalogProjection, CATALOG_SCOPE } from './services/catalog-projection';
export { type RecommendationsContext } from './resolvers';

export interface RecommendationsOptions {
  /** The time scores are computed at and interactions default to (tests move it). */
  clock?: () => Date;
  /** Replaces the cache the runtime would get (Redis when `runtime.redis`, memory otherwise). */
  cache?: RecoCache;
}

/** The module with injectable clock and cache; `recommendationsSubgraph` is the production one. */
export function createRecommendationsSubgraph(
  options: RecommendationsOptions = {},
): SubgraphModule<RecommendationsConfig> {
  return defineSubgraph({
    name: 'recommendations',
    port: 4008,
    configShape: recommendationsConfigShape,
    schema: new URL('./schema.graphql', import.meta.url),
    resolvers,
    async create(runtime) {
      const { mongo: conn, config, logger } = runtime;
      const clock = options.clock ?? (() => new Date());
      const interactions = interactionModel(conn);
      const engagements = engagementModel(conn);
      const pairs = productPairModel(conn);
      const catalog = catalogEntryModel(conn);
      await Promise.all([interactions.init(), engagements.init(), pairs.init(), catalog.init()]);

      const cache =
        options.cache ??
        (runtime.redis
          ? new RedisRecoCache(runtime.redis, { keyPrefix: config.RECO_CACHE_KEY_PREFIX, logger })
          : new MemoryRecoCache({ now: () => clock().getTime() }));
      const model = scoringModel(config);
      const writer = new EngagementWriter({ engagements, pairs, model });
      const interactionService = new InteractionService({
        conn,
        interactions,
        catalog,
        writer,
        cache,
        clock,
        logger,
      });
      const recommendationService = new RecommendationService({
        engagements,
        pairs,
        model,
        cache,
        clock,
        listTtlSeconds: config.RECO_CACHE_TTL_SECONDS,
        popularTtlSeconds: config.RECO_POPULAR_TTL_SECONDS,
      });
      logger.info({ model: model, cache: cache.kind }, 'recommendations ready');

      return {
        consumers: recommendationConsumers({
          cache,
          interactions: interactionService,
          catalog: new CatalogProjection(catalog),
        }),
        context: (): Omit<RecommendationsContext, keyof SubgraphContext> => ({
          interactions: interactionService,
          recommendations: recommendationService,
        }),
      };
    },
  });
}

export const recommendationsSubgraph = createRecommendationsSubgraph();
