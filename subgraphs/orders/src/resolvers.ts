import {
  assertOwnerOrAdmin,
  liveSubscription,
  notFound,
  requireViewer,
  requireAdmin,
  requireRole,
  type SubgraphContext,
  type ResolverMap,
} from '@novamart/kit';
import { orderChannel, userOrdersChannel, type OrderLiveMessage } from './events/live-updates';
import {
  type FulfilmentLine,
  type OrderDiscount,
  type OrderDoc,
  type OrderLine,
  type OrderStatus,
  type ReturnRequest,
  type Shipment,
} from './models/order';
import { type CheckoutService } from './services/checkout';
import { type CheckoutInput } from './services/checkout-input';
import {
  type CreateShipmentInput,
  type Fulfilment,
  type RequestReturnInput,
  type WithOrder,
} from './services/fulfilment';
import { type OrderLifecycle } from './services/lifecycle';
import { lineVariant } from './services/line-amounts';
import { assertCanView, ORDER_READERS, RETURN_HANDLERS } from './services/order-access';
import {
  parsePage,
  parseReturnPage,
  type OrderPage,
  type OrderQueries,
  type UserOrdersKey,
} from './services/order-queries';
import { type ReturnFilter } from './services/return-queue';
import { restockedQuantityOf, type ReceiveReturnLineInput } from './services/returns';
import { amountRefunded } from './services/status-machine';

export interface OrdersContext extends SubgraphContext {
  checkout: CheckoutService;
  lifecycle: OrderLifecycle;
  fulfilment: Fulfilment;
  queries: OrderQueries;
}

function orderLoader(ctx: OrdersContext) {
  return ctx.loaders.get<string, OrderDoc | null>('orders.byId', (ids) => ctx.queries.byIds(ids));
}

function userOrdersLoader(ctx: OrdersContext) {
  return ctx.loaders.get<UserOrdersKey, OrderPage, string>(
    'orders.byUser',
    (keys) => ctx.queries.pagesForUsers(keys),
    {
      cacheKeyFn: (key) => JSON.stringify([key.userId, key.first, key.after]),
    },
  );
}

/** An order the caller may see, or null when there is none; another customer's order is FORBIDDEN. */
async function visibleOrder(id: string, ctx: OrdersContext): Promise<OrderDoc | null> {
  const order = await orderLoader(ctx).load(id);
  if (order) assertCanView(ctx.viewer, order);
  return order;
}

const money = (amount: number, currency: string) => ({ amount, currency });

interface PricedLine extends OrderLine {
  currency: string;
}

interface PricedFulfilmentLine extends Omit<FulfilmentLine, 'restocked' | 'restockedQuantity'> {
  currency: string;
  restocked?: boolean | null;
  restockedQuantity?: number | null;
}

const withOrder = <T>(order: OrderDoc, items: T[] | undefined): WithOrder<T>[] =>
  (items ?? []).map((item) => ({ order, item }));

/** The fields Shipment and Return share: their order, lines and amount in the order's currency. */
const fulfilmentFields = {
  id: ({ item }: WithOrder<{ _id: string }>) => item._id,
  order: ({ order }: WithOrder<unknown>) => order,
  lines: ({ order, item }: WithOrder<{ lines: FulfilmentLine[] }>): PricedFulfilmentLine[] =>
    item.lines.map((line) => ({ ...line, currency: order.currency })),
  amount: ({ order, item }: WithOrder<{ amount: number }>) => money(item.amount, order.currency),
};

/** Fields of a shipment or return served as the item holds them. */
function itemFields<T>(...names: (keyof T & string)[]): Record<string, (parent: WithOrder<T>) => unknown> {
  return Object.fromEntries(names.map((name) => [name, ({ item }: WithOrder<T>) => item[name]]));
}

/** The subgraph's resolver map, typed against its context (as every subgraph's is). */
export type Resolvers = ResolverMap<OrdersContext>;

