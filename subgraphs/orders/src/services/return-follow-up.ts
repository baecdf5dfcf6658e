import type { Logger, SubgraphClient } from '@novamart/kit';
import type { OrderDoc, ReturnRequest } from '../models/order';
import type { OrderLifecycle } from './lifecycle';
import { restockedQuantityOf } from './returns';

const RESTOCK_RETURN = `mutation RestockReturn($input: ReturnRestockInput!) {
  restockReturn(input: $input) { onHand }
}`;

const REFUND_RETURN = `mutation RefundReturn($input: ReturnRefundInput!) {
  refundReturn(input: $input) { id status amount { amount currency } }
}`;

interface RefundAnswer {
  refundReturn: { id: string; status: string; amount: { amount: number; currency: string } };
}

/**
 * A received return's restock belongs to inventory and its refund to payments. `return.received`
 * carries the return to both, but a moment after receiveReturn answers; so that the client's next
 * request (Product.inventory, Order.amountRefunded, the payment's refunds) sees them, receiveReturn
 * also hands the return to inventory's `restockReturn` and payments' `refundReturn`, as the
 * receiver, once the return is committed RECEIVED, and records on the order a refund payments
 * answers SUCCEEDED (as `refund.succeeded` would, once per refund). Each owner does its part once
 * per return whichever comes first, so the event that follows changes nothing. If an owner cannot
 * be reached (down, or the request's deadline passed) or refuses, the return is still RECEIVED and
 * receiveReturn still answers it: the warning is logged and the event does that part when it is
 * consumed (at-least-once); the calls only make it visible sooner.
 */
export class ReturnFollowUp {
  constructor(
    private readonly deps: {
      inventory: SubgraphClient | null;
      payments: SubgraphClient | null;
      lifecycle: OrderLifecycle;
      logger: Logger;
    },
  ) {}

  async afterReceived(order: OrderDoc, request: ReturnRequest, authorization: string | null): Promise<void> {
    await Promise.all([
      this.restock(order, request, authorization),
      this.refund(order, request, authorization),
    ]);
  }

  private async restock(
    order: OrderDoc,
    request: ReturnRequest,
    authorization: string | null,
  ): Promise<void> {
    // Only the units going back to stock; the written-off ones are not inventory's to know, as
    // return.received leaves them.
    const lines = request.lines
      .map((line) => ({ line, quantity: restockedQuantityOf(request, line) ?? 0 }))
      .filter(({ quantity }) => quantity > 0)
      .map(({ line: { productId, variantId }, quantity }) => ({
        productId,
        ...(variantId ? { variantId } : {}),
        quantity,
      }));
    if (!this.deps.inventory || lines.length === 0) return;
    try {
      await this.deps.inventory.request(
        RESTOCK_RETURN,
        { input: { returnId: request._id, orderId: order._id, restock: true, lines } },
        { authorization },
      );
    } catch (err) {
      this.deps.logger.warn(
        { err, returnId: request._id, orderId: order._id },
        'restock left to return.received',
      );
    }
  }

  private async refund(order: OrderDoc, request: ReturnRequest, authorization: string | null): Promise<void> {
    if (!this.deps.payments || request.amount < 1) return;
    try {
      const { refundReturn: refund } = await this.deps.payments.request<RefundAnswer>(
        REFUND_RETURN,
        {
          input: {
            returnId: request._id,
            orderId: order._id,
            amount: request.amount,
            currency: order.currency,
            approvedBy: request.decidedBy,
          },
        },
        { authorization },
      );
      if (refund.status !== 'SUCCEEDED') return;
      await this.deps.lifecycle.recordRefund({
        refundId: refund.id,
        orderId: order._id,
        amount: refund.amount.amount,
        currency: refund.amount.currency,
      });
    } catch (err) {
      this.deps.logger.warn(
        { err, returnId: request._id, orderId: order._id },
        'refund left to return.received',
      );
    }
  }
}
