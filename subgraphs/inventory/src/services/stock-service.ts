import {
  badUserInput,
  conflict,
  encodeCursor,
  pageArgs,
  type PageInfo,
  isDuplicateKeyError,
} from '@novamart/kit';
import { isObjectIdOrHexString, Types } from 'mongoose';
import { lineVariantId, type ReservationModel } from '../models/reservation';
import type { RestockedReturnModel } from '../models/restocked-return';
import type { StockItemDoc, StockItemModel } from '../models/stock-item';
import {
  MOVEMENT_REASONS,
  type MovementReason,
  type StockMovementDoc,
  type StockMovementModel,
} from '../models/stock-movement';
import { listStockItems, type InventoryItemFilter } from './item-list';
import { assertSoldToOrder, linesToRestock, returnRestockArg, type ReturnRestock } from './return-restock';
import type { ProductIdentity, StockLedger } from './stock-ledger';
import type { RunInTx, Tx } from './tx';

/** The contract's `Inventory`. */
export interface InventoryView {
  available: number;
  reserved: number;
  onHand: number;
  inStock: boolean;
  lowStock: boolean;
  reorderLevel: number;
  reorderQuantity: number | null;
}

export interface AdjustStockInput {
  productId: string;
  /** Absent: the product's default variant. */
  variantId?: string | null;
  delta: number;
  reason: MovementReason;
  reference?: string | null;
}

export interface MovementPage {
  edges: { cursor: string; node: StockMovementDoc }[];
  pageInfo: PageInfo;
}

export const MAX_QUANTITY = 1_000_000_000;
const MAX_REFERENCE_LENGTH = 200;
const MAX_MOVEMENTS_PAGE = 100;
const MAX_CHANGED_LEVELS = 1_000;

/** Reasons an admin may give, and the sign of delta each allows. SALE, RESERVATION and RELEASE belong to orders. */
const ADMIN_REASONS: Partial<Record<MovementReason, 'positive' | 'negative' | 'any'>> = {
  PURCHASE: 'positive',
  RETURN: 'positive',
  DAMAGE: 'negative',
  ADJUSTMENT: 'any',
};

export function inventoryView(item: StockItemDoc | null, defaultReorderLevel: number): InventoryView {
  const available = item?.available ?? 0;
  const reorderLevel = item?.reorderLevel ?? defaultReorderLevel;
  return {
    available,
    reserved: item?.reserved ?? 0,
    onHand: item?.onHand ?? 0,
    inStock: available > 0,
    lowStock: available <= reorderLevel,
    reorderLevel,
    reorderQuantity: item?.reorderQuantity ?? null,
  };
}

function productIdArg(productId: unknown): string {
  const id = typeof productId === 'string' ? productId.trim() : '';
  if (!id || id.length > 64) throw badUserInput('productId must be a product id', 'productId');
  return id;
}

/** The stock key of an admin call: the variant given, or the product's default variant. */
function variantIdArg(variantId: unknown, productId: string): string {
  if (variantId == null) return productId;
  const id = typeof variantId === 'string' ? variantId.trim() : '';
  if (!id || id.length > 64) throw badUserInput('variantId must be a variant id', 'variantId');
  return id;
}

/** The inventory of a product: the sum of its variants' stock items. */
function sumOf(items: readonly StockItemDoc[]): StockItemDoc | null {
  if (items.length === 0) return null;
  return items.reduce((sum, item) => ({
    ...sum,
    available: sum.available + item.available,
    reserved: sum.reserved + item.reserved,
    onHand: sum.onHand + item.onHand,
    reorderLevel: sum.reorderLevel + item.reorderLevel,
  }));
}

interface MovementCursor {
  t: number;
  id: string;
}

export interface StockServiceDeps {
  runInTx: RunInTx;
  ledger: StockLedger;
  StockItem: StockItemModel;
  StockMovement: StockMovementModel;
  Reservation: ReservationModel;
  RestockedReturn: RestockedReturnModel;
  defaultReorderLevel: number;
}

/** Stock levels, admin corrections and the movement ledger's pages; every change goes through the ledger. */
export class StockService {
  constructor(private readonly deps: StockServiceDeps) {}

  private view(item: StockItemDoc | null): InventoryView {
    return inventoryView(item, this.deps.defaultReorderLevel);
  }

