import { randomUUID } from 'node:crypto';
import { type Connection, type QueryFilter } from 'mongoose';
import { inTransaction } from '@novamart/events';
import {
  badUserInput,
  conflict,
  duplicateKey,
  isDuplicateKeyError,
  notFound,
  type Viewer,
} from '@novamart/kit';
import { type DiscountCodeDoc, type DiscountCodeModel } from '../models/discount-code';
import { type PromotionDoc, type PromotionModel } from '../models/promotion';
import {
  normalizeCode,
  validatePromotion,
  validatePromotionUpdate,
  type PromotionChanges,
  type PromotionInput,
  type PromotionUpdateInput,
} from './promotion-input';

/** Reads and decisions an update may take when other writers keep changing the promotion. */
const UPDATE_ATTEMPTS = 5;

/** The back office's side of promotions: create and change them, attach codes, switch them off. */
export class PromotionAdmin {
  constructor(
    private readonly deps: {
      conn: Connection;
      promotions: PromotionModel;
      codes: DiscountCodeModel;
      now: () => Date;
    },
  ) {}

  get model(): PromotionModel {
    return this.deps.promotions;
  }

  /** A promotion and its codes, in one transaction: a taken code writes nothing (CONFLICT on `input.codes`). */
  async create(admin: Viewer, input: PromotionInput): Promise<PromotionDoc> {
    const now = this.deps.now();
    const { codes, ...valid } = validatePromotion(input, now);
    const doc: PromotionDoc = {
      _id: randomUUID(),
      ...valid,
      usesLeft: valid.usageLimit,
      timesRedeemed: 0,
      active: true,
      createdBy: admin.id,
      createdAt: now,
      updatedAt: now,
      revision: 0,
    };
    try {
      await inTransaction(this.deps.conn, async (session) => {
        await this.deps.promotions.create([doc], { session });
        if (codes.length > 0)
          await this.deps.codes.create(
            codes.map((code) => ({ _id: code, promotionId: doc._id, createdAt: now })),
            { session, ordered: true },
          );
      });
    } catch (error) {
      throw this.takenCode(error, 'input.codes');
    }
    return doc;
  }

  /** Attaches a code to a promotion; a code taken by any promotion is CONFLICT on `code`. */
  async addCode(promotionId: string, code: string): Promise<DiscountCodeDoc> {
    const normalized = normalizeCode(code);
    const promotion = await this.deps.promotions.findById(promotionId).lean();
    if (!promotion) throw notFound('Promotion', { promotionId });
    const doc: DiscountCodeDoc = { _id: normalized, promotionId, createdAt: this.deps.now() };
    try {
      await this.deps.codes.create([doc]);
    } catch (error) {
      throw this.takenCode(error, 'code');
    }
    return doc;
  }

