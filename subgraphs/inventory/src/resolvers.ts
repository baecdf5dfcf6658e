import { requireAdmin, requireInternalCaller, requireRole, type ResolverMap } from '@novamart/kit';
import { inventoryLoader, variantInventoryLoader, type InventoryContext } from './context';
import type { StockItemDoc } from './models/stock-item';
import type { MovementReason, StockMovementDoc } from './models/stock-movement';
import type { InventoryItemFilter } from './services/item-list';
import type { ReturnRestock } from './services/return-restock';

/** The subgraph's resolver map, typed against its context (as every subgraph's is). */
export type Resolvers = ResolverMap<InventoryContext>;

export const resolvers: Resolvers = {
  Query: {
    inventoryItems: (
      _root,
      args: { filter?: InventoryItemFilter | null; first?: number | null; after?: string | null },
      ctx: InventoryContext,
    ) => {
      requireRole(ctx, 'DISPATCHER');
      return ctx.stock.listItems(args);
    },
    stockMovements: (
      _root,
      args: { productId: string; variantId?: string | null; first?: number | null; after?: string | null },
      ctx: InventoryContext,
    ) => {
      requireRole(ctx, 'DISPATCHER');
      return ctx.stock.listMovements(args);
    },
    stockLevelsChangedSince: (_root, args: { since: Date }, ctx: InventoryContext) =>
      ctx.stock.levelsChangedSince(args.since),
  },

  Mutation: {
    adjustStock: (
      _root,
      args: {
        productId: string;
        variantId?: string | null;
        delta: number;
        reason: MovementReason;
        reference?: string | null;
      },
      ctx: InventoryContext,
    ) => {
      requireRole(ctx, 'DISPATCHER');
      return ctx.stock.adjustStock(args);
    },
    recordOpeningStock: (_root, args: { productId: string; quantity: number }, ctx: InventoryContext) => {
      requireAdmin(ctx);
      return ctx.stock.openingStock(args);
    },
    // Orders' receiveReturn only (it owns returns; nothing here can check one exists), with the
    // receiver's authorization, whose role still has to be one that receives returns.
    restockReturn: (_root, args: { input: ReturnRestock }, ctx: InventoryContext) => {
      requireInternalCaller(ctx);
      requireRole(ctx, 'SUPPORT', 'DISPATCHER');
      return ctx.stock.restockReturnNow(args.input);
    },
    setReorderLevel: (
      _root,
      args: {
        productId: string;
        variantId?: string | null;
        reorderLevel: number;
        reorderQuantity?: number | null;
      },
      ctx: InventoryContext,
    ) => {
      requireRole(ctx, 'DISPATCHER');
      return ctx.stock.setReorderLevel(
        args.productId,
        args.reorderLevel,
        args.variantId,
        args.reorderQuantity,
      );
    },
  },

  Product: {
    __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
    inventory: (product: { id: string }, _args, ctx: InventoryContext) =>
      inventoryLoader(ctx).load(product.id),
  },

  ProductVariant: {
    __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
    inventory: (variant: { id: string }, _args, ctx: InventoryContext) =>
      variantInventoryLoader(ctx).load(variant.id),
  },
  InventoryItem: {
    id: (item: StockItemDoc) => String(item._id),
    product: (item: StockItemDoc) => ({ id: item.productId }),
    inventory: (item: StockItemDoc, _args, ctx: InventoryContext) => ctx.stock.viewOf(item),
  },

  StockMovement: {
    variant: (movement: StockMovementDoc) => ({ id: movement.variantId ?? movement.productId }),
    id: (movement: StockMovementDoc) => String(movement._id),
    product: (movement: StockMovementDoc) => ({ id: movement.productId }),
    availableDelta: (movement: StockMovementDoc) => movement.delta - movement.reservedDelta,
  },
};
