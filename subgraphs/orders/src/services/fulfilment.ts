import { badUserInput, isAppError, notFound, requireRole, requireViewer, type Viewer } from '@novamart/kit';
import { type OrderDoc, type OrderModel, type ReturnRequest, type Shipment } from '../models/order';
import { type OrderLifecycle } from './lifecycle';
import { type ReturnFollowUp } from './return-follow-up';
import { type QuantityInput } from './line-amounts';
import {
  planReturnDecision,
  planReturnReceived,
  planReturnRequest,
  type ReceiveReturnLineInput,
} from './returns';
import { planShipment, planShipmentDelivered } from './shipments';

export interface CreateShipmentInput {
  orderId: string;
  lines?: QuantityInput[] | null;
  carrier: string;
  trackingNumber: string;
  trackingUrl: string;
}

export interface RequestReturnInput {
  orderId: string;
  lines: QuantityInput[];
  reason: string;
}

/** A shipment or a return with the order it belongs to (GraphQL resolves `order` and money from it). */
export interface WithOrder<T> {
  order: OrderDoc;
  item: T;
}

const MAX_ID = 200;

function idArg(value: string, field: string): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > MAX_ID) {
    throw badUserInput(`${field} is not a valid id`, field);
  }
  return value.trim();
}

/**
 * Shipments (DISPATCHER) and returns (the customer, then SUPPORT) of orders: role checks, then one
 * order command each (`OrderLifecycle.command`: compare-and-set carrying its events on the order),
 * decided by services/shipments.ts and services/returns.ts.
 */
export class Fulfilment {
  private readonly now: () => Date;

  constructor(
    private readonly deps: {
      lifecycle: OrderLifecycle;
      orders: OrderModel;
      returnWindowDays: number;
      /** Hands a received return to inventory and payments before receiveReturn answers; absent in some tests. */
      followUp?: ReturnFollowUp;
      now?: () => Date;
    },
  ) {
    this.now = deps.now ?? (() => new Date());
  }

  async createShipment(viewer: Viewer | null, input: CreateShipmentInput): Promise<WithOrder<Shipment>> {
    const dispatcher = requireRole({ viewer }, 'DISPATCHER');
    const orderId = idArg(input?.orderId, 'input.orderId');
    let shipmentId = '';
    const order = await this.deps.lifecycle.command(orderId, (current) => {
      const planned = planShipment(current, input, { by: dispatcher.id, at: this.now(), prefix: 'input' });
      shipmentId = planned.shipment._id;
      return planned.change;
    });
    return pick(order, order.shipments, shipmentId, 'Shipment');
  }

  async markShipmentDelivered(viewer: Viewer | null, shipmentIdArg: string): Promise<WithOrder<Shipment>> {
    requireRole({ viewer }, 'DISPATCHER');
    return this.deliver(idArg(shipmentIdArg, 'shipmentId'));
  }

  /**
   * The carrier's webhook (webhooks/carrier-webhook.ts): the same delivery, by the carrier; a
   * repeated notice for a delivered shipment changes nothing and says so.
   */
  async deliveredByCarrier(shipmentIdArg: string): Promise<'delivered' | 'duplicate'> {
    const shipmentId = idArg(shipmentIdArg, 'shipmentId');
    try {
      await this.deliver(shipmentId);
      return 'delivered';
    } catch (error) {
      if (
        isAppError(error) &&
        error.extensions.code === 'CONFLICT' &&
        error.extensions.status === 'DELIVERED'
      ) {
        return 'duplicate';
      }
      throw error;
    }
  }

  private async deliver(shipmentId: string): Promise<WithOrder<Shipment>> {
    const orderId = await this.orderHolding('shipments._id', shipmentId, 'Shipment');
    const order = await this.deps.lifecycle.command(orderId, (current) =>
      planShipmentDelivered(current, shipmentId, this.now()),
    );
    return pick(order, order.shipments, shipmentId, 'Shipment');
  }

  async requestReturn(viewer: Viewer | null, input: RequestReturnInput): Promise<WithOrder<ReturnRequest>> {
    const customer = requireViewer({ viewer });
    const orderId = idArg(input?.orderId, 'input.orderId');
    let returnId = '';
    const order = await this.deps.lifecycle.command(orderId, (current) => {
      const planned = planReturnRequest(current, customer, input, {
        at: this.now(),
        windowDays: this.deps.returnWindowDays,
      });
      returnId = planned.request._id;
      return planned.change;
    });
    return pick(order, order.returns, returnId, 'Return');
  }

  /** SUPPORT: approve (reason optional) or reject (reason required) a requested return. */
  async decideReturn(
    viewer: Viewer | null,
    returnIdArg: string,
    decision: { approve: boolean; reason: string | null | undefined },
  ): Promise<WithOrder<ReturnRequest>> {
    const support = requireRole({ viewer }, 'SUPPORT');
    const returnId = idArg(returnIdArg, 'returnId');
    const orderId = await this.orderHolding('returns._id', returnId, 'Return');
    const order = await this.deps.lifecycle.command(orderId, (current) =>
      planReturnDecision(current, returnId, { ...decision, by: support.id, at: this.now() }),
    );
    return pick(order, order.returns, returnId, 'Return');
  }

  /**
   * SUPPORT or DISPATCHER: the returned parcel arrived, each line back in stock or written off
   * (`options.lines`, else `restock`). Once it is committed RECEIVED (with `return.received`),
   * inventory restocks the lines marked and payments refunds it: asked
   * at once with the caller's authorization (services/return-follow-up.ts), so the next read sees
   * both, and by the event in any case.
   */
  async receiveReturn(
    viewer: Viewer | null,
    returnIdArg: string,
    restock: boolean,
    options: { authorization?: string | null; lines?: readonly ReceiveReturnLineInput[] | null } = {},
  ): Promise<WithOrder<ReturnRequest>> {
    const receiver = requireRole({ viewer }, 'SUPPORT', 'DISPATCHER');
    const returnId = idArg(returnIdArg, 'returnId');
    const orderId = await this.orderHolding('returns._id', returnId, 'Return');
    const order = await this.deps.lifecycle.command(orderId, (current) =>
      planReturnReceived(current, returnId, {
        by: receiver.id,
        restock,
        lines: options.lines,
        at: this.now(),
      }),
    );
    const received = pick(order, order.returns, returnId, 'Return');
    if (!this.deps.followUp) return received;
    await this.deps.followUp.afterReceived(order, received.item, options.authorization ?? null);
    // Read again: the order now holds the refund payments answered.
    const current = await this.deps.orders.findById(orderId).lean<OrderDoc>().exec();
    return current ? pick(current, current.returns, returnId, 'Return') : received;
  }

  private async orderHolding(path: string, id: string, what: string): Promise<string> {
    const order = await this.deps.orders
      .findOne({ [path]: id }, { _id: 1 })
      .lean<{ _id: string }>()
      .exec();
    if (!order) throw notFound(what, { id });
    return order._id;
  }
}

function pick<T extends { _id: string }>(
  order: OrderDoc,
  items: T[] | undefined,
  id: string,
  what: string,
): WithOrder<T> {
  const item = items?.find((candidate) => candidate._id === id);
  if (!item) throw notFound(what, { id });
  return { order, item };
}
