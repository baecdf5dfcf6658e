import type { QueryFilter, UpdateQuery } from 'mongoose';
import type { StockItemDoc, StockItemModel } from '../models/stock-item';
import type { MovementReason, StockMovementModel } from '../models/stock-movement';
import { inventoryEvents } from './inventory-events';
import type { Tx } from './tx';

export interface StockChange {
  productId: string;
  /** Change of onHand. */
  delta: number;
  /** Change of reserved. available changes by delta - reservedDelta. */
  reservedDelta: number;
  reason: MovementReason;
  reference: string | null;
  orderId?: string | null;
}

/** What product events tell inventory about a product, kept for the low-stock alert. */
export interface ProductIdentity {
  sku: string | null;
  name: string | null;
}

export interface StockLedger {
  /**
   * Applies one change to a stock item and records it in the ledger, or returns null (writing
   * nothing) when it would take available or reserved below zero. Emits
   * `inventory.stock_changed`, and `inventory.low_stock` on a crossing to the reorder level.
   *
   * The guard is part of the update's filter (`available: {$gte: q}` with `$inc`), so it holds
   * under any concurrency; the transaction makes the item, the movement and the events one unit.
   */
  apply(tx: Tx, change: StockChange, identity?: ProductIdentity): Promise<StockItemDoc | null>;
  /**
   * Ledger entries and events for changes already made to the items. The all-or-nothing
   * reservation takes every line first and records only once all of them are held.
   */
  recordApplied(tx: Tx, applied: readonly { change: StockChange; item: StockItemDoc }[]): Promise<void>;
  /** Re-arms or fires the low-stock alert for an item whose level or stock just changed; emits stock_changed. */
  afterChange(tx: Tx, item: StockItemDoc): Promise<StockItemDoc>;
  /** Fields a newly created stock item starts with (besides the quantities). */
  insertDefaults(identity?: ProductIdentity): Partial<StockItemDoc>;
}

export function createStockLedger(deps: {
  StockItem: StockItemModel;
  StockMovement: StockMovementModel;
  defaultReorderLevel: number;
}): StockLedger {
  const { StockItem, StockMovement, defaultReorderLevel } = deps;

  function insertDefaults(identity?: ProductIdentity): Partial<StockItemDoc> {
    return {
      reorderLevel: defaultReorderLevel,
      lowStockAlerted: false,
      ...(identity ? {} : { sku: null, name: null }),
    };
  }

  async function afterChange(tx: Tx, item: StockItemDoc): Promise<StockItemDoc> {
    let current = item;
    const low = item.available <= item.reorderLevel;
    if (low !== item.lowStockAlerted) {
      await StockItem.updateOne(
        { _id: item._id },
        { $set: { lowStockAlerted: low } },
        { session: tx.session },
      ).exec();
      current = { ...item, lowStockAlerted: low };
      if (low) tx.outbox.add(inventoryEvents.lowStock(current));
    }
    tx.outbox.add(inventoryEvents.stockChanged(current));
    return current;
  }

  function movementOf(change: StockChange) {
    return {
      productId: change.productId,
      delta: change.delta,
      reservedDelta: change.reservedDelta,
      reason: change.reason,
      reference: change.reference,
      orderId: change.orderId ?? null,
    };
  }

  return {
    insertDefaults,
    afterChange,

    async recordApplied(tx, applied) {
      if (applied.length === 0) return;
      await StockMovement.insertMany(
        applied.map(({ change }) => movementOf(change)),
        { session: tx.session },
      );
      for (const { item } of applied) await afterChange(tx, item);
    },

    async apply(tx, change, identity) {
      const availableDelta = change.delta - change.reservedDelta;
      const guard: QueryFilter<StockItemDoc> = { productId: change.productId };
      if (availableDelta < 0) guard.available = { $gte: -availableDelta };
      if (change.reservedDelta < 0) guard.reserved = { $gte: -change.reservedDelta };
      // Only a change that adds stock may create the item: a missing item has nothing to take.
      const mayCreate = availableDelta >= 0 && change.reservedDelta >= 0 && change.delta >= 0;

      const update: UpdateQuery<StockItemDoc> = {
        $inc: { onHand: change.delta, reserved: change.reservedDelta, available: availableDelta },
      };
      if (identity) update.$set = { sku: identity.sku, name: identity.name };
      if (mayCreate) update.$setOnInsert = insertDefaults(identity);

      const item = await StockItem.findOneAndUpdate(guard, update, {
        returnDocument: 'after',
        upsert: mayCreate,
        session: tx.session,
        setDefaultsOnInsert: false,
      })
        .lean<StockItemDoc>()
        .exec();
      if (!item) return null;

      await StockMovement.create([movementOf(change)], { session: tx.session });
      return afterChange(tx, item);
    },
  };
}
