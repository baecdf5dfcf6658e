import { assertOwnerOrAdmin, firstArg, type SubgraphContext, type ResolverMap } from '@novamart/kit';
import { type InteractionInput, type InteractionService } from './services/interaction-service';
import {
  MAX_RECOMMENDATIONS,
  type RecommendationItem,
  type RecommendationService,
} from './services/recommendation-service';

export interface RecommendationsContext extends SubgraphContext {
  interactions: InteractionService;
  recommendations: RecommendationService;
}

const toGraphQL = (item: RecommendationItem) => ({
  product: { __typename: 'Product', id: item.productId },
  score: item.score,
  reason: item.reason,
});

/** One batch per request and `first` for every Product.frequentlyBoughtTogether in it. */
function boughtTogetherLoader(ctx: RecommendationsContext, first: number) {
  return ctx.loaders.get<string, RecommendationItem[]>(`recommendations.boughtTogether:${first}`, (ids) =>
    ctx.recommendations.frequentlyBoughtTogether(ids, first),
  );
}

/** The subgraph's resolver map, typed against its context (as every subgraph's is). */
export type Resolvers = ResolverMap<RecommendationsContext>;

export const resolvers: Resolvers = {
  Query: {
    recommendations: async (_: unknown, args: { first?: number | null }, ctx: RecommendationsContext) => {
      const first = firstArg(args.first, { max: MAX_RECOMMENDATIONS, defaultFirst: 10 });
      const items = ctx.viewer
        ? await ctx.recommendations.forUser(ctx.viewer.id, first)
        : await ctx.recommendations.popular(first);
      return items.map(toGraphQL);
    },
  },
  Mutation: {
    recordInteraction: (_: unknown, args: { input: InteractionInput }, ctx: RecommendationsContext) =>
      ctx.interactions.record(ctx.viewer, args.input),
  },
  Product: {
    __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
    frequentlyBoughtTogether: async (
      product: { id: string },
      args: { first?: number | null },
      ctx: RecommendationsContext,
    ) => {
      const first = firstArg(args.first, { max: MAX_RECOMMENDATIONS, defaultFirst: 5 });
      return (await boughtTogetherLoader(ctx, first).load(product.id)).map(toGraphQL);
    },
  },
  User: {
    __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
    recommendations: async (
      user: { id: string },
      args: { first?: number | null },
      ctx: RecommendationsContext,
    ) => {
      assertOwnerOrAdmin(ctx, user.id);
      const first = firstArg(args.first, { max: MAX_RECOMMENDATIONS, defaultFirst: 10 });
      return (await ctx.recommendations.forUser(user.id, first)).map(toGraphQL);
    },
  },
};
