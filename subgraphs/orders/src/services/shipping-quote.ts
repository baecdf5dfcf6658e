import { badUserInput, type SubgraphClient } from '@novamart/kit';
import {
  type OrderLine,
  type OrderShippingMethod,
  type OrderTaxLine,
  type ShippingAddress,
} from '../models/order';
import { lineFacts } from './line-facts';

const QUOTE = `query CheckoutShippingQuote($input: ShippingQuoteInput!) {
  shippingQuote(input: $input) {
    method { code name carrier }
    shippingCost { amount }
    shippingDiscount { amount }
    pricesIncludeTax
    taxLines { name rate amount { amount } }
    taxTotal { amount }
  }
}`;

interface QuoteAnswer {
  method: { code: string; name: string; carrier: string | null } | null;
  shippingCost: { amount: number };
  shippingDiscount: { amount: number };
  pricesIncludeTax: boolean;
  taxLines: { name: string; rate: number; amount: { amount: number } }[];
  taxTotal: { amount: number };
}

export interface ShippingAndTax {
  method: OrderShippingMethod;
  shippingCost: number;
  /** Off shippingCost: all of it under a free-shipping promotion. */
  shippingDiscount: number;
  pricesIncludeTax: boolean;
  taxLines: OrderTaxLine[];
  taxTotal: number;
}

/** The method of an order placed without `shippingMethodCode`: the shop's default rule (the kit's `defaultShippingCharge`). */
export const DEFAULT_SHIPPING_METHOD: OrderShippingMethod = {
  code: 'DEFAULT',
  name: 'Standard shipping',
  carrier: null,
};

export interface QuoteRequest {
  lines: readonly OrderLine[];
  /** Per line, in `lines` order: the discount on it (promotions); default none. */
  discounts?: readonly number[];
  /** A free-shipping promotion applies: the whole charge is taken off (and untaxed). */
  freeShipping?: boolean;
  currency: string;
  address: ShippingAddress;
  /** Null: the default method at `defaultShippingCost`. */
  shippingMethodCode: string | null;
  defaultShippingCost: number;
}

/**
 * Checkout's authoritative shipping price and tax: the shipping subgraph's `shippingQuote`, asked
 * over its API (SHIPPING_URL). A method that cannot ship to the address is its BAD_USER_INPUT on
 * `input.shippingMethodCode`, passed on as is.
 */
export class ShippingQuotes {
  constructor(private readonly shipping: SubgraphClient | null) {}

  async quote(request: QuoteRequest): Promise<ShippingAndTax> {
    if (!this.shipping) return this.untaxed(request);
    const { shippingQuote } = await this.shipping.request<{ shippingQuote: QuoteAnswer }>(QUOTE, {
      input: {
        address: request.address,
        currency: request.currency,
        lines: request.lines.map((line, i) => {
          const facts = lineFacts(line);
          return {
            key: String(i),
            amount: line.unitAmount * line.quantity,
            discount: request.discounts?.[i] ?? 0,
            taxClass: facts.taxClass,
            weightGrams: facts.weightGrams * line.quantity,
          };
        }),
        shippingMethodCode: request.shippingMethodCode,
        defaultShippingAmount: request.defaultShippingCost,
        freeShipping: request.freeShipping ?? false,
      },
    });
    return {
      method: shippingQuote.method ?? DEFAULT_SHIPPING_METHOD,
      shippingCost: shippingQuote.shippingCost.amount,
      shippingDiscount: shippingQuote.shippingDiscount.amount,
      pricesIncludeTax: shippingQuote.pricesIncludeTax,
      taxLines: shippingQuote.taxLines.map((line) => ({
        name: line.name,
        rate: line.rate,
        amount: line.amount.amount,
      })),
      taxTotal: shippingQuote.taxTotal.amount,
    };
  }

  /** Without the shipping subgraph (a module's own tests): the default rule, no tax, no methods. */
  private untaxed(request: QuoteRequest): ShippingAndTax {
    if (request.shippingMethodCode !== null)
      throw badUserInput('Shipping methods are not configured on this shop', 'input.shippingMethodCode');
    return {
      method: DEFAULT_SHIPPING_METHOD,
      shippingCost: request.defaultShippingCost,
      shippingDiscount: request.freeShipping ? request.defaultShippingCost : 0,
      pricesIncludeTax: false,
      taxLines: [],
      taxTotal: 0,
    };
  }
}
