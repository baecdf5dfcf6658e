import { isDuplicateKeyError } from '@novamart/kit';
import type { QueryFilter, UpdateQuery } from 'mongoose';
import type { ProductStockDoc, ProductStockModel } from '../models/product-stock';
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
  ProductStock: ProductStockModel;
  StockMovement: StockMovementModel;
  defaultReorderLevel: number;
}

/** A product's available over all its variants, after and before a transaction's change of it. */
interface ProductTotal {
  after: number;
  before: number;
}

/** The ledger entry of a change, with the defaults spelled out. */
function movementOf(change: StockChange) {
  return { ...change, variantId: change.variantId ?? change.productId, orderId: change.orderId ?? null };
}

/**
 * The one place stock quantities change: every `$inc` of onHand, reserved and available goes
 * through `take` (guarded) and is recorded as a movement, at once (`apply`) or, for the
 * all-or-nothing reservation, once every line is held (`recordApplied`). Recording moves the
 * product's total (`product_stock`) by the change too, so it stays Σ available over the product's
 * items: a take nothing records is put back in its transaction (the failed reservation's
 * compensation), and a sale of reserved units leaves available as it was.
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
   * available (over all its variants) with this change, which moves the product's total.
   */
  async afterChange(tx: Tx, item: StockItemDoc, productAvailableDelta = 0): Promise<StockItemDoc> {
    return this.announce(tx, item, await this.moveProductTotal(tx, item.productId, productAvailableDelta));
  }

  /**
   * `inventory.stock_changed` for an item, with the product's available over all its variants
   * after and before the transaction's change of it (`productAvailableDelta`, 0: available did not
   * move, which still writes the product's total: see `moveProductTotal`).
   */
  async stockChanged(tx: Tx, item: StockItemDoc, productAvailableDelta = 0) {
    const total = await this.moveProductTotal(tx, item.productId, productAvailableDelta);
    return inventoryEvents.stockChanged(item, total.after, total.before);
  }

  /** The low-stock alert's state and the stock_changed event of an item, given its product's total. */
  private async announce(tx: Tx, item: StockItemDoc, total: ProductTotal): Promise<StockItemDoc> {
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
    tx.outbox.add(inventoryEvents.stockChanged(current, total.after, total.before));
    return current;
  }

  /**
   * Moves the product's total (`product_stock`) by `delta`, the change this transaction just made
   * to its items' available, and answers it after and before. The total is read from the write
   * itself, never from the sibling items: a transaction reads those from its own snapshot, so two
   * changes of different variants at once would each miss the other's (neither writes the
   * other's item, so nothing stopped them). Every transaction that changes or announces the
   * product's total writes this one document (delta 0 included), so such transactions meet as a
   * write conflict and one runs again: the totals they announce form one chain. One command, as
   * the siblings' find it replaces was; a product without the document (new, or stored before
   * product_stock) gets it from its items (`createProductTotal`).
   */
  private async moveProductTotal(tx: Tx, productId: string, delta: number): Promise<ProductTotal> {
    const moved = await this.deps.ProductStock.findOneAndUpdate(
      { _id: productId },
      { $inc: { available: delta, version: 1 } },
      { returnDocument: 'after', session: tx.session },
    )
      .lean<ProductStockDoc>()
      .exec();
    const after = moved ? moved.available : await this.createProductTotal(tx, productId);
    return { after, before: after - delta };
  }

  /**
   * The product's total where none is stored yet (a new product, or one from before
   * `product_stock`): the sum of its items as this transaction sees them, its own changes
   * included. A transaction that made the document meanwhile collides with this insert: a write
   * conflict, or a duplicate _id, which is one too (the transaction runs again and finds the
   * document), never an error.
   */
  private async createProductTotal(tx: Tx, productId: string): Promise<number> {
    const items = await this.deps.StockItem.find({ productId }, { available: 1 })
      .session(tx.session)
      .lean<{ available: number }[]>()
      .exec();
    const available = items.reduce((sum, item) => sum + item.available, 0);
    try {
      await this.deps.ProductStock.create([{ _id: productId, available, version: 1 }], {
        session: tx.session,
      });
    } catch (error) {
      if (isDuplicateKeyError(error)) throw writeConflict(`product_stock ${productId} made meanwhile`);
      throw error;
    }
    return available;
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
    // Every item is taken before the product's total moves, by all of the product's changes at
    // once: one write per product, and each of its events says the same "after" and "before".
    const productDeltas = new Map<string, number>();
    for (const { change } of applied) {
      productDeltas.set(
        change.productId,
        (productDeltas.get(change.productId) ?? 0) + availableDelta(change),
      );
    }
    const totals = new Map<string, ProductTotal>();
    for (const [productId, delta] of productDeltas) {
      totals.set(productId, await this.moveProductTotal(tx, productId, delta));
    }
    for (const { item } of applied) await this.announce(tx, item, totals.get(item.productId)!);
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

/**
 * An error the transaction runner retries (WriteConflict, code 112, labelled transient), for a
 * collision the server reports as something else.
 */
function writeConflict(message: string): Error {
  return Object.assign(new Error(`Write conflict: ${message}`), {
    code: 112,
    errorLabels: ['TransientTransactionError'],
  });
}

/** How a change moves available (onHand less reserved). */
function availableDelta(change: StockChange): number {
  return change.delta - change.reservedDelta;
}

/**
 * A change that sells units already reserved (onHand and reserved down alike): available, the
 * low-stock state and the product's total are as they were, so nothing a `stock_changed` reader
 * uses moves; `inventory.reservation_committed` announces the sale. Announcing it anyway cost every
 * paid order an extra event, a write of the product's total and a write in each projection.
 */
function sellsReserved(change: StockChange): boolean {
  return change.delta < 0 && change.delta === change.reservedDelta;
}
