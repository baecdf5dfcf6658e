import { type QueryFilter } from 'mongoose';
import { badUserInput, loadByIds, pageArgs, toConnection, type Connection as Page } from '@novamart/kit';
import { ORDER_STATUSES, type OrderDoc, type OrderModel, type OrderStatus } from '../models/order';
import { returnQueuePage, type ReturnCursor, type ReturnFilter, type ReturnPage } from './return-queue';

/** Position of an order in the newest-first order: (createdAt, id). */
export interface OrderCursor {
  c: string;
  id: string;
}

export interface OrderPage extends Page<OrderDoc> {
  totalCount: number;
}

export interface UserOrdersKey {
  userId: string;
  first: number;
  after: OrderCursor | null;
}

export const MAX_PAGE = 100;

const NEWEST_FIRST = { createdAt: -1, _id: -1 } as const;

export function cursorOf(order: Pick<OrderDoc, '_id' | 'createdAt'>): OrderCursor {
  return { c: order.createdAt.toISOString(), id: order._id };
}

/** Orders after `cursor` in the newest-first order. */
export function afterCursor(cursor: OrderCursor | null): QueryFilter<OrderDoc> {
  if (!cursor) return {};
  const at = new Date(cursor.c);
  if (typeof cursor.id !== 'string' || Number.isNaN(at.getTime()))
    throw badUserInput('Invalid cursor', 'after');
  return { $or: [{ createdAt: { $lt: at } }, { createdAt: at, _id: { $lt: cursor.id } }] };
}

export function parsePage(args: { first?: number | null; after?: string | null }) {
  return pageArgs<OrderCursor>(args, { max: MAX_PAGE, defaultFirst: 20 });
}

/** The returns queue's paging: the same sizes as the orders', a (requestedAt, return id) cursor. */
export function parseReturnPage(args: { first?: number | null; after?: string | null }) {
  return pageArgs<ReturnCursor>(args, { max: MAX_PAGE, defaultFirst: 20 });
}

export class OrderQueries {
  constructor(private readonly orders: OrderModel) {}

  byIds(ids: readonly string[]): Promise<(OrderDoc | null)[]> {
    return loadByIds(this.orders, ids);
  }

  /** ADMIN list: one find for the page and one count, whatever the page size. */
  async list(
    filter: { status?: OrderStatus | null; email?: string | null } | null | undefined,
    page: ReturnType<typeof parsePage>,
  ): Promise<OrderPage> {
    const match: QueryFilter<OrderDoc> = {};
    if (filter?.status != null) {
      if (!ORDER_STATUSES.includes(filter.status)) throw badUserInput('Unknown status', 'filter.status');
      match.status = filter.status;
    }
    if (filter?.email != null && filter.email.trim() !== '') match.email = filter.email.trim().toLowerCase();
    const [rows, totalCount] = await Promise.all([
      this.orders
        .find({ ...match, ...afterCursor(page.after) })
        .sort(NEWEST_FIRST)
        .limit(page.first + 1)
        .lean(),
      this.orders.countDocuments(match),
    ]);
    return { ...toConnection(rows, page.first, cursorOf), totalCount };
  }

  /** The returns queue across orders, oldest request first: two aggregations (services/return-queue.ts). */
  returnQueue(
    filter: ReturnFilter | null | undefined,
    page: ReturnType<typeof parseReturnPage>,
  ): Promise<ReturnPage> {
    return returnQueuePage(this.orders, filter, page);
  }

  /**
   * Pages of several customers' orders (a DataLoader batch): one aggregation for the pages and
   * one for the counts. A customer asked for twice with different cursors goes in a later round.
   */
  async pagesForUsers(keys: readonly UserOrdersKey[]): Promise<OrderPage[]> {
    const results: OrderPage[] = new Array(keys.length);
    let pending = keys.map((key, index) => ({ key, index }));
    const counts = await this.countsFor([...new Set(keys.map((key) => key.userId))]);
    while (pending.length > 0) {
      const round: typeof pending = [];
      const later: typeof pending = [];
      const seen = new Set<string>();
      for (const entry of pending) {
        (seen.has(entry.key.userId) ? later : round).push(entry);
        seen.add(entry.key.userId);
      }
      const limit = Math.max(...round.map((entry) => entry.key.first)) + 1;
      const grouped = await this.orders.aggregate<{ _id: string; orders: OrderDoc[] }>([
        { $match: { $or: round.map(({ key }) => ({ userId: key.userId, ...afterCursor(key.after) })) } },
        {
          $group: { _id: '$userId', orders: { $topN: { n: limit, sortBy: NEWEST_FIRST, output: '$$ROOT' } } },
        },
      ]);
      const byUser = new Map(grouped.map((group) => [group._id, group.orders]));
      for (const { key, index } of round) {
        const rows = byUser.get(key.userId) ?? [];
        results[index] = {
          ...toConnection(rows.slice(0, key.first + 1), key.first, cursorOf),
          totalCount: counts.get(key.userId) ?? 0,
        };
      }
      pending = later;
    }
    return results;
  }

  private async countsFor(userIds: string[]): Promise<Map<string, number>> {
    const rows = await this.orders.aggregate<{ _id: string; n: number }>([
      { $match: { userId: { $in: userIds } } },
      { $group: { _id: '$userId', n: { $sum: 1 } } },
    ]);
    return new Map(rows.map((row) => [row._id, row.n]));
  }
}
