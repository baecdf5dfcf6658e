import { type ResolverMap, type SubgraphContext } from '@novamart/kit';
import { type ReviewDoc } from './models/review';
import {
  type ProductRating,
  type ReviewModerationFilter,
  type ReviewInput,
  type ReviewPage,
  type ReviewPageKey,
  type ReviewService,
  reviewVisibleTo,
} from './services/review-service';

export interface ReviewsContext extends SubgraphContext {
  reviews: ReviewService;
}

export type Resolvers = ResolverMap<ReviewsContext>;

const ratingLoader = (ctx: ReviewsContext) =>
  ctx.loaders.get<string, ProductRating>('reviews.ratings', (ids) => ctx.reviews.ratingsOf(ids));

const pageLoader = (ctx: ReviewsContext) =>
  ctx.loaders.get<ReviewPageKey, ReviewPage, string>('reviews.pages', (keys) => ctx.reviews.pagesOf(keys), {
    cacheKeyFn: (key) => JSON.stringify([key.productId, key.first ?? null, key.after ?? null]),
  });

// One loader per request, so per viewer: keyed by product id alone.
const myReviewLoader = (ctx: ReviewsContext) =>
  ctx.loaders.get<string, ReviewDoc | null>('reviews.mine', (ids) =>
    ctx.reviews.ownReviewsOf(ctx.viewer, ids),
  );

const reviewLoader = (ctx: ReviewsContext) =>
  ctx.loaders.get<string, ReviewDoc | null>('reviews.byId', (ids) => ctx.reviews.byIds(ids));

export const resolvers: Resolvers = {
  Query: {
    moderationReviews: (
      _root,
      args: { filter?: ReviewModerationFilter | null; first?: number | null; after?: string | null },
      ctx: ReviewsContext,
    ) => ctx.reviews.moderationPage(ctx, args),
  },

  Mutation: {
    addReview: (_root, args: { input: ReviewInput }, ctx: ReviewsContext) => ctx.reviews.add(ctx, args.input),
    hideReview: (_root, args: { id: string }, ctx: ReviewsContext) => ctx.reviews.hide(ctx, args.id),
    unhideReview: (_root, args: { id: string }, ctx: ReviewsContext) => ctx.reviews.unhide(ctx, args.id),
  },

  Product: {
    __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
    rating: (product: { id: string }, _args, ctx: ReviewsContext) => ratingLoader(ctx).load(product.id),
    reviews: (
      product: { id: string },
      args: { first?: number | null; after?: string | null },
      ctx: ReviewsContext,
    ) => pageLoader(ctx).load({ productId: product.id, first: args.first, after: args.after }),
    myReview: (product: { id: string }, _args, ctx: ReviewsContext) => myReviewLoader(ctx).load(product.id),
  },

  Review: {
    __resolveReference: async (ref: { id: string }, ctx: ReviewsContext) => {
      const review = await reviewLoader(ctx).load(ref.id);
      return review && reviewVisibleTo(review, ctx.viewer) ? review : null;
    },
    id: (review: ReviewDoc) => String(review._id),
    product: (review: ReviewDoc) => ({ id: review.productId }),
    auditTrail: (review: ReviewDoc, _args: unknown, ctx: ReviewsContext) =>
      ctx.reviews.auditTrailOf(ctx, review),
  },
};
