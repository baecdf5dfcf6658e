import { randomUUID } from 'node:crypto';
import { type ClientSession, type Connection } from 'mongoose';
import { createEvent, inTransaction, type Outbox } from '@novamart/events';
import {
  badUserInput,
  conflict,
  isDuplicateKeyError,
  KeyedLocks,
  money,
  type SubgraphClient,
} from '@novamart/kit';
import { type DiscountCodeModel } from '../models/discount-code';
import { ruleOf, type PromotionDoc, type PromotionModel } from '../models/promotion';
import {
  usageKey,
  type CustomerUsageModel,
  type RedemptionDoc,
  type RedemptionModel,
} from '../models/redemption';
import {
  chooseDiscounts,
  discountFor,
  subtotalOf,
  type AppliedDiscount,
  type Candidate,
  type DiscountLine,
} from './discount-math';
import { normalizeCode } from './promotion-input';

/** The one key of `DiscountService.redeem`'s lock: all redemptions share the promotions' counters. */
const REDEMPTIONS_LOCK = 'redemptions';

/** A cart or order as the cart and orders subgraphs describe it (prices from the catalog). */
export interface QuoteInput {
  currency: string;
  lines: { productId: string; quantity: number; unitAmount: number }[];
  codes: string[];
  customer?: { userId?: string | null; email?: string | null } | null;
  /** The order's shipping before discounts (checkout); 0 or absent for a cart. */
  shippingAmount?: number | null;
}

export interface Quote {
  discounts: AppliedDiscount[];
  discountTotal: number;
  /** Per input line (in its order), what all the discounts take off it: tax is on what is left. */
  lineDiscounts: number[];
  shippingDiscount: number;
  /** Applied codes that give nothing now, with why (a cart shows them as not applied). */
  rejectedCodes: { code: string; reason: CodeRefusal }[];
}

export type CodeRefusal =
  | 'UNKNOWN'
  | 'INACTIVE'
  | 'NOT_STARTED'
  | 'EXPIRED'
  | 'EXHAUSTED'
  | 'ALREADY_USED'
  | 'CURRENCY_MISMATCH'
  | 'MINIMUM_NOT_MET'
  | 'NOT_APPLICABLE';

const REFUSAL_MESSAGES: Record<CodeRefusal, string> = {
  UNKNOWN: 'is not a discount code',
  INACTIVE: 'is no longer valid',
  NOT_STARTED: 'is not valid yet',
  EXPIRED: 'has expired',
  EXHAUSTED: 'has been used up',
  ALREADY_USED: 'was already used by this customer as often as it may be',
  CURRENCY_MISMATCH: 'is for another currency',
  MINIMUM_NOT_MET: 'needs a larger subtotal',
  NOT_APPLICABLE: 'applies to nothing in the cart',
};

/**
 * The error a refused code answers: BAD_USER_INPUT on `code`, with `reason` and `discountCode`; a
 * minimum not met also says the minimum (`extensions.minimum`, a Money with `formatted`), so the
 * shopper is told how much is needed without the storefront formatting money itself.
 */
export function codeRefused(code: string, reason: CodeRefusal, promotion?: PromotionDoc): Error {
  const minimum =
    reason === 'MINIMUM_NOT_MET' && promotion?.minSubtotal != null && promotion.currency
      ? money(promotion.minSubtotal, promotion.currency)
      : null;
  const why = minimum ? `needs a subtotal of at least ${minimum.formatted}` : REFUSAL_MESSAGES[reason];
  return badUserInput(`Discount code ${code} ${why}`, 'code', {
    reason,
    discountCode: code,
    ...(minimum ? { minimum } : {}),
  });
}

/** Product id → category slug, from the products subgraph (category promotions need it). */
export type CategoryLookup = (productIds: string[]) => Promise<Map<string, string | null>>;

const CATEGORIES = `query PromotionCategories($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on Product { id category { slug } } }
}`;

export function productsCategoryLookup(products: SubgraphClient): CategoryLookup {
  return async (ids) => {
    const { _entities } = await products.request<{
      _entities: ({ id: string; category: { slug: string } | null } | null)[];
    }>(CATEGORIES, { representations: ids.map((id) => ({ __typename: 'Product', id })) });
    return new Map(_entities.flatMap((row) => (row ? [[row.id, row.category?.slug ?? null] as const] : [])));
  };
}

export function customerKeys(customer: QuoteInput['customer']): string[] {
  const keys: string[] = [];
  if (customer?.userId) keys.push(`user:${customer.userId}`);
  if (customer?.email) keys.push(`email:${customer.email.trim().toLowerCase()}`);
  return keys;
}

