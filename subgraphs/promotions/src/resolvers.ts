import {
  loadByIds,
  requireAdmin,
  requireInternalCaller,
  type ResolverMap,
  type SubgraphContext,
} from '@novamart/kit';
import { type DiscountCodeDoc, type DiscountCodeModel } from './models/discount-code';
import { type PromotionDoc } from './models/promotion';
import { type DiscountService, type QuoteInput } from './services/discount-service';
import { type PromotionAdmin } from './services/promotion-admin';
import { type PromotionInput, type PromotionUpdateInput } from './services/promotion-input';

export interface PromotionsContext extends SubgraphContext {
  admin: PromotionAdmin;
  discounts: DiscountService;
  codes: DiscountCodeModel;
}

export type Resolvers = ResolverMap<PromotionsContext>;

const money = (amount: number | null, currency: string | null) =>
  amount === null || currency === null ? null : { amount, currency };
const percent = (bps: number | null) => (bps === null ? null : bps / 100);

/** The codes of every promotion of one request in one query. */
function codesLoader(ctx: PromotionsContext) {
  return ctx.loaders.get<string, DiscountCodeDoc[]>('promotions.codes', async (ids) => {
    const rows = await ctx.codes
      .find({ promotionId: { $in: [...ids] } })
      .sort({ _id: 1 })
      .lean();
    return ids.map((id) => rows.filter((row) => row.promotionId === id));
  });
}

function promotionLoader(ctx: PromotionsContext) {
  return ctx.loaders.get<string, PromotionDoc | null>('promotions.promotion', (ids) =>
    loadByIds(ctx.admin.model, ids),
  );
}

export const resolvers: Resolvers = {
  Query: {
    promotions: (
      _: unknown,
      args: { first?: number | null; after?: string | null },
      ctx: PromotionsContext,
    ) => {
      requireAdmin(ctx);
      return ctx.admin.list(args.first ?? 50, args.after);
    },
    promotion: (_: unknown, args: { id: string }, ctx: PromotionsContext) => {
      requireAdmin(ctx);
      return promotionLoader(ctx).load(args.id);
    },
    // The three operations for other subgraphs (@inaccessible): cart quotes, checkout redeems and
    // releases. Nobody else may call them at this subgraph's port.
    discountQuote: (
      _: unknown,
      args: { input: QuoteInput; requireCode?: string | null },
      ctx: PromotionsContext,
    ) => {
      requireInternalCaller(ctx);
      return ctx.discounts.quote(args.input, args.requireCode);
    },
  },
  Mutation: {
    createPromotion: (_: unknown, args: { input: PromotionInput }, ctx: PromotionsContext) =>
      ctx.admin.create(requireAdmin(ctx), args.input),
    addDiscountCode: (_: unknown, args: { promotionId: string; code: string }, ctx: PromotionsContext) => {
      requireAdmin(ctx);
      return ctx.admin.addCode(args.promotionId, args.code);
    },
    updatePromotion: (
      _: unknown,
      args: { id: string; input: PromotionUpdateInput },
      ctx: PromotionsContext,
    ) => {
      requireAdmin(ctx);
      return ctx.admin.update(args.id, args.input);
    },
    setPromotionActive: (_: unknown, args: { id: string; active: boolean }, ctx: PromotionsContext) => {
      requireAdmin(ctx);
      return ctx.admin.setActive(args.id, args.active);
    },
    deleteDiscountCode: (_: unknown, args: { code: string }, ctx: PromotionsContext) => {
      requireAdmin(ctx);
      return ctx.admin.removeCode(args.code);
    },
    redeemDiscounts: (_: unknown, args: { orderId: string; input: QuoteInput }, ctx: PromotionsContext) => {
      requireInternalCaller(ctx);
      return ctx.discounts.redeem(args.orderId, args.input);
    },
    releaseDiscounts: (_: unknown, args: { orderId: string; reason: string }, ctx: PromotionsContext) => {
      requireInternalCaller(ctx);
      return ctx.discounts.release(args.orderId, args.reason);
    },
  },
  Promotion: {
    id: (doc: PromotionDoc) => doc._id,
    percentOff: (doc: PromotionDoc) => percent(doc.percentOffBps),
    getPercentOff: (doc: PromotionDoc) => percent(doc.getPercentOffBps),
    amountOff: (doc: PromotionDoc) => money(doc.amountOff, doc.currency),
    minSubtotal: (doc: PromotionDoc) => money(doc.minSubtotal, doc.currency),
    codes: (doc: PromotionDoc, _: unknown, ctx: PromotionsContext) => codesLoader(ctx).load(doc._id),
  },
  DiscountCode: {
    code: (doc: DiscountCodeDoc) => doc._id,
    promotion: (doc: DiscountCodeDoc, _: unknown, ctx: PromotionsContext) =>
      promotionLoader(ctx).load(doc.promotionId),
  },
};