  /**
   * Changes a promotion's name, window, limits or how it applies (`validatePromotionUpdate`),
   * decided on the promotion as read and written only if nobody changed it meanwhile (its
   * `revision`); a change that lost that race is decided again on the fresh promotion.
   * Redemptions and releases leave `revision` alone, so a new usage limit is safe from them in the
   * write itself: it sets `usesLeft` from `timesRedeemed` as the write finds it (`changesStage`)
   * and requires that at most the limit (otherwise it is decided again, and refused).
   */
  async update(promotionId: string, input: PromotionUpdateInput): Promise<PromotionDoc> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.deps.promotions.findById(promotionId).lean();
      if (!current) throw notFound('Promotion', { promotionId });
      const changes = validatePromotionUpdate(input ?? {}, current);
      const withinLimit = changes.usageLimit != null ? { timesRedeemed: { $lte: changes.usageLimit } } : {};
      const updated = await this.deps.promotions
        .findOneAndUpdate(
          { _id: promotionId, revision: sameRevision(current), ...withinLimit },
          [changesStage(changes, this.deps.now())],
          { returnDocument: 'after', updatePipeline: true },
        )
        .lean();
      if (updated) return updated;
      if (attempt >= UPDATE_ATTEMPTS) throw conflict('The promotion keeps changing; try again');
    }
  }

  async setActive(promotionId: string, active: boolean): Promise<PromotionDoc> {
    const updated = await this.deps.promotions
      .findOneAndUpdate(
        { _id: promotionId },
        { $set: { active, updatedAt: this.deps.now() }, $inc: { revision: 1 } },
        { returnDocument: 'after' },
      )
      .lean();
    if (!updated) throw notFound('Promotion', { promotionId });
    return updated;
  }

  /**
   * Newest first, `first` of them (1..100), after `after`: the id of the last promotion of the
   * previous page (one command, two with `after`: that promotion's `createdAt` is read for the
   * position). Walks the `createdAt, _id` index; ties on `createdAt` are ordered by `_id`.
   */
  async list(first: number, after?: string | null): Promise<PromotionDoc[]> {
    const filter: QueryFilter<PromotionDoc> = {};
    if (after != null) {
      const last =
        typeof after === 'string' && after !== ''
          ? await this.deps.promotions.findById(after, { createdAt: 1 }).lean()
          : null;
      if (!last) throw badUserInput('after must be the id of a promotion of the previous page', 'after');
      filter.$or = [
        { createdAt: { $lt: last.createdAt } },
        { createdAt: last.createdAt, _id: { $lt: last._id } },
      ];
    }
    return this.deps.promotions
      .find(filter)
      .sort({ createdAt: -1, _id: -1 })
      .limit(Math.min(Math.max(first, 1), 100))
      .lean();
  }

  /**
   * Takes a code off its promotion (a mistyped or leaked one): customers can no longer apply it,
   * and a cart holding it gets nothing from it (its quote reports it UNKNOWN, and checkout refuses
   * a code that no longer applies, as for a promotion switched off). Redemptions already made keep
   * their record. An unknown code is NOT_FOUND. Answers the promotion it belonged to.
   */
  async removeCode(code: string): Promise<PromotionDoc> {
    const normalized = normalizeCode(code);
    const removed = await this.deps.codes.findOneAndDelete({ _id: normalized }).lean();
    if (!removed) throw notFound('DiscountCode', { code: normalized });
    const promotion = await this.deps.promotions.findById(removed.promotionId).lean();
    if (!promotion) throw notFound('Promotion', { promotionId: removed.promotionId });
    return promotion;
  }

  private takenCode(error: unknown, field: string): unknown {
    if (!isDuplicateKeyError(error)) return error;
    const key = duplicateKey(error);
    if (key && key.collection !== 'discount_codes') return error;
    return conflict('This discount code is already taken', { field });
  }
}

/** Matches the promotion's revision as read; 0 also matches one written before revisions were counted. */
function sameRevision(current: PromotionDoc): number | { $in: (number | null)[] } {
  return current.revision ? current.revision : { $in: [0, null] };
}

/**
 * An update's changes as one pipeline `$set` stage: every value a `$literal` (a name may start with
 * `$`), and with a usage limit the uses left as the limit less `timesRedeemed` as the write finds
 * it, so that whatever redemptions and releases came before, `usesLeft` is `usageLimit −
 * timesRedeemed` (they then move both together with `$inc`).
 */
function changesStage(changes: PromotionChanges, now: Date): { $set: Record<string, unknown> } {
  const set: Record<string, unknown> = {
    updatedAt: { $literal: now },
    revision: { $add: [{ $ifNull: ['$revision', 0] }, 1] },
  };
  for (const [key, value] of Object.entries(changes)) set[key] = { $literal: value };
  if (changes.usageLimit !== undefined)
    set.usesLeft =
      changes.usageLimit === null
        ? { $literal: null }
        : { $subtract: [changes.usageLimit, '$timesRedeemed'] };
  return { $set: set };
}
