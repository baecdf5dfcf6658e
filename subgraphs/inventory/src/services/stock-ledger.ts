import type { QueryFilter, UpdateQuery } from 'mongoose';
import type { StockItemDoc, StockItemModel } from '../models/stock-item';
import { lineVariantId } from '../models/reservation';
import type { StockMovementDoc, StockMovementModel } from '../models/stock-movement';
import { inventoryEvents } from './inventory-events';
import type { Tx } from './tx';

/** A change of one stock item, as its movement records it (`variantId` absent: the default variant). */
export type StockChange = Omit<StockMovementDoc, '_id' | 'orderId' | 'createdAt'> & {
  orderId?: string | null;
};

/** What product events tell inventory about a product, kept for the low-stock alert. */
export interface ProductIdentity {
  sku: string | null;
  name: string | null;
}

export interface StockLedgerDeps {
  StockItem: StockItemModel;
  StockMovement: StockMovementModel;
  defaultReorderLevel: number;
}

/** The ledger entry of a change, with the defaults spelled out. */
function movementOf(change: StockChange) {
  return { ...change, variantId: change.variantId ?? change.productId, orderId: change.orderId ?? null };
}

/**
 * The one place stock quantities change: every `$inc` of onHand, reserved and available goes
 * through `take` (guarded) and is recorded as a movement, at once (`apply`) or, for the
 * all-or-nothing reservation, once every line is held (`recordApplied`).
 */
export class StockLedger {
  constructor(private readonly deps: StockLedgerDeps) {}

  /** Fields a newly created stock item starts with (besides the quantities). */
  insertDefaults(identity?: ProductIdentity): Partial<StockItemDoc> {
    return {
      reorderLevel: this.deps.defaultReorderLevel,
      lowStockAlerted: false,
      ...(identity ? {} : { sku: null, name: null }),
    };
  }

  /**
   * Re-arms or fires the low-stock alert for an item whose level or stock just changed; emits
   * stock_changed. `productAvailableDelta`: how much this transaction changed the product's
   * available so far (over all its variants), for the event's `previousProductAvailable`.
   */
  async afterChange(tx: Tx, item: StockItemDoc, productAvailableDelta = 0): Promise<StockItemDoc> {
    let current = item;
    const low = item.available <= item.reorderLevel;
    if (low !== item.lowStockAlerted) {
      await this.deps.StockItem.updateOne(
        { _id: item._id },
        { $set: { lowStockAlerted: low } },
        { session: tx.session },
      ).exec();
      current = { ...item, lowStockAlerted: low };
      if (low) tx.outbox.add(inventoryEvents.lowStock(current));
    }
    tx.outbox.add(await this.stockChanged(tx, current, productAvailableDelta));
    return current;
  }

  /**
   * `inventory.stock_changed` for an item, with the product's available over all its variants
   * after and before the transaction's change of it (`productAvailableDelta`, 0: available did not move).
   */
  async stockChanged(tx: Tx, item: StockItemDoc, productAvailableDelta = 0) {
    const siblings = await this.deps.StockItem.find(
      { productId: item.productId, variantId: { $ne: item.variantId } },
      { available: 1 },
    )
      .session(tx.session)
      .lean<{ available: number }[]>()
      .exec();
    const productAvailable = siblings.reduce((sum, sibling) => sum + sibling.available, item.available);
    return inventoryEvents.stockChanged(item, productAvailable, productAvailable - productAvailableDelta);
  }

  /**
   * Ledger entries and events for changes already made to the items (by `take`). The
   * all-or-nothing reservation takes every line first and records only once all of them are held.
   */
  async recordApplied(
    tx: Tx,
    applied: readonly { change: StockChange; item: StockItemDoc }[],
  ): Promise<void> {
    if (applied.length === 0) return;
    await this.deps.StockMovement.insertMany(
      applied.map(({ change }) => movementOf(change)),
      { session: tx.session },
    );
    // Every item is taken before the first event reads the product's total, which then holds
    // all of the product's changes: "before" is before all of them.
    const productDeltas = new Map<string, number>();
    for (const { change } of applied) {
      productDeltas.set(
        change.productId,
        (productDeltas.get(change.productId) ?? 0) + availableDelta(change),
      );
    }
    for (const { item } of applied) await this.afterChange(tx, item, productDeltas.get(item.productId) ?? 0);
  }

  /**
   * Changes one stock item without recording the change, or returns null (changing nothing) when
   * it would take available or reserved below zero. The guard is part of the update's filter
   * (`available: {$gte: q}` with `$inc`), so it holds under any concurrency.
   */
  async take(tx: Tx, change: StockChange, identity?: ProductIdentity): Promise<StockItemDoc | null> {
    const availableChange = availableDelta(change);
    const guard: QueryFilter<StockItemDoc> = { variantId: change.variantId ?? change.productId };
    if (availableChange < 0) guard.available = { $gte: -availableChange };
    if (change.reservedDelta < 0) guard.reserved = { $gte: -change.reservedDelta };
    // Only a change that adds stock may create the item: a missing item has nothing to take.
    const mayCreate = availableChange >= 0 && change.reservedDelta >= 0 && change.delta >= 0;

    const update: UpdateQuery<StockItemDoc> = {
      $inc: { onHand: change.delta, reserved: change.reservedDelta, available: availableChange },
    };
    if (identity) update.$set = { sku: identity.sku, name: identity.name };
    if (mayCreate) update.$setOnInsert = { ...this.insertDefaults(identity), productId: change.productId };

    return this.deps.StockItem.findOneAndUpdate(guard, update, {
      returnDocument: 'after',
      upsert: mayCreate,
      session: tx.session,
      setDefaultsOnInsert: false,
    })
      .lean<StockItemDoc>()
      .exec();
  }

  /** Units that come back sellable: a RETURN movement per line, on the line's variant. */
  async returnToStock(
    tx: Tx,
    lines: readonly { productId: string; variantId?: string | null; quantity: number }[],
    origin: { reference: string; orderId: string },
  ): Promise<void> {
    for (const line of lines) {
      await this.apply(tx, {
        productId: line.productId,
        variantId: lineVariantId(line),
        delta: line.quantity,
        reservedDelta: 0,
        reason: 'RETURN',
        ...origin,
      });
    }
  }

  /**
   * Applies one change to a stock item and records it in the ledger, or returns null (writing
   * nothing) when it would take available or reserved below zero. Emits
   * `inventory.stock_changed`, and `inventory.low_stock` on a crossing to the reorder level, except
   * for a sale of reserved units (`sellsReserved`). The transaction makes the item, the movement
   * and the events one unit.
   */
  async apply(tx: Tx, change: StockChange, identity?: ProductIdentity): Promise<StockItemDoc | null> {
    const item = await this.take(tx, change, identity);
    if (!item) return null;
    await this.deps.StockMovement.create([movementOf(change)], { session: tx.session });
    return sellsReserved(change) ? item : this.afterChange(tx, item, availableDelta(change));
  }
}

/** How a change moves available (onHand less reserved). */
function availableDelta(change: StockChange): number {
  return change.delta - change.reservedDelta;
}

/**
 * A change that sells units already reserved (onHand and reserved down alike): available, the
 * low-stock state and the product's total are as they were, so nothing a `stock_changed` reader
 * uses moves; `inventory.reservation_committed` announces the sale. Announcing it anyway cost every
 * paid order an extra event, a read of the product's other variants and a write in each projection.
 */
function sellsReserved(change: StockChange): boolean {
  return change.delta < 0 && change.delta === change.reservedDelta;
}
