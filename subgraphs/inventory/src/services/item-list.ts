import { badUserInput, encodeCursor, pageArgs, type PageInfo } from '@novamart/kit';
import { isObjectIdOrHexString, Types } from 'mongoose';
import type { StockItemDoc, StockItemModel } from '../models/stock-item';

/** `inventoryItems`' filter: each given condition must hold. */
export interface InventoryItemFilter {
  /** available at or below the reorder level (true), or above it (false). */
  lowStock?: boolean | null;
  /** Nothing available (true), or something (false). */
  outOfStock?: boolean | null;
  /** A part of the SKU or of the product name, case-insensitive (inventory's copy from product events). */
  search?: string | null;
}

export interface StockItemPage {
  edges: { cursor: string; node: StockItemDoc }[];
  pageInfo: PageInfo;
}

const MAX_ITEMS_PAGE = 100;
const MAX_SEARCH = 100;

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function filterQuery(filter: InventoryItemFilter): Record<string, unknown>[] {
  const and: Record<string, unknown>[] = [];
  if (filter.lowStock != null) {
    const low = { $lte: ['$available', '$reorderLevel'] };
    and.push({ $expr: filter.lowStock ? low : { $not: [low] } });
  }
  if (filter.outOfStock != null) and.push({ available: filter.outOfStock ? { $lte: 0 } : { $gt: 0 } });
  const search = filter.search?.trim() ?? '';
  if (search.length > MAX_SEARCH) {
    throw badUserInput(`search is longer than ${MAX_SEARCH} characters`, 'filter.search');
  }
  if (search !== '') {
    const pattern = { $regex: escapeRegex(search), $options: 'i' };
    and.push({ $or: [{ sku: pattern }, { name: pattern }] });
  }
  return and;
}

/**
 * The stock back office's list: stock items in creation order (`_id`), filtered, one `find` per
 * page. Names and SKUs are inventory's own copies from `product.*` events: it never reads the
 * products database.
 */
export async function listStockItems(
  StockItem: StockItemModel,
  args: { filter?: InventoryItemFilter | null; first?: number | null; after?: string | null },
): Promise<StockItemPage> {
  const { first, after } = pageArgs<{ id: string }>(args, { max: MAX_ITEMS_PAGE, defaultFirst: 50 });
  const and = filterQuery(args.filter ?? {});
  if (after) {
    if (typeof after.id !== 'string' || !isObjectIdOrHexString(after.id)) {
      throw badUserInput('Invalid cursor', 'after');
    }
    and.push({ _id: { $gt: new Types.ObjectId(after.id) } });
  }
  const rows = await StockItem.find(and.length > 0 ? { $and: and } : {})
    .sort({ _id: 1 })
    .limit(first + 1)
    .lean<StockItemDoc[]>()
    .exec();
  const edges = rows
    .slice(0, first)
    .map((node) => ({ cursor: encodeCursor({ id: String(node._id) }), node }));
  return { edges, pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null } };
}
