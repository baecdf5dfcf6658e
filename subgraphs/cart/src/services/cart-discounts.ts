import { badUserInput, type SubgraphClient } from '@novamart/kit';
import { type CartDoc } from '../models/cart';
import { type PricedCart } from './pricing';

/** At most this many codes on one cart. */
export const MAX_DISCOUNT_CODES = 5;

export interface CartDiscount {
  promotionId: string;
  code: string | null;
  description: string;
  amount: number;
  shippingAmount: number;
  freeShipping: boolean;
}

export interface CartDiscountQuote {
  discounts: CartDiscount[];
  discountTotal: number;
  /** Per line of the cart's currency, in the cart's order: what the discounts take off it. */
  lineDiscounts: number[];
  freeShipping: boolean;
  currency: string;
}

const QUOTE = `query CartDiscountQuote($input: DiscountQuoteInput!, $requireCode: String) {
  discountQuote(input: $input, requireCode: $requireCode) {
    discounts { promotionId code description amount shippingAmount freeShipping }
    discountTotal
    lineDiscounts
  }
}`;

/** `Summer-10 ` → `SUMMER-10`: codes are matched without regard to case. */
export function normalizeDiscountCode(code: unknown): string {
  const normalized = typeof code === 'string' ? code.trim().toUpperCase() : '';
  if (normalized === '' || normalized.length > 32) throw badUserInput('Enter a discount code', 'code');
  return normalized;
}

/**
 * A cart's discounts, as the promotions subgraph computes them (through its API: the cart never
 * reads promotions' data). The cart only keeps which codes are applied.
 */
export class CartDiscounts {
  constructor(private readonly promotions: SubgraphClient | null) {}

  /**
   * The discounts of a priced cart. `requireCode` (a code being applied) must apply, or the
   * promotions subgraph's BAD_USER_INPUT on `code` (with its `reason`) is thrown. `shippingAmount`:
   * the charge of the chosen shipping before discounts (checkout passes the same).
   */
  async quote(
    cart: CartDoc,
    priced: PricedCart,
    requireCode?: string,
    shippingAmount = 0,
  ): Promise<CartDiscountQuote> {
    const currency = priced.subtotal.currency;
    const none = { discounts: [], discountTotal: 0, lineDiscounts: [], freeShipping: false, currency };
    if (!this.promotions) {
      if (requireCode) throw badUserInput('Discount codes are not available', 'code');
      return none;
    }
    if (priced.lines.length === 0 && !requireCode) return none;
    const { discountQuote } = await this.promotions.request<{
      discountQuote: { discounts: CartDiscount[]; discountTotal: number; lineDiscounts: number[] };
    }>(QUOTE, {
      input: {
        currency,
        lines: priced.lines
          .filter((line) => line.currency === currency)
          .map(({ productId, quantity, unitAmount }) => ({ productId, quantity, unitAmount })),
        codes: cart.discountCodes ?? [],
        customer: cart.userId ? { userId: cart.userId } : null,
        shippingAmount,
      },
      requireCode: requireCode ?? null,
    });
    const freeShipping = discountQuote.discounts.some((discount) => discount.freeShipping);
    return { ...discountQuote, freeShipping, currency };
  }
}
