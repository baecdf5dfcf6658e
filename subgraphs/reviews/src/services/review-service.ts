import { inTransaction } from '@novamart/events';
import {
  auditEntry,
  badUserInput,
  conflict,
  forbidden,
  isDuplicateKeyError,
  loadByIds,
  notFound,
  pageArgs,
  requireRole,
  requireViewer,
  toConnection,
  userActor,
  type AuditEntry,
  type SubgraphContext,
  type Viewer,
} from '@novamart/kit';
import { isObjectIdOrHexString, Types, type Connection } from 'mongoose';
import { type ProductRatingModel } from '../models/product-rating';
import { type ReviewDoc, type ReviewModel } from '../models/review';
import { type Purchases } from './purchases';

export const MAX_REVIEW_TEXT = 5000;
export const MAX_AUTHOR_NAME = 60;
/**
 * C0 and C1 controls (newlines and tabs too): a name is one line of plain text. Also the bidi
 * embeddings, overrides and isolates: shown beside the review they could reorder what a reader sees
 * ("by Ada" that reads as a shop's notice).
 */
const CONTROL_CHARACTER = /[\p{Cc}\u202A-\u202E\u2066-\u2069]/u;
const MAX_REVIEWS_PAGE = 50;
const RATINGS = [1, 2, 3, 4, 5] as const;

export interface ReviewInput {
  productId: string;
  rating: number;
  text: string;
  authorName?: string | null;
}

/** The input as stored: `authorName` trimmed, null when none was given. */
type ValidReviewInput = Required<ReviewInput> & { authorName: string | null };

export interface ReviewPageKey {
  productId: string;
  first?: number | null;
  after?: string | null;
}

export interface ReviewPage {
  edges: { cursor: string; node: ReviewDoc }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

export type ReviewVisibility = 'ALL' | 'VISIBLE' | 'HIDDEN';

export interface ReviewModerationFilter {
  visibility?: ReviewVisibility | null;
  productId?: string | null;
  minRating?: number | null;
  maxRating?: number | null;
}

interface ReviewCursor {
  t: number;
  id: string;
}

export interface ProductRating {
  average: number | null;
  count: number;
}

/**
 * The name shown with a review: trimmed; empty (or only spaces) means none. It is shown to every
 * shopper, so it is one line of at most MAX_AUTHOR_NAME characters.
 */
function validAuthorName(raw: unknown): string | null {
  if (raw === undefined || raw === null) return null;
  if (typeof raw !== 'string') throw badUserInput('authorName must be text', 'input.authorName');
  const name = raw.trim();
  if (name === '') return null;
  if (name.length > MAX_AUTHOR_NAME) {
    throw badUserInput(`authorName is longer than ${MAX_AUTHOR_NAME} characters`, 'input.authorName');
  }
  if (CONTROL_CHARACTER.test(name)) {
    throw badUserInput('authorName must not contain control characters', 'input.authorName');
  }
  return name;
}

function validInput(input: ReviewInput): ValidReviewInput {
  const productId = typeof input.productId === 'string' ? input.productId.trim() : '';
  if (productId === '' || productId.length > 100)
    throw badUserInput('productId is required', 'input.productId');
  if (!Number.isInteger(input.rating) || input.rating < 1 || input.rating > 5) {
    throw badUserInput('rating must be a whole number from 1 to 5', 'input.rating');
  }
  const text = typeof input.text === 'string' ? input.text : '';
  if (text.trim() === '') throw badUserInput('text is required', 'input.text');
  if (text.length > MAX_REVIEW_TEXT) {
    throw badUserInput(`text is longer than ${MAX_REVIEW_TEXT} characters`, 'input.text');
  }
  const authorName = validAuthorName(input.authorName);
  // Stored as given: escaping is the business of whatever renders it.
  return { productId, rating: input.rating, text, authorName };
}

/** Where a review sits in newest-first order: `Product.reviews` and `moderationReviews` share it. */
const reviewCursor = (review: ReviewDoc): ReviewCursor => ({
  t: new Date(review.createdAt).getTime(),
  id: String(review._id),
});

function cursorFilter(after: ReviewCursor | null): Record<string, unknown> {
  if (!after) return {};
  if (typeof after.t !== 'number' || typeof after.id !== 'string' || !isObjectIdOrHexString(after.id)) {
    throw badUserInput('Invalid cursor', 'after');
  }
  const at = new Date(after.t);
  return { $or: [{ createdAt: { $lt: at } }, { createdAt: at, _id: { $lt: new Types.ObjectId(after.id) } }] };
}

function ratingBound(value: number | null | undefined, fallback: number, field: string): number {
  if (value === undefined || value === null) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > 5) {
    throw badUserInput(`${field.slice('filter.'.length)} must be a whole number from 1 to 5`, field);
  }
  return value;
}

/**
 * Who may read a review by its id (`Review` as an entity): anyone while it is shown; once hidden,
 * its author (who also sees it as `Product.myReview`) and the moderators who may hide and restore
 * it (SUPPORT, ADMIN).
 */
