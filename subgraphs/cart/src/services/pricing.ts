import { lineKey, type CartDoc } from '../models/cart';
import { type KnownProduct, type TaxClass } from '../models/catalog-product';
import { cartCurrency } from './cart-service';

export interface PricedLine {
  productId: string;
  /** The variant (the default variant's id is the product's). */
  variantId: string;
  quantity: number;
  unitAmount: number;
  lineAmount: number;
  currency: string;
  /** The variant's, for tax (products' `ProductVariant.taxClass`). */
  taxClass: TaxClass;
  /** Per unit, for shipping; 0 when unknown. */
  weightGrams: number;
}

export interface PricedCart {
  lines: PricedLine[];
  itemCount: number;
  subtotal: { amount: number; currency: string };
}

/**
 * Prices a cart at the current catalog prices. A line whose product the projection does not know
 * cannot be priced and is left out (it cannot be added that way, so this only covers a projection
 * rebuilt from scratch). The subtotal is in the cart's currency, `defaultCurrency` when empty.
 */
export function priceCart(
  cart: CartDoc,
  products: Map<string, KnownProduct>,
  defaultCurrency: string,
): PricedCart {
  const currency = cartCurrency(cart, products) ?? defaultCurrency;
  const lines: PricedLine[] = [];
  for (const line of cart.items) {
    const product = products.get(lineKey(line));
    if (!product) continue;
    lines.push({
      productId: line.productId,
      variantId: lineKey(line),
      quantity: line.quantity,
      unitAmount: product.priceAmount,
      lineAmount: product.priceAmount * line.quantity,
      currency: product.currency,
      taxClass: product.taxClass,
      weightGrams: product.weightGrams,
    });
  }
  const inCurrency = lines.filter((line) => line.currency === currency);
  return {
    lines,
    itemCount: lines.reduce((sum, line) => sum + line.quantity, 0),
    subtotal: { amount: inCurrency.reduce((sum, line) => sum + line.lineAmount, 0), currency },
  };
}