  /**
   * Stock of many products in one find, each the sum over its variants (available, reserved,
   * onHand and reorderLevel summed); a product inventory has not heard of is zero stock.
   */
  async inventoryOf(productIds: readonly string[]): Promise<InventoryView[]> {
    const rows = await this.deps.StockItem.find({ productId: { $in: [...new Set(productIds)] } })
      .lean<StockItemDoc[]>()
      .exec();
    const byProduct = new Map<string, StockItemDoc[]>();
    for (const row of rows) byProduct.set(row.productId, [...(byProduct.get(row.productId) ?? []), row]);
    return productIds.map((id) => this.view(sumOf(byProduct.get(id) ?? [])));
  }

  /**
   * Products whose stock changed at or after `since`, each with its available over all its
   * variants and the time of its newest change: how the products subgraph brings its in-stock
   * projection up to this primary before it reads it (read your own writes). Two finds.
   */
  async levelsChangedSince(
    since: Date,
  ): Promise<{ productId: string; available: number; updatedAt: Date }[]> {
    if (Number.isNaN(since.getTime())) throw badUserInput('since must be a time', 'since');
    const changed = await this.deps.StockItem.find({ updatedAt: { $gte: since } }, { productId: 1 })
      .limit(MAX_CHANGED_LEVELS)
      .lean<{ productId: string }[]>()
      .exec();
    const ids = [...new Set(changed.map((row) => row.productId))];
    if (ids.length === 0) return [];
    const items = await this.deps.StockItem.find(
      { productId: { $in: ids } },
      { productId: 1, available: 1, updatedAt: 1 },
    )
      .lean<{ productId: string; available: number; updatedAt: Date }[]>()
      .exec();
    const byProduct = new Map<string, { productId: string; available: number; updatedAt: Date }>();
    for (const item of items) {
      const level = byProduct.get(item.productId);
      byProduct.set(item.productId, {
        productId: item.productId,
        available: (level?.available ?? 0) + item.available,
        updatedAt: level && level.updatedAt > item.updatedAt ? level.updatedAt : item.updatedAt,
      });
    }
    return [...byProduct.values()];
  }

  /** Stock of many variants in one find; a variant inventory has not heard of is zero stock. */
  async variantInventoryOf(variantIds: readonly string[]): Promise<InventoryView[]> {
    const rows = await this.deps.StockItem.find({ variantId: { $in: [...new Set(variantIds)] } })
      .lean<StockItemDoc[]>()
      .exec();
    const byVariant = new Map(rows.map((row) => [row.variantId, row]));
    return variantIds.map((id) => this.view(byVariant.get(id) ?? null));
  }

  /** A variant's stock item belongs to one product: naming it under another is refused. */
  private async assertVariantOf(tx: Tx, productId: string, variantId: string): Promise<void> {
    if (variantId === productId) return;
    const item = await this.deps.StockItem.findOne({ variantId }, { productId: 1 })
      .session(tx.session)
      .lean<{ productId: string }>()
      .exec();
    if (item && item.productId !== productId) {
      throw badUserInput('The variant belongs to another product', 'variantId');
    }
  }

  /** ADMIN stock correction: one movement, never leaving available below zero (CONFLICT). */
  async adjustStock(input: AdjustStockInput): Promise<InventoryView> {
    const productId = productIdArg(input.productId);
    const variantId = variantIdArg(input.variantId, productId);
    const sign = ADMIN_REASONS[input.reason];
    if (!sign) {
      throw badUserInput(
        `reason must be one of ${Object.keys(ADMIN_REASONS).join(', ')}; ${input.reason} is recorded by the order flow`,
        'reason',
      );
    }
    const { delta } = input;
    if (!Number.isInteger(delta) || delta === 0 || Math.abs(delta) > MAX_QUANTITY) {
      throw badUserInput('delta must be a non-zero integer', 'delta');
    }
    if ((sign === 'positive' && delta < 0) || (sign === 'negative' && delta > 0)) {
      throw badUserInput(`${input.reason} needs a ${sign} delta`, 'delta');
    }
    const reference = input.reference?.trim() || null;
    if (reference && reference.length > MAX_REFERENCE_LENGTH) {
      throw badUserInput(`reference must be at most ${MAX_REFERENCE_LENGTH} characters`, 'reference');
    }

    return this.deps.runInTx(async (tx) => {
      await this.assertVariantOf(tx, productId, variantId);
      const item = await this.deps.ledger.apply(tx, {
        productId,
        variantId,
        delta,
        reservedDelta: 0,
        reason: input.reason,
        reference,
      });
      if (item) return this.view(item);
      const current = await this.deps.StockItem.findOne({ variantId })
        .session(tx.session)
        .lean<StockItemDoc>()
        .exec();
      const available = current?.available ?? 0;
      throw conflict(`Cannot remove ${-delta}: only ${available} available`, { field: 'delta', available });
    });
  }