export const resolvers: Resolvers = {
  Query: {
    order: (_: unknown, args: { id: string }, ctx: OrdersContext) => visibleOrder(args.id, ctx),
    orders: (
      _: unknown,
      args: {
        filter?: { status?: OrderStatus | null; email?: string | null } | null;
        first?: number | null;
        after?: string | null;
      },
      ctx: OrdersContext,
    ) => {
      requireRole(ctx, ...ORDER_READERS);
      return ctx.queries.list(args.filter, parsePage(args));
    },
    returns: (
      _: unknown,
      args: { filter?: ReturnFilter | null; first?: number | null; after?: string | null },
      ctx: OrdersContext,
    ) => {
      requireRole(ctx, ...RETURN_HANDLERS);
      return ctx.queries.returnQueue(args.filter, parseReturnPage(args));
    },
  },
  Mutation: {
    checkout: (_: unknown, args: { input: CheckoutInput }, ctx: OrdersContext) =>
      ctx.checkout.checkout(ctx.viewer, args.input, { authorization: ctx.authorization }),
    cancelOrder: (_: unknown, args: { id: string; reason?: string | null }, ctx: OrdersContext) =>
      ctx.lifecycle.cancel(ctx.viewer, args.id, args.reason),
    markOrderShipped: (
      _: unknown,
      args: { id: string; carrier: string; trackingNumber: string },
      ctx: OrdersContext,
    ) => ctx.lifecycle.markShipped(ctx.viewer, args.id, args.carrier, args.trackingNumber),
    markOrderDelivered: (_: unknown, args: { id: string }, ctx: OrdersContext) =>
      ctx.lifecycle.markDelivered(ctx.viewer, args.id),
    createShipment: (_: unknown, args: { input: CreateShipmentInput }, ctx: OrdersContext) =>
      ctx.fulfilment.createShipment(ctx.viewer, args.input),
    markShipmentDelivered: (_: unknown, args: { shipmentId: string }, ctx: OrdersContext) =>
      ctx.fulfilment.markShipmentDelivered(ctx.viewer, args.shipmentId),
    requestReturn: (_: unknown, args: { input: RequestReturnInput }, ctx: OrdersContext) =>
      ctx.fulfilment.requestReturn(ctx.viewer, args.input),
    approveReturn: (_: unknown, args: { returnId: string; reason?: string | null }, ctx: OrdersContext) =>
      ctx.fulfilment.decideReturn(ctx.viewer, args.returnId, { approve: true, reason: args.reason }),
    rejectReturn: (_: unknown, args: { returnId: string; reason: string }, ctx: OrdersContext) =>
      ctx.fulfilment.decideReturn(ctx.viewer, args.returnId, { approve: false, reason: args.reason }),
    receiveReturn: (
      _: unknown,
      args: { returnId: string; restock: boolean; lines?: ReceiveReturnLineInput[] | null },
      ctx: OrdersContext,
    ) =>
      ctx.fulfilment.receiveReturn(ctx.viewer, args.returnId, args.restock, {
        authorization: ctx.authorization,
        lines: args.lines,
      }),
  },
  Subscription: {
    orderStatusChanged: {
      // Same rule as `order(id:)`: another customer's order is FORBIDDEN, an unknown one NOT_FOUND.
      subscribe: async (_: unknown, args: { orderId: string }, ctx: OrdersContext) => {
        if (!(await visibleOrder(args.orderId, ctx))) throw notFound('Order', { orderId: args.orderId });
        return liveSubscription<OrderLiveMessage>(ctx, orderChannel(args.orderId));
      },
      resolve: (message: OrderLiveMessage) => message,
    },
    myOrderUpdates: {
      subscribe: (_: unknown, __: unknown, ctx: OrdersContext) =>
        liveSubscription<OrderLiveMessage>(ctx, userOrdersChannel(requireViewer(ctx).id)),
      resolve: (message: OrderLiveMessage) => message,
    },
  },
  User: {
    orders: (
      user: { id: string },
      args: { first?: number | null; after?: string | null },
      ctx: OrdersContext,
    ) => {
      assertOwnerOrAdmin(ctx, user.id);
      const page = parsePage(args);
      return userOrdersLoader(ctx).load({ userId: user.id, first: page.first, after: page.after });
    },
  },
  Order: {
    __resolveReference: (ref: { id: string }, ctx: OrdersContext) => visibleOrder(ref.id, ctx),
    id: (order: OrderDoc) => order._id,
    customer: (order: OrderDoc) => (order.userId ? { __typename: 'User', id: order.userId } : null),
    items: (order: OrderDoc): PricedLine[] =>
      order.items.map((line) => ({ ...line, currency: order.currency })),
    subtotal: (order: OrderDoc) => money(order.subtotal, order.currency),
    shippingCost: (order: OrderDoc) => money(order.shippingCost, order.currency),
    total: (order: OrderDoc) => money(order.total, order.currency),
    shippingMethod: (order: OrderDoc) => order.shippingMethod ?? null,
    taxLines: (order: OrderDoc) =>
      (order.taxLines ?? []).map((line) => ({ ...line, amount: money(line.amount, order.currency) })),
    taxTotal: (order: OrderDoc) => money(order.taxTotal ?? 0, order.currency),
    pricesIncludeTax: (order: OrderDoc) => order.pricesIncludeTax ?? false,
    discounts: (order: OrderDoc) =>
      (order.discounts ?? []).map((discount) => ({ ...discount, currency: order.currency })),
    discountTotal: (order: OrderDoc) => money(order.discountTotal ?? 0, order.currency),
    shippingDiscount: (order: OrderDoc) => money(order.shippingDiscount ?? 0, order.currency),
    amountRefunded: (order: OrderDoc) => money(amountRefunded(order), order.currency),
    shippingAddress: (order: OrderDoc) => ({ id: null, ...order.shippingAddress }),
    billingAddress: (order: OrderDoc) => ({ id: null, ...(order.billingAddress ?? order.shippingAddress) }),
    carrier: (order: OrderDoc) => order.carrier ?? null,
    trackingNumber: (order: OrderDoc) => order.trackingNumber ?? null,
    shipments: (order: OrderDoc) => withOrder(order, order.shipments),
    returns: (order: OrderDoc) => withOrder(order, order.returns),
    auditTrail: (order: OrderDoc, _: unknown, ctx: OrdersContext) => {
      requireAdmin(ctx);
      return order.auditTrail ?? [];
    },
  },
  Shipment: {
    ...fulfilmentFields,
    ...itemFields<Shipment>('status', 'carrier', 'trackingNumber', 'trackingUrl', 'shippedAt', 'deliveredAt'),
  },
  Return: {
    ...fulfilmentFields,
    ...itemFields<ReturnRequest>(
      'status',
      'reason',
      'decisionReason',
      'requestedAt',
      'decidedAt',
      'receivedAt',
    ),
    restocked: ({ item }: WithOrder<ReturnRequest>) => item.restock,
    // A line's own choice; a return received before per-line choices: the return's, every line's.
    lines: ({ order, item }: WithOrder<ReturnRequest>): PricedFulfilmentLine[] =>
      item.lines.map((line) => ({
        ...line,
        restocked: line.restocked ?? (item.status === 'RECEIVED' ? item.restock : null),
        restockedQuantity: restockedQuantityOf(item, line),
        currency: order.currency,
      })),
  },
  FulfilmentLine: {
    product: (line: PricedFulfilmentLine) => ({ __typename: 'Product', id: line.productId }),
    variantId: (line: PricedFulfilmentLine) => lineVariant(line),
    variant: (line: PricedFulfilmentLine) => ({ __typename: 'ProductVariant', id: lineVariant(line) }),
    amount: (line: PricedFulfilmentLine) => money(line.amount, line.currency),
    restocked: (line: PricedFulfilmentLine) => line.restocked ?? null,
    restockedQuantity: (line: PricedFulfilmentLine) => line.restockedQuantity ?? null,
  },
  OrderDiscount: {
    amount: (discount: OrderDiscount & { currency: string }) => money(discount.amount, discount.currency),
    shippingAmount: (discount: OrderDiscount & { currency: string }) =>
      money(discount.shippingAmount, discount.currency),
  },
  OrderItem: {
    product: (line: PricedLine) => ({ __typename: 'Product', id: line.productId }),
    variant: (line: PricedLine) => ({ __typename: 'ProductVariant', id: line.variantId ?? line.productId }),
    variantId: (line: PricedLine) => line.variantId ?? line.productId,
    variantTitle: (line: PricedLine) => line.variantTitle ?? 'Default',
    selectedOptions: (line: PricedLine) => line.selectedOptions ?? [],
    unitPrice: (line: PricedLine) => money(line.unitAmount, line.currency),
    lineTotal: (line: PricedLine) => money(line.unitAmount * line.quantity, line.currency),
  },
  OrderStatusUpdate: {
    // Live messages (the subscriptions above, and the gateway's) carry the order's id only.
    order: (update: { order?: OrderDoc; orderId?: string }, _: unknown, ctx: OrdersContext) =>
      update.order ?? (update.orderId ? visibleOrder(update.orderId, ctx) : null),
  },
};
