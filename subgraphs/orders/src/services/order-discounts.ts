import {
  createStep,
  currentRequestId,
  runWithRequestId,
  type Logger,
  type SubgraphClient,
} from '@novamart/kit';
import { type OrderDiscount, type OrderDoc } from '../models/order';
import { type ShippingAndTax } from './shipping-quote';
import { type OrderTotals } from './totals';

const REDEEM = `mutation CheckoutRedeem($orderId: ID!, $input: DiscountQuoteInput!) {
  redeemDiscounts(orderId: $orderId, input: $input) {
    discounts { promotionId code description amount shippingAmount freeShipping }
    discountTotal
    lineDiscounts
    shippingDiscount
  }
}`;

const RELEASE = `mutation CheckoutRelease($orderId: ID!, $reason: String!) {
  releaseDiscounts(orderId: $orderId, reason: $reason)
}`;

export interface Redeemed {
  discounts: (OrderDiscount & { freeShipping?: boolean })[];
  discountTotal: number;
  /** Per order line (in `items` order): what the discounts take off it. */
  lineDiscounts: number[];
  shippingDiscount: number;
}

/**
 * The order with its discounts and the shipping and tax re-quoted on the discounted lines
 * (`priced`, `totals`: services/checkout.ts `priceOrder`). An order without discounts is left as
 * it was (no discount fields).
 */
export function withDiscounts(
  order: OrderDoc,
  redeemed: Redeemed,
  priced: ShippingAndTax,
  totals: OrderTotals,
): OrderDoc {
  if (redeemed.discounts.length === 0) return order;
  return {
    ...order,
    items: order.items.map((line, index) => {
      const discountAmount = redeemed.lineDiscounts[index] ?? 0;
      return discountAmount > 0 ? { ...line, discountAmount } : line;
    }),
    discounts: redeemed.discounts.map(({ freeShipping: _free, ...discount }) => discount),
    discountTotal: totals.discountTotal,
    shippingCost: totals.shippingCost,
    shippingDiscount: totals.shippingDiscount,
    shippingMethod: priced.method,
    taxLines: priced.taxLines,
    taxTotal: totals.taxTotal,
    pricesIncludeTax: priced.pricesIncludeTax,
    total: totals.total,
  };
}

/**
 * Checkout's promotions step. The promotions subgraph redeems the cart's codes and the automatic
 * promotions for the order id, atomically and once per order (a retry answers the same
 * redemptions); a code that no longer applies is its BAD_USER_INPUT on `code`, and checkout then
 * fails with it, writing nothing. The compensation gives the uses back when the order is not
 * placed after all (a lost race on the cart, the caller's deadline, any error after the step).
 */
export class OrderDiscounts {
  constructor(
    private readonly promotions: SubgraphClient,
    private readonly logger: Logger,
  ) {}

  readonly redeemStep = createStep(
    'redeem-discounts',
    async (input: { order: OrderDoc; codes: string[]; userId: string | null }): Promise<Redeemed> => {
      const { order } = input;
      const { redeemDiscounts } = await this.promotions.request<{ redeemDiscounts: Redeemed }>(REDEEM, {
        orderId: order._id,
        input: {
          currency: order.currency,
          lines: order.items.map(({ productId, quantity, unitAmount }) => ({
            productId,
            quantity,
            unitAmount,
          })),
          codes: input.codes,
          customer: { userId: input.userId, email: order.email },
          shippingAmount: order.shippingCost,
        },
      });
      return redeemDiscounts;
    },
    async (redeemed, input) => {
      if (redeemed.discounts.length === 0) return;
      await this.release(input.order._id, 'ORDER_NOT_PLACED');
    },
  );

  /**
   * Never throws: a compensation that fails must not hide why checkout failed. The promotions
   * subgraph releases a redemption whose order it never hears of (`order.placed`) on its own.
   */
  async release(orderId: string, reason: string): Promise<void> {
    try {
      // Not bounded by the caller's deadline: giving the uses back matters most when it has passed.
      await runWithRequestId(currentRequestId() ?? orderId, () =>
        this.promotions.request(RELEASE, { orderId, reason }),
      );
    } catch (error) {
      this.logger.warn({ err: error, orderId }, 'could not release the discounts of an order not placed');
    }
  }
}