  /** `reorderQuantity` (optional): how many units to order when low, 1 or more; left as it is when absent. */
  async setReorderLevel(
    productIdInput: string,
    reorderLevel: number,
    variantIdInput?: string | null,
    reorderQuantity?: number | null,
  ): Promise<InventoryView> {
    const productId = productIdArg(productIdInput);
    const variantId = variantIdArg(variantIdInput, productId);
    if (!Number.isInteger(reorderLevel) || reorderLevel < 0 || reorderLevel > MAX_QUANTITY) {
      throw badUserInput('reorderLevel must be a non-negative integer', 'reorderLevel');
    }
    if (
      reorderQuantity != null &&
      (!Number.isInteger(reorderQuantity) || reorderQuantity < 1 || reorderQuantity > MAX_QUANTITY)
    ) {
      throw badUserInput(
        `reorderQuantity must be a whole number from 1 to ${MAX_QUANTITY}`,
        'reorderQuantity',
      );
    }
    return this.deps.runInTx(async (tx) => {
      await this.assertVariantOf(tx, productId, variantId);
      const { reorderLevel: _default, ...defaults } = this.deps.ledger.insertDefaults();
      const item = await this.deps.StockItem.findOneAndUpdate(
        { variantId },
        {
          $set: { reorderLevel, ...(reorderQuantity != null ? { reorderQuantity } : {}) },
          $setOnInsert: { ...defaults, productId, available: 0, reserved: 0, onHand: 0 },
        },
        { returnDocument: 'after', upsert: true, session: tx.session, setDefaultsOnInsert: false },
      )
        .lean<StockItemDoc>()
        .exec();
      return this.view(await this.deps.ledger.afterChange(tx, item!));
    });
  }

  /** `inventoryItems`: the stock back office's filtered list (services/item-list.ts). */
  listItems(args: { filter?: InventoryItemFilter | null; first?: number | null; after?: string | null }) {
    return listStockItems(this.deps.StockItem, args);
  }

  /** The stock item's Inventory shape. */
  viewOf(item: StockItemDoc): InventoryView {
    return this.view(item);
  }