interface Deps {
  conn: Connection;
  promotions: PromotionModel;
  codes: DiscountCodeModel;
  redemptions: RedemptionModel;
  usages: CustomerUsageModel;
  categories: CategoryLookup | null;
  now: () => Date;
}

/** One promotion considered for a cart, with why it cannot apply (null: it can). */
interface Considered {
  /** Absent for an unknown code. */
  promotion?: PromotionDoc;
  code: string | null;
  refusal: CodeRefusal | null;
}

/**
 * Quotes and redeems discounts. A quote reads; a redemption takes each chosen promotion's use
 * (a conditional `$inc` on `usesLeft`, and each customer key's counter) and records it, in one
 * transaction: of concurrent checkouts for a code with one use left, one commits and the others,
 * retried by the transaction, find it used up.
 */
export class DiscountService {
  /** Redemptions of this process, one at a time (`redeem`). */
  private readonly redemptions = new KeyedLocks();

  constructor(private readonly deps: Deps) {}

  /** A cart's discounts; `requireCode` (a code being applied) must apply or the quote fails. */
  async quote(input: QuoteInput, requireCode?: string | null): Promise<Quote> {
    const required = requireCode == null ? null : normalizeCode(requireCode);
    const codes = [
      ...new Set([...input.codes.map((code) => code.trim().toUpperCase()), ...(required ? [required] : [])]),
    ];
    return this.evaluate({ ...input, codes }, required ? [required] : [], null);
  }

  /**
   * Redeems what `input` earns for `orderId`, once: a repeated call answers the redemptions already
   * made. Every applied code must still apply, or nothing is written and the code's error answers.
   */
  async redeem(orderId: string, input: QuoteInput): Promise<Quote> {
    const codes = [...new Set(input.codes.map((code) => code.trim().toUpperCase()))];
    // One redemption at a time in this process: every redemption counts on the same few promotion
    // documents (a code's uses, an automatic promotion's total), and concurrent transactions on
    // them end in WriteConflicts that retry until a storm of checkouts outlives its deadline.
    return this.redemptions.run([REDEMPTIONS_LOCK], () => this.redeemOnce(orderId, input, codes));
  }