export function reviewVisibleTo(
  review: Pick<ReviewDoc, 'hidden' | 'userId'>,
  viewer: Viewer | null,
): boolean {
  if (!review.hidden) return true;
  return (
    viewer !== null && (viewer.id === review.userId || viewer.role === 'SUPPORT' || viewer.role === 'ADMIN')
  );
}

/**
 * The find of `moderationReviews` (without the cursor). State and rating are always equality
 * lists (`$in`), every value when not filtered: so `reviews_for_moderation` (hidden, rating,
 * createdAt, _id) answers newest first by merging its few sorted runs, with no in-memory sort.
 * With a product, `reviews_by_product` does the same over that product's reviews.
 */
export function moderationMatch(filter: ReviewModerationFilter | null | undefined): Record<string, unknown> {
  const visibility = filter?.visibility ?? 'ALL';
  const min = ratingBound(filter?.minRating, 1, 'filter.minRating');
  const max = ratingBound(filter?.maxRating, 5, 'filter.maxRating');
  if (min > max) throw badUserInput('maxRating must not be below minRating', 'filter.maxRating');
  const match: Record<string, unknown> = {
    hidden: { $in: visibility === 'ALL' ? [false, true] : [visibility === 'HIDDEN'] },
    rating: { $in: RATINGS.filter((rating) => rating >= min && rating <= max) },
  };
  if (filter?.productId !== undefined && filter.productId !== null) {
    const productId = String(filter.productId).trim();
    if (productId === '' || productId.length > 100)
      throw badUserInput('productId is invalid', 'filter.productId');
    match.productId = productId;
  }
  return match;
}

/** Reviews: who may write one (a buyer, once per product), the rating sums, the batched pages. */
export class ReviewService {
  constructor(
    private readonly deps: {
      conn: Connection;
      reviews: ReviewModel;
      ratings: ProductRatingModel;
      purchases: Purchases;
    },
  ) {}

  /**
   * `addReview`: a signed-in customer who bought the product (a paid order holding it), once per
   * product. Someone who did not buy it is FORBIDDEN; a second review is CONFLICT. The review and
   * the product's rating change in one transaction.
   */
  async add(ctx: Pick<SubgraphContext, 'viewer' | 'authorization'>, raw: ReviewInput): Promise<ReviewDoc> {
    const viewer = requireViewer(ctx);
    const input = validInput(raw);
    if (!(await this.deps.purchases.hasBought(viewer.id, input.productId, ctx.authorization))) {
      throw forbidden('Only a customer who bought this product may review it');
    }
    try {
      return await inTransaction(this.deps.conn, async (session) => {
        const [review] = await this.deps.reviews.create(
          [
            {
              productId: input.productId,
              userId: viewer.id,
              rating: input.rating,
              text: input.text,
              authorName: input.authorName,
            },
          ],
          { session },
        );
        await this.deps.ratings.updateOne(
          { _id: input.productId },
          { $inc: { count: 1, sum: input.rating } },
          { upsert: true, session },
        );
        return review!.toObject();
      });
    } catch (error) {
      if (isDuplicateKeyError(error)) throw conflict('You have already reviewed this product');
      throw error;
    }
  }

  /** `hideReview`, SUPPORT or ADMIN (moderation): the review leaves the product's page and rating. Hiding it again changes nothing. */
  async hide(ctx: Pick<SubgraphContext, 'viewer'>, id: string): Promise<ReviewDoc> {
    const moderator = requireRole(ctx, 'SUPPORT');
    return this.setHidden(id, true, moderator);
  }

  /**
   * `unhideReview`, SUPPORT or ADMIN: hide's exact mirror, the review is back on the product's
   * page and in its rating. Restoring a visible review changes nothing.
   */
  async unhide(ctx: Pick<SubgraphContext, 'viewer'>, id: string): Promise<ReviewDoc> {
    return this.setHidden(id, false, requireRole(ctx, 'SUPPORT'));
  }

  /**
   * Moves a review to `hidden` and its rating into (or out of) the product's sums, in one
   * transaction. The update matches only a review in the other state, so the sums change exactly
   * once however often (or concurrently: the transactions conflict and retry) it is asked, and the
   * moderation history gains its entry in the same update, so only a change is recorded.
   */
  private async setHidden(id: string, hidden: boolean, moderator: Viewer): Promise<ReviewDoc> {
    if (!isObjectIdOrHexString(id)) throw notFound('Review');
    return inTransaction(this.deps.conn, async (session) => {
      const changed = await this.deps.reviews
        .findOneAndUpdate(
          { _id: id, hidden: !hidden },
          {
            $set: { hidden, hiddenBy: hidden ? moderator.id : null },
            $push: {
              auditTrail: auditEntry({
                action: hidden ? 'review.hidden' : 'review.restored',
                actor: userActor(moderator),
              }),
            },
          },
          { returnDocument: 'after', session },
        )
        .lean<ReviewDoc>()
        .exec();
      if (changed) {
        const sign = hidden ? -1 : 1;
        // Upserted on restore as addReview does: the sums row exists, but nothing here relies on it.
        await this.deps.ratings.updateOne(
          { _id: changed.productId },
          { $inc: { count: sign, sum: sign * changed.rating } },
          { upsert: !hidden, session },
        );
        return changed;
      }
      const existing = await this.deps.reviews.findById(id).session(session).lean<ReviewDoc>().exec();
      if (!existing) throw notFound('Review');
      return existing;
    });
  }