  /** The ledger of one product (all its variants, or the one given), newest first. */
  async listMovements(args: {
    productId: string;
    variantId?: string | null;
    first?: number | null;
    after?: string | null;
  }): Promise<MovementPage> {
    const productId = productIdArg(args.productId);
    const { first, after } = pageArgs<MovementCursor>(args, { max: MAX_MOVEMENTS_PAGE, defaultFirst: 50 });
    const filter: Record<string, unknown> = { productId };
    if (args.variantId != null) {
      const variantId = variantIdArg(args.variantId, productId);
      // Movements made before variants carry no variantId: they are the default variant's.
      filter.variantId = variantId === productId ? { $in: [productId, null] } : variantId;
    }
    if (after) {
      if (typeof after.t !== 'number' || typeof after.id !== 'string' || !isObjectIdOrHexString(after.id)) {
        throw badUserInput('Invalid cursor', 'after');
      }
      const at = new Date(after.t);
      const id = new Types.ObjectId(after.id);
      filter.$or = [{ createdAt: { $lt: at } }, { createdAt: at, _id: { $lt: id } }];
    }
    const rows = await this.deps.StockMovement.find(filter)
      .sort({ createdAt: -1, _id: -1 })
      .limit(first + 1)
      .lean<StockMovementDoc[]>()
      .exec();
    const edges = rows.slice(0, first).map((node) => ({
      cursor: encodeCursor({ t: node.createdAt.getTime(), id: String(node._id) }),
      node,
    }));
    return {
      edges,
      pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null },
    };
  }

  /** `product.created`: the stock item, with the opening stock as a PURCHASE movement. */
  async recordOpeningStock(
    tx: Tx,
    product: ProductIdentity & { productId: string; initialStock: number | null },
  ): Promise<void> {
    const identity = product.sku !== null ? { sku: product.sku, name: product.name } : undefined;
    const quantity = product.initialStock ?? 0;
    // Once per product: the first of products' request and product.created records it, the
    // other only fills in the identity. Two at once meet as a write conflict on the item (the
    // transaction runs again and finds the mark) or on its unique productId.
    // The opening stock is the default variant's (whose id is the product's).
    const marked = await this.deps.StockItem.findOneAndUpdate(
      { variantId: product.productId },
      {
        $set: { ...identity, openingRecorded: true },
        $setOnInsert: {
          ...this.deps.ledger.insertDefaults(identity),
          productId: product.productId,
          available: 0,
          reserved: 0,
          onHand: 0,
        },
      },
      { returnDocument: 'before', upsert: true, session: tx.session, setDefaultsOnInsert: false },
    )
      .lean<StockItemDoc>()
      .exec();
    if (marked?.openingRecorded) return;
    if (quantity > 0) {
      await this.deps.ledger.apply(
        tx,
        {
          productId: product.productId,
          delta: quantity,
          reservedDelta: 0,
          reason: 'PURCHASE',
          reference: 'opening stock',
        },
        identity,
      );
      return;
    }
    // No movement without stock, but projections (the cart's) still learn it is zero.
    const item = await this.deps.StockItem.findOne({ variantId: product.productId })
      .session(tx.session)
      .lean<StockItemDoc>()
      .exec();
    tx.outbox.add(await this.deps.ledger.stockChanged(tx, item!));
  }

  /**
   * ADMIN (products asks while creating a product): the opening stock, recorded once per product
   * whoever comes first, this call or `product.created`.
   */
  async openingStock(input: { productId: string; quantity: number }): Promise<InventoryView> {
    const productId = productIdArg(input.productId);
    const { quantity } = input;
    if (!Number.isInteger(quantity) || quantity < 0 || quantity > MAX_QUANTITY) {
      throw badUserInput('quantity must be a non-negative integer', 'quantity');
    }
    const record = () =>
      this.deps.runInTx(async (tx) => {
        await this.recordOpeningStock(tx, { productId, sku: null, name: null, initialStock: quantity });
        return this.view(
          await this.deps.StockItem.findOne({ variantId: productId })
            .session(tx.session)
            .lean<StockItemDoc>()
            .exec(),
        );
      });
    try {
      return await record();
    } catch (error) {
      // product.created inserted the item between our read and our insert: it is recorded now.
      if (isDuplicateKeyError(error)) return record();
      throw error;
    }
  }

  /**
   * `return.received` and orders' `restockReturn` call: a returned parcel's units back on hand, one
   * RETURN movement per line on its variant's stock item (the default variant when none is named;
   * reference `return:<returnId>`, the order's id) of the units restocked: its `restockQuantity`,
   * else (events from before partial restocks) all of a line whose own `restock`, or the return's
   * before per-line choices, is true; units written off change no stock: they left with the SALE
   * and do not come back. Once per return, whichever comes first: the return's id is marked (`restocked_returns`)
   * in the same transaction, so the second finds the mark and changes nothing (two at once meet
   * as a write conflict or a duplicate key on the mark, and the loser runs again).
   */
  async restockReturn(tx: Tx, received: ReturnRestock): Promise<boolean> {
    const lines = linesToRestock(received);
    if (lines.length === 0) return false;
    const done = await this.deps.RestockedReturn.findById(received.returnId)
      .session(tx.session)
      .lean()
      .exec();
    if (done) return false;
    await this.deps.RestockedReturn.create(
      [{ _id: received.returnId, orderId: received.orderId, at: new Date() }],
      { session: tx.session },
    );
    await this.deps.ledger.returnToStock(tx, lines, {
      reference: `return:${received.returnId}`,
      orderId: received.orderId,
    });
    return true;
  }

  /**
   * SUPPORT or DISPATCHER (orders asks while receiving a return, so its next read sees the stock):
   * the same restock as `return.received`, after checking the return against what inventory
   * knows: every line was sold to that order (its reservation COMMITTED) in at least that quantity.
   * Returns the stock of the returned items afterwards.
   */
  async restockReturnNow(input: ReturnRestock): Promise<InventoryView[]> {
    const received = returnRestockArg(input);
    const reservation = await this.deps.Reservation.findOne({ orderId: received.orderId }).lean().exec();
    assertSoldToOrder(reservation, received);
    const run = () =>
      this.deps.runInTx(async (tx) => {
        await this.restockReturn(tx, received);
        const items = await this.deps.StockItem.find({
          variantId: { $in: received.lines.map(lineVariantId) },
        })
          .session(tx.session)
          .lean<StockItemDoc[]>()
          .exec();
        return received.lines.map((line) =>
          this.view(items.find((item) => item.variantId === lineVariantId(line)) ?? null),
        );
      });
    try {
      return await run();
    } catch (error) {
      // return.received marked it between our read and our insert: it is restocked now.
      if (isDuplicateKeyError(error)) return run();
      throw error;
    }
  }

  /** `product.updated` and friends: keep the SKU and name the low-stock alert quotes. */
  async rememberProduct(tx: Tx, product: ProductIdentity & { productId: string }): Promise<void> {
    await this.deps.StockItem.updateMany(
      { productId: product.productId },
      { $set: { sku: product.sku, name: product.name } },
      { session: tx.session },
    ).exec();
  }
}

export { MOVEMENT_REASONS };
