import { type PipelineStage } from 'mongoose';
import { badUserInput, toConnection, type Connection as Page } from '@novamart/kit';
import {
  RETURN_STATUSES,
  type OrderDoc,
  type OrderModel,
  type ReturnRequest,
  type ReturnStatus,
} from '../models/order';
import { type WithOrder } from './fulfilment';
import { type parseReturnPage } from './order-queries';

/**
 * The back office's returns queue (`Query.returns`): the returns of every order, of one status or
 * all, oldest request first, so staff work through them in the order customers asked. Returns are
 * embedded in their order (`orders.returns`), so a page is one aggregation that unwinds them, and
 * the total one more: two commands whatever the page size, and each row carries its whole order
 * (Return.order, its email and total cost nothing more).
 */
export interface ReturnFilter {
  status?: ReturnStatus | null;
}

/** Position of a return in the queue: (requestedAt, return id). */
export interface ReturnCursor {
  r: string;
  id: string;
}

export interface ReturnPage extends Page<WithOrder<ReturnRequest>> {
  totalCount: number;
}

const cursorOf = ({ item }: WithOrder<ReturnRequest>): ReturnCursor => ({
  r: item.requestedAt.toISOString(),
  id: item._id,
});

function statusOf(filter: ReturnFilter | null | undefined): ReturnStatus | null {
  const status = filter?.status ?? null;
  if (status !== null && !RETURN_STATUSES.includes(status))
    throw badUserInput('Unknown status', 'filter.status');
  return status;
}

function cursorTime(cursor: ReturnCursor | null): Date | null {
  if (!cursor) return null;
  const at = new Date(cursor.r);
  if (typeof cursor.id !== 'string' || Number.isNaN(at.getTime()))
    throw badUserInput('Invalid cursor', 'after');
  return at;
}

/**
 * The orders holding a return of the queue, before unwinding: `$elemMatch` on (status,
 * requestedAt) walks the index on `returns.status, returns.requestedAt`; without a status, the
 * sparse index on `returns._id` finds the orders that have any return.
 */
function ordersWithReturns(status: ReturnStatus | null, since: Date | null): Record<string, unknown> {
  const returnMatch: Record<string, unknown> = {};
  if (status) returnMatch.status = status;
  if (since) returnMatch.requestedAt = { $gte: since };
  return Object.keys(returnMatch).length > 0
    ? { returns: { $elemMatch: returnMatch } }
    : { 'returns._id': { $exists: true } };
}

/** The unwound returns (`queued`) of the status, after the cursor in the (requestedAt, id) order. */
function queuedAfter(status: ReturnStatus | null, cursor: ReturnCursor | null, since: Date | null) {
  const match: Record<string, unknown> = status ? { 'queued.status': status } : {};
  if (since && cursor) {
    match.$or = [
      { 'queued.requestedAt': { $gt: since } },
      { 'queued.requestedAt': since, 'queued._id': { $gt: cursor.id } },
    ];
  }
  return match;
}

function unwound(status: ReturnStatus | null, cursor: ReturnCursor | null): PipelineStage[] {
  const since = cursorTime(cursor);
  // `queued` is a copy: the order keeps all its returns (Return.order.returns stays whole).
  return [
    { $match: ordersWithReturns(status, since) },
    { $addFields: { queued: '$returns' } },
    { $unwind: '$queued' },
    { $match: queuedAfter(status, cursor, since) },
  ];
}

/** One page of the queue: one aggregation for the rows and one for the total (run together). */
export async function returnQueuePage(
  orders: OrderModel,
  filter: ReturnFilter | null | undefined,
  page: ReturnType<typeof parseReturnPage>,
): Promise<ReturnPage> {
  const status = statusOf(filter);
  const [rows, counted] = await Promise.all([
    orders.aggregate<OrderDoc & { queued: ReturnRequest }>([
      ...unwound(status, page.after),
      { $sort: { 'queued.requestedAt': 1, 'queued._id': 1 } },
      { $limit: page.first + 1 },
    ]),
    orders.aggregate<{ n: number }>([...unwound(status, null), { $count: 'n' }]),
  ]);
  const items = rows.map(({ queued, ...order }) => ({ order: order as OrderDoc, item: queued }));
  return { ...toConnection(items, page.first, cursorOf), totalCount: counted[0]?.n ?? 0 };
}