  /** `Review.auditTrail`, SUPPORT or ADMIN: who hid and restored the review, oldest first. */
  auditTrailOf(ctx: Pick<SubgraphContext, 'viewer'>, review: ReviewDoc): AuditEntry[] {
    requireRole(ctx, 'SUPPORT');
    return review.auditTrail ?? [];
  }

  /**
   * `moderationReviews`, SUPPORT or ADMIN: every review, hidden ones too, newest first, by state,
   * product and rating. One `find` a page (its `first + 1`-th row only says another page exists).
   */
  async moderationPage(
    ctx: Pick<SubgraphContext, 'viewer'>,
    args: { filter?: ReviewModerationFilter | null; first?: number | null; after?: string | null },
  ): Promise<ReviewPage> {
    requireRole(ctx, 'SUPPORT');
    const match = moderationMatch(args.filter);
    const { first, after } = pageArgs<ReviewCursor>(args, { max: MAX_REVIEWS_PAGE, defaultFirst: 20 });
    const rows = await this.deps.reviews
      .find({ ...match, ...cursorFilter(after) })
      .sort({ createdAt: -1, _id: -1 })
      .limit(first + 1)
      .lean<ReviewDoc[]>()
      .exec();
    return toConnection(rows, first, reviewCursor);
  }

  /** Reviews by id with one find (null for unknown ids), for the Review entity. */
  byIds(ids: readonly string[]): Promise<(ReviewDoc | null)[]> {
    return loadByIds<ReviewDoc>(this.deps.reviews, ids);
  }

  /**
   * `Product.myReview` for many products with one find: the viewer's own review of each (hidden
   * ones too: the author may see that a moderator hid it), null where they wrote none. A guest has
   * none, and costs no command.
   */
  async ownReviewsOf(
    viewer: Viewer | null | undefined,
    productIds: readonly string[],
  ): Promise<(ReviewDoc | null)[]> {
    if (!viewer) return productIds.map(() => null);
    const rows = await this.deps.reviews
      .find({ productId: { $in: [...new Set(productIds)] }, userId: viewer.id })
      .lean<ReviewDoc[]>()
      .exec();
    const byProduct = new Map(rows.map((row) => [row.productId, row]));
    return productIds.map((id) => byProduct.get(id) ?? null);
  }

  /** The ratings of many products with one find. */
  async ratingsOf(productIds: readonly string[]): Promise<ProductRating[]> {
    const rows = await this.deps.ratings
      .find({ _id: { $in: [...productIds] } })
      .lean()
      .exec();
    const byId = new Map(rows.map((row) => [row._id, row]));
    return productIds.map((id) => {
      const row = byId.get(id);
      if (!row || row.count <= 0) return { average: null, count: 0 };
      return { average: Math.round((row.sum / row.count) * 100) / 100, count: row.count };
    });
  }

  /**
   * Pages of visible reviews, newest first, for many products: keys asking the same page size and
   * cursor share one aggregate (a product list costs one command however many products it shows).
   */
  async pagesOf(keys: readonly ReviewPageKey[]): Promise<ReviewPage[]> {
    const groups = new Map<string, { first: number; after: ReviewCursor | null; productIds: string[] }>();
    const parsed = keys.map((key) => {
      const { first, after } = pageArgs<ReviewCursor>(key, { max: MAX_REVIEWS_PAGE, defaultFirst: 10 });
      const group = JSON.stringify([first, key.after ?? null]);
      const entry = groups.get(group) ?? { first, after, productIds: [] };
      entry.productIds.push(key.productId);
      groups.set(group, entry);
      return { group, first };
    });
    const results = new Map<string, Map<string, ReviewDoc[]>>();
    await Promise.all(
      [...groups].map(async ([group, { first, after, productIds }]) => {
        results.set(group, await this.visibleReviews(productIds, first + 1, after));
      }),
    );
    return parsed.map(({ group, first }, index) => {
      const rows = results.get(group)?.get(keys[index]!.productId) ?? [];
      return toConnection(rows, first, reviewCursor);
    });
  }

  private async visibleReviews(
    productIds: string[],
    limit: number,
    after: ReviewCursor | null,
  ): Promise<Map<string, ReviewDoc[]>> {
    const grouped = await this.deps.reviews.aggregate<{ _id: string; reviews: ReviewDoc[] }>([
      { $match: { productId: { $in: [...new Set(productIds)] }, hidden: false, ...cursorFilter(after) } },
      { $sort: { productId: 1, createdAt: -1, _id: -1 } },
      { $group: { _id: '$productId', reviews: { $push: '$$ROOT' } } },
      { $project: { reviews: { $slice: ['$reviews', limit] } } },
    ]);
    return new Map(grouped.map((row) => [row._id, row.reviews]));
  }
}
