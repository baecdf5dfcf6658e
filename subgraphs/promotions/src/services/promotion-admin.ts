import { randomUUID } from 'node:crypto';
import { type Connection } from 'mongoose';
import { inTransaction } from '@novamart/events';
import { conflict, duplicateKey, isDuplicateKeyError, notFound, type Viewer } from '@novamart/kit';
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

  async list(first: number): Promise<PromotionDoc[]> {
    return this.deps.promotions
      .find()
      .sort({ createdAt: -1, _id: -1 })
      .limit(Math.min(Math.max(first, 1), 100))
      .lean();
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