  private async redeemOnce(orderId: string, input: QuoteInput, codes: string[]): Promise<Quote> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await inTransaction(this.deps.conn, async (session, outbox) => {
          const existing = await this.deps.redemptions.find({ orderId }).session(session).lean();
          if (existing.length > 0) return quoteOf(existing, orderId, input.lines.length);
          const quote = await this.evaluate({ ...input, codes }, codes, session);
          await this.take(orderId, input, quote, session, outbox);
          return quote;
        });
      } catch (error) {
        // Two first uses of one customer's counter met at its _id: the loser reads it again.
        if (isDuplicateKeyError(error) && attempt < 5) continue;
        throw error;
      }
    }
  }

  /**
   * Gives back an order's redemptions (idempotent); answers how many it released. Inside a
   * consumer's transaction with `session` and `outbox`; `unplacedOnly`: only while no
   * `order.placed` was seen for the order (the sweeper).
   */
  async release(
    orderId: string,
    reason: string,
    options: { session?: ClientSession; outbox?: Outbox; unplacedOnly?: boolean } = {},
  ): Promise<number> {
    const { session, outbox } = options;
    const unplacedOnly = options.unplacedOnly ?? false;
    if (session && outbox) return this.releaseIn({ orderId, reason, unplacedOnly }, session, outbox);
    return inTransaction(this.deps.conn, (tx, box) =>
      this.releaseIn({ orderId, reason, unplacedOnly }, tx, box),
    );
  }

  /** order.placed: the order exists, its redemptions are no longer holds the sweeper may release. */
  async markPlaced(orderId: string, session: ClientSession): Promise<void> {
    await this.deps.redemptions.updateMany({ orderId }, { $set: { orderPlaced: true } }, { session });
  }

  private async releaseIn(
    { orderId, reason, unplacedOnly }: { orderId: string; reason: string; unplacedOnly: boolean },
    session: ClientSession,
    outbox: Outbox,
  ): Promise<number> {
    const live = await this.deps.redemptions
      .find({ orderId, status: 'REDEEMED', ...(unplacedOnly ? { orderPlaced: { $ne: true } } : {}) })
      .session(session)
      .lean();
    for (const redemption of live) {
      const { promotionId } = redemption;
      await this.deps.redemptions.updateOne(
        { _id: redemption._id, status: 'REDEEMED' },
        { $set: { status: 'RELEASED', releaseReason: reason, updatedAt: this.deps.now() } },
        { session },
      );
      const limited = await this.deps.promotions.updateOne(
        { _id: promotionId, usesLeft: { $ne: null } },
        { $inc: { usesLeft: 1, timesRedeemed: -1 } },
        { session },
      );
      if (limited.matchedCount === 0)
        await this.deps.promotions.updateOne(
          { _id: promotionId },
          { $inc: { timesRedeemed: -1 } },
          { session },
        );
      for (const key of redemption.customerKeys)
        await this.deps.usages.updateOne(
          { _id: usageKey(promotionId, key) },
          { $inc: { count: -1 } },
          { session },
        );
      outbox.add(
        createEvent('promotion.released', orderId, { orderId, promotionId, code: redemption.code, reason }),
      );
    }
    return live.length;
  }

  private async take(
    orderId: string,
    input: QuoteInput,
    quote: Quote,
    session: ClientSession,
    outbox: Outbox,
  ): Promise<void> {
    const keys = customerKeys(input.customer);
    const now = this.deps.now();
    for (const discount of quote.discounts) {
      const { promotionId, code } = discount;
      if (!(await this.takeUse(promotionId, session)))
        throw code
          ? codeRefused(code, 'EXHAUSTED')
          : conflict('A promotion was used up meanwhile; check out again');
      for (const key of keys)
        await this.deps.usages.updateOne(
          { _id: usageKey(promotionId, key) },
          { $inc: { count: 1 } },
          { session, upsert: true },
        );
      const redemption: RedemptionDoc = {
        _id: randomUUID(),
        orderId,
        promotionId,
        code,
        description: discount.description,
        customerKeys: keys,
        amount: discount.amount,
        lineAmounts: discount.lineAmounts,
        shippingAmount: discount.shippingAmount,
        freeShipping: discount.freeShipping,
        currency: input.currency,
        status: 'REDEEMED',
        createdAt: now,
        updatedAt: now,
      };
      await this.deps.redemptions.create([redemption], { session });
      outbox.add(
        createEvent('promotion.redeemed', orderId, {
          orderId,
          promotionId,
          code,
          amount: discount.amount,
          shippingAmount: discount.shippingAmount,
          currency: input.currency,
        }),
      );
    }
  }

  /** Takes one use of a promotion: the last use of a limited one goes to one transaction only. */
  private async takeUse(promotionId: string, session: ClientSession): Promise<boolean> {
    const limited = await this.deps.promotions.updateOne(
      { _id: promotionId, usesLeft: { $gt: 0 } },
      { $inc: { usesLeft: -1, timesRedeemed: 1 } },
      { session },
    );
    if (limited.matchedCount === 1) return true;
    const unlimited = await this.deps.promotions.updateOne(
      { _id: promotionId, usesLeft: null },
      { $inc: { timesRedeemed: 1 } },
      { session },
    );
    return unlimited.matchedCount === 1;
  }

  /** Considers the automatic promotions and the codes; a refused code listed in `strict` throws. */
  private async evaluate(input: QuoteInput, strict: string[], session: ClientSession | null): Promise<Quote> {
    const lines = await this.withCategories(input.lines);
    const cart = { currency: input.currency, shippingAmount: Math.max(0, input.shippingAmount ?? 0) };
    const considered = await this.consider(input, lines, cart, session);
    const rejectedCodes: Quote['rejectedCodes'] = [];
    const candidates: Candidate[] = [];
    for (const entry of considered) {
      if (entry.refusal === null && entry.promotion) {
        candidates.push({ rule: ruleOf(entry.promotion), code: entry.code });
        continue;
      }
      if (entry.code === null || entry.refusal === null) continue;
      if (strict.includes(entry.code)) throw codeRefused(entry.code, entry.refusal, entry.promotion);
      rejectedCodes.push({ code: entry.code, reason: entry.refusal });
    }
    const discounts = chooseDiscounts(candidates, lines, cart);
    return { ...totalsOf(discounts, lines.length), rejectedCodes };
  }

  private async consider(
    input: QuoteInput,
    lines: DiscountLine[],
    cart: { currency: string; shippingAmount: number },
    session: ClientSession | null,
  ): Promise<Considered[]> {
    const { promotions, codes } = this.deps;
    const codeDocs = input.codes.length
      ? await codes
          .find({ _id: { $in: input.codes } })
          .session(session)
          .lean()
      : [];
    const promotionIdOf = new Map(codeDocs.map((doc) => [doc._id, doc.promotionId]));
    const docs = await promotions
      .find({ $or: [{ automatic: true, active: true }, { _id: { $in: [...promotionIdOf.values()] } }] })
      .sort({ createdAt: 1, _id: 1 })
      .session(session)
      .lean();
    const byId = new Map(docs.map((doc) => [doc._id, doc]));
    const keys = customerKeys(input.customer);
    const limited = docs.filter((doc) => doc.perCustomerLimit !== null).map((doc) => doc._id);
    const used = new Map(
      keys.length && limited.length
        ? (
            await this.deps.usages
              .find({ _id: { $in: limited.flatMap((id) => keys.map((key) => usageKey(id, key))) } })
              .session(session)
              .lean()
          ).map((doc) => [doc._id, doc.count])
        : [],
    );
    const refusal = (promotion: PromotionDoc): CodeRefusal | null =>
      this.refusal(promotion, lines, cart, (id) =>
        Math.max(0, ...keys.map((key) => used.get(usageKey(id, key)) ?? 0)),
      );
    const automatic = docs
      .filter((doc) => doc.automatic && doc.active)
      .map((promotion) => ({ promotion, code: null, refusal: refusal(promotion) }));
    const coded = input.codes.map((code): Considered => {
      const promotion = byId.get(promotionIdOf.get(code) ?? '');
      if (!promotion) return { code, refusal: 'UNKNOWN' };
      return { promotion, code, refusal: refusal(promotion) };
    });
    // An automatic promotion that also has a code is counted once (as automatic).
    return [...automatic, ...coded.filter((entry) => !entry.promotion?.automatic)];
  }

  private refusal(
    promotion: PromotionDoc,
    lines: DiscountLine[],
    cart: { currency: string; shippingAmount: number },
    usedBy: (promotionId: string) => number,
  ): CodeRefusal | null {
    const now = this.deps.now();
    if (!promotion.active) return 'INACTIVE';
    if (promotion.startsAt > now) return 'NOT_STARTED';
    if (promotion.endsAt && promotion.endsAt <= now) return 'EXPIRED';
    if (promotion.usesLeft !== null && promotion.usesLeft <= 0) return 'EXHAUSTED';
    if (promotion.perCustomerLimit !== null && usedBy(promotion._id) >= promotion.perCustomerLimit)
      return 'ALREADY_USED';
    if (promotion.currency !== null && promotion.currency !== cart.currency) return 'CURRENCY_MISMATCH';
    if (promotion.minSubtotal !== null && subtotalOf(lines) < promotion.minSubtotal) return 'MINIMUM_NOT_MET';
    if (promotion.kind === 'FREE_SHIPPING') return null;
    const value = discountFor(ruleOf(promotion), lines, cart);
    return value.amount > 0 ? null : 'NOT_APPLICABLE';
  }

  private async withCategories(lines: QuoteInput['lines']): Promise<DiscountLine[]> {
    const needs = this.deps.categories && lines.length > 0 ? await this.hasCategoryPromotions() : false;
    const categories = needs
      ? await this.deps.categories!([...new Set(lines.map((line) => line.productId))])
      : new Map();
    return lines.map((line) => ({ ...line, categorySlug: categories.get(line.productId) ?? null }));
  }

  private async hasCategoryPromotions(): Promise<boolean> {
    return (await this.deps.promotions.exists({ target: 'CATEGORIES', active: true })) !== null;
  }
}

