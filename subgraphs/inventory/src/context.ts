import type { SubgraphContext } from '@novamart/kit';
import type { InventoryView, StockService } from './services/stock-service';

export interface InventoryServices {
  stock: StockService;
}

export type InventoryContext = SubgraphContext & InventoryServices;

/** Per-request batching: the inventory of every product a request resolves comes from one find. */
export function inventoryLoader(ctx: InventoryContext) {
  return ctx.loaders.get<string, InventoryView>('inventoryByProductId', (ids) => ctx.stock.inventoryOf(ids));
}

export function variantInventoryLoader(ctx: InventoryContext) {
  return ctx.loaders.get<string, InventoryView>('inventoryByVariantId', (ids) =>
    ctx.stock.variantInventoryOf(ids),
  );
}
