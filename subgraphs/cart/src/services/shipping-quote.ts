import { type AddressInput, badUserInput, isAppError, type SubgraphClient } from '@novamart/kit';
import { lineFacts } from './line-facts';
import { type PricedCart } from './pricing';
import { cartTotal } from './totals';

const QUOTE = `query CartShippingQuote($input: ShippingQuoteInput!) {
  shippingQuote(input: $input) {
    options { code name carrier type price { amount currency } }
    shippingCost { amount }
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
  taxLines: { name: string; rate: number; amount: MoneyValue }[];
  taxTotal: MoneyValue;
  total: MoneyValue;
}

/** The shipping subgraph's field names its own input; the cart's fields take `address` and `shippingMethodCode`. */
function cartField(field: unknown): string | null {
  if (typeof field !== 'string') return null;
  if (field.startsWith('input.address')) return field.slice('input.'.length);
  if (field === 'input.shippingMethodCode') return 'shippingMethodCode';
  return null;
}

/**
 * The cart's shipping options and tax for an address, from the shipping subgraph's `shippingQuote`
 * (SHIPPING_URL) on the cart's current prices: the same computation checkout charges. Without a
 * method the preview covers the goods alone (checkout adds the default shipping). Without the
 * shipping subgraph there are no options and no tax.
 */
export class CartShippingQuotes {
  constructor(private readonly shipping: SubgraphClient | null) {}

  async quote(
    cart: PricedCart,
    address: AddressInput,
    shippingMethodCode: string | null,
  ): Promise<CartQuote> {
    const { currency } = cart.subtotal;
    if (!this.shipping) {
      if (shippingMethodCode)
        throw badUserInput('Shipping methods are not configured on this shop', 'shippingMethodCode');
      const zero = { amount: 0, currency };
      return { options: [], taxLines: [], taxTotal: zero, total: cart.subtotal };
    }
    const lines = cart.lines.filter((line) => line.currency === currency);
    let answer: { shippingQuote: Omit<CartQuote, 'taxTotal' | 'total'> & QuoteExtras };
    try {
      answer = await this.shipping.request(QUOTE, {
        input: {
          address,
          currency,
          lines: lines.map((line) => ({
            key: line.productId,
            amount: line.lineAmount,
            taxClass: lineFacts(line.productId).taxClass,
            weightGrams: lineFacts(line.productId).weightGrams * line.quantity,
          })),
          shippingMethodCode,
        },
      });
    } catch (error) {
      const field = isAppError(error) ? cartField(error.extensions.field) : null;
      if (field && isAppError(error))
        throw badUserInput(error.message, field, { ...error.extensions, field });
      throw error;
    }
    const quote = answer.shippingQuote;
    const total = cartTotal({
      subtotal: cart.subtotal.amount,
      shippingCost: quote.shippingCost.amount,
      taxTotal: quote.taxTotal.amount,
      pricesIncludeTax: quote.pricesIncludeTax,
    });
    return {
      options: quote.options,
      taxLines: quote.taxLines,
      taxTotal: { amount: quote.taxTotal.amount, currency },
      total: { amount: total, currency },
    };
  }
}

interface QuoteExtras {
  shippingCost: { amount: number };
  pricesIncludeTax: boolean;
  taxTotal: { amount: number };
}