/** The sums of applied discounts: in all, per line (`lineCount` lines) and off the shipping. */
function totalsOf(discounts: AppliedDiscount[], lineCount: number): Omit<Quote, 'rejectedCodes'> {
  const lineDiscounts = Array.from({ length: lineCount }, (_, index) =>
    discounts.reduce((sum, d) => sum + (d.lineAmounts[index] ?? 0), 0),
  );
  return {
    discounts,
    discountTotal: discounts.reduce((sum, d) => sum + d.amount, 0),
    lineDiscounts,
    shippingDiscount: discounts.reduce((sum, d) => sum + d.shippingAmount, 0),
  };
}

function quoteOf(redemptions: RedemptionDoc[], orderId: string, lineCount: number): Quote {
  if (redemptions.some((doc) => doc.status === 'RELEASED'))
    throw conflict('The discounts of this order were released', { orderId });
  const discounts = redemptions.map((doc) => ({
    promotionId: doc.promotionId,
    code: doc.code,
    description: doc.description,
    amount: doc.amount,
    // Redemptions made before per-line amounts: none known per line.
    lineAmounts: doc.lineAmounts ?? [],
    shippingAmount: doc.shippingAmount,
    freeShipping: doc.freeShipping,
  }));
  return { ...totalsOf(discounts, lineCount), rejectedCodes: [] };
}
