import { type AnyBulkWriteOperation, type ClientSession } from 'mongoose';
import { type EngagementDoc, type EngagementModel } from '../models/engagement';
import { pairId, type ProductPairDoc, type ProductPairModel } from '../models/product-pair';
import { addInteractionUpdate, type InteractionType, type ScoringModel } from '../scoring';

export interface EngagementChange {
  productId: string;
  type: InteractionType;
  occurredAtMs: number;
}

/** Most recent other products a new engagement is paired with (co-interaction), to bound a write. */
export const CO_INTERACTION_NEIGHBOURS = 50;
/** Distinct products of one order that are paired with each other (co-purchase); n² pair updates. */
export const MAX_ORDER_PRODUCTS = 50;

interface PairIncrement {
  a: string;
  b: string;
  coPurchases: number;
  coInteractions: number;
}

/**
 * Folds interactions into the engagement aggregates and the product pair counts, inside the
 * caller's transaction. Returns the cache scopes whose lists changed.
 */
export class EngagementWriter {
  constructor(
    private readonly deps: { engagements: EngagementModel; pairs: ProductPairModel; model: ScoringModel },
  ) {}

  /**
   * `userId` null (a guest order) records only co-purchases. `coPurchase` pairs every product of
   * `changes` with every other one as bought together (one paid order).
   */
  async apply(
    session: ClientSession,
    userId: string | null,
    changes: readonly EngagementChange[],
    options: { coPurchase?: boolean } = {},
  ): Promise<string[]> {
    const pairs = new Map<string, PairIncrement>();
    const bumpPair = (a: string, b: string, field: 'coPurchases' | 'coInteractions') => {
      const id = pairId(a, b);
      let entry = pairs.get(id);
      if (!entry) pairs.set(id, (entry = { a, b, coPurchases: 0, coInteractions: 0 }));
      entry[field] += 1;
    };
    const scopes = new Set<string>();

    if (userId !== null && changes.length > 0) {
      scopes.add(`user:${userId}`);
      const created = await this.upsertEngagements(session, userId, changes);
      if (created.length > 0) {
        const createdSet = new Set(created);
        const others = await this.deps.engagements
          .find({ userId, productId: { $nin: created } }, { productId: 1, _id: 0 })
          .sort({ at: -1 })
          .limit(CO_INTERACTION_NEIGHBOURS)
          .session(session)
          .lean();
        for (const p of created) {
          bumpPair(p, p, 'coInteractions');
          for (const o of others) {
            bumpPair(p, o.productId, 'coInteractions');
            bumpPair(o.productId, p, 'coInteractions');
          }
        }
        const fresh = [...createdSet];
        for (let i = 0; i < fresh.length; i += 1) {
          for (let j = i + 1; j < fresh.length; j += 1) {
            bumpPair(fresh[i]!, fresh[j]!, 'coInteractions');
            bumpPair(fresh[j]!, fresh[i]!, 'coInteractions');
          }
        }
      }
    }

    if (options.coPurchase) {
      const products = [...new Set(changes.map((c) => c.productId))].slice(0, MAX_ORDER_PRODUCTS);
      for (const a of products) {
        scopes.add(`product:${a}`);
        for (const b of products) bumpPair(a, b, 'coPurchases');
      }
    }

    if (pairs.size > 0) {
      const ops: AnyBulkWriteOperation<ProductPairDoc>[] = [...pairs.entries()].map(([id, inc]) => ({
        updateOne: {
          filter: { _id: id },
          update: {
            $setOnInsert: { a: inc.a, b: inc.b },
            $inc: {
              coPurchases: inc.coPurchases,
              coInteractions: inc.coInteractions,
              affinity: inc.coPurchases + inc.coInteractions,
            },
          },
          upsert: true,
        },
      }));
      await this.deps.pairs.bulkWrite(ops, { session, ordered: false });
    }
    return [...scopes];
  }

  /** One bulk write of pipeline upserts; returns the products this user had never engaged with. */
  private async upsertEngagements(
    session: ClientSession,
    userId: string,
    changes: readonly EngagementChange[],
  ): Promise<string[]> {
    const ops = changes.map((c) => ({
      updateOne: {
        filter: { userId, productId: c.productId },
        update: addInteractionUpdate(c.type, c.occurredAtMs, this.deps.model.halfLifeMs),
        upsert: true,
      },
    }));
    // The raw collection: pipeline updates go to the server as written, without schema casting.
    const result = await this.deps.engagements.collection.bulkWrite(
      ops as AnyBulkWriteOperation<EngagementDoc>[] as never,
      {
        session,
        ordered: true,
      },
    );
    const created = new Set<string>();
    for (const index of Object.keys(result.upsertedIds)) created.add(changes[Number(index)]!.productId);
    return [...created];
  }
}
