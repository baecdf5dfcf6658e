import {
  type AddressInput,
  badUserInput,
  defaultShippingCharge,
  type DefaultShippingRule,
  isAppError,
  type SubgraphClient,
} from '@novamart/kit';
import { lineFacts } from './line-facts';
import { type PricedCart, type PricedLine } from './pricing';
import { cartTotal } from './totals';

const QUOTE = `query CartShippingQuote($input: ShippingQuoteInput!) {
  shippingQuote(input: $input) {
    options { code name carrier type price { amount currency } }
    shippingCost { amount }
    shippingDiscount { amount }
    pricesIncludeTax
    taxLines { name rate amount { amount currency } }
    taxTotal { amount }
  }
}`;

interface MoneyValue {
  amount: number;
  currency: string;
}

export interface CartShippingOption {
  code: string;
  name: string;
  carrier: string | null;
  type: string;
  price: MoneyValue;
}

export interface CartQuote {
  options: CartShippingOption[];
  shippingCost: MoneyValue;
  shippingDiscount: MoneyValue;
  taxLines: { name: string; rate: number; amount: MoneyValue }[];
  taxTotal: MoneyValue;
  /** The zone's prices include its tax (taxLines are then inside the total, not added to it). */
  pricesIncludeTax: boolean;
  total: MoneyValue;
}

/** The shipping subgraph's field names its own input; the cart's fields take `address` and `shippingMethodCode`. */
function cartField(field: unknown): string | null {
  if (typeof field !== 'string') return null;
  if (field.startsWith('input.address')) return field.slice('input.'.length);
  if (field === 'input.shippingMethodCode') return 'shippingMethodCode';
  return null;
}

/** The cart's discounts as the quote needs them (services/cart-discounts.ts). */
export interface QuoteDiscounts {
  /** Per line of the cart's currency (in the cart's order): what the discounts take off it. */
  lineDiscounts: number[];
  discountTotal: number;
  freeShipping: boolean;
}

/** Asks the promotions subgraph for the cart's discounts, given the shipping charge before discounts. */
export type DiscountsFor = (shippingAmount: number) => Promise<QuoteDiscounts>;

type QuoteAnswer = Omit<CartQuote, 'taxTotal' | 'total' | 'shippingCost' | 'shippingDiscount'> & QuoteExtras;

/**
 * The cart's shipping options and tax for an address, from the shipping subgraph's `shippingQuote`
 * (SHIPPING_URL) on the cart's current prices and discounts: the same computation checkout
 * charges, in the same steps (docs/architecture.md, "Totals"): the charge before discounts, the
 * promotions' discounts for it, then the quote on the discounted lines (asked again only when
 * something is discounted). Without a method the preview charges the shop's default shipping rule
 * (SHIPPING_FLAT_RATE below FREE_SHIPPING_THRESHOLD, as checkout charges it, taxed for the address).
 * Without the shipping subgraph there are no options and no tax.
 */
export class CartShippingQuotes {
  constructor(
    private readonly shipping: SubgraphClient | null,
    private readonly defaultShipping: DefaultShippingRule,
  ) {}

  async quote(
    cart: PricedCart,
    address: AddressInput,
    shippingMethodCode: string | null,
    discountsFor: DiscountsFor,
  ): Promise<CartQuote> {
    const { currency } = cart.subtotal;
    // What checkout charges without a method (an empty cart ships nothing).
    const defaultAmount =
      cart.lines.length === 0 ? 0 : defaultShippingCharge(cart.subtotal.amount, this.defaultShipping);
    if (!this.shipping) {
      if (shippingMethodCode)
        throw badUserInput('Shipping methods are not configured on this shop', 'shippingMethodCode');
      const zero = { amount: 0, currency };
      const { discountTotal, freeShipping } = await discountsFor(defaultAmount);
      const shippingDiscount = freeShipping ? defaultAmount : 0;
      const total = cartTotal({
        subtotal: cart.subtotal.amount,
        discountTotal,
        shippingCost: defaultAmount,
        shippingDiscount,
        taxTotal: 0,
        pricesIncludeTax: false,
      });
      return {
        options: [],
        shippingCost: { amount: defaultAmount, currency },
        shippingDiscount: { amount: shippingDiscount, currency },
        taxLines: [],
        taxTotal: zero,
        pricesIncludeTax: false,
        total: { amount: total, currency },
      };
    }
    const lines = cart.lines.filter((line) => line.currency === currency);
    const none: QuoteDiscounts = { lineDiscounts: [], discountTotal: 0, freeShipping: false };
    const ask = (discounts: QuoteDiscounts) =>
      this.ask(lines, currency, address, { shippingMethodCode, defaultAmount }, discounts);
    const before = await ask(none);
    const discounts = await discountsFor(before.shippingCost.amount);
    const discounted = discounts.discountTotal > 0 || discounts.freeShipping;
    const quote = discounted ? await ask(discounts) : before;
    const total = cartTotal({
      subtotal: cart.subtotal.amount,
      discountTotal: discounts.discountTotal,
      shippingCost: quote.shippingCost.amount,
      shippingDiscount: quote.shippingDiscount.amount,
      taxTotal: quote.taxTotal.amount,
      pricesIncludeTax: quote.pricesIncludeTax,
    });
    return {
      options: quote.options,
      shippingCost: { amount: quote.shippingCost.amount, currency },
      shippingDiscount: { amount: quote.shippingDiscount.amount, currency },
      taxLines: quote.taxLines,
      taxTotal: { amount: quote.taxTotal.amount, currency },
      pricesIncludeTax: quote.pricesIncludeTax,
      total: { amount: total, currency },
    };
  }

  private async ask(
    lines: PricedLine[],
    currency: string,
    address: AddressInput,
    shipping: { shippingMethodCode: string | null; defaultAmount: number },
    discounts: QuoteDiscounts,
  ): Promise<QuoteAnswer> {
    try {
      const answer = await this.shipping!.request<{ shippingQuote: QuoteAnswer }>(QUOTE, {
        input: {
          address,
          currency,
          lines: lines.map((line, index) => {
            const facts = lineFacts(line);
            return {
              key: String(index),
              amount: line.lineAmount,
              discount: discounts.lineDiscounts[index] ?? 0,
              taxClass: facts.taxClass,
              weightGrams: facts.weightGrams * line.quantity,
            };
          }),
          shippingMethodCode: shipping.shippingMethodCode,
          defaultShippingAmount: shipping.defaultAmount,
          freeShipping: discounts.freeShipping,
        },
      });
      return answer.shippingQuote;
    } catch (error) {
      const field = isAppError(error) ? cartField(error.extensions.field) : null;
      if (field && isAppError(error))
        throw badUserInput(error.message, field, { ...error.extensions, field });
      throw error;
    }
  }
}

interface QuoteExtras {
  shippingCost: { amount: number };
  shippingDiscount: { amount: number };
  pricesIncludeTax: boolean;
  taxTotal: { amount: number };
}
