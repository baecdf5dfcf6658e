import { requireAdmin, requireRole, type ResolverMap } from '@novamart/kit';
import { inventoryLoader, type InventoryContext } from './context';
import type { MovementReason, StockMovementDoc } from './models/stock-movement';

/** The subgraph's resolver map, typed against its context (as every subgraph's is). */
export type Resolvers = ResolverMap<InventoryContext>;

export const resolvers: Resolvers = {
  Query: {
    stockMovements: (
      _root,
      args: { productId: string; first?: number | null; after?: string | null },
      ctx: InventoryContext,
    ) => {
      requireRole(ctx, 'DISPATCHER');
      return ctx.stock.listMovements(args);
    },
  },

  Mutation: {
    adjustStock: (
      _root,
      args: { productId: string; delta: number; reason: MovementReason; reference?: string | null },
      ctx: InventoryContext,
    ) => {
      requireRole(ctx, 'DISPATCHER');
      return ctx.stock.adjustStock(args);
    },
    recordOpeningStock: (_root, args: { productId: string; quantity: number }, ctx: InventoryContext) => {
      requireAdmin(ctx);
      return ctx.stock.openingStock(args);
    },
    setReorderLevel: (_root, args: { productId: string; reorderLevel: number }, ctx: InventoryContext) => {
      requireRole(ctx, 'DISPATCHER');
      return ctx.stock.setReorderLevel(args.productId, args.reorderLevel);
    },
  },

  Product: {
    __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
    inventory: (product: { id: string }, _args, ctx: InventoryContext) =>
      inventoryLoader(ctx).load(product.id),
  },

  StockMovement: {
    id: (movement: StockMovementDoc) => String(movement._id),
    product: (movement: StockMovementDoc) => ({ id: movement.productId }),
    availableDelta: (movement: StockMovementDoc) => movement.delta - movement.reservedDelta,
  },
};
