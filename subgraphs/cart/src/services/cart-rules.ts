import { appError, assertMoneyWithin, badUserInput, ErrorCode, outOfStock } from '@novamart/kit';
import { lineKey } from '../models/cart';
import { type KnownProduct } from '../models/catalog-product';

/** Units one cart line may hold. */
export const MAX_LINE_QUANTITY = 99;

export function assertQuantity(quantity: number, { allowZero }: { allowZero: boolean }): void {
  const min = allowZero ? 0 : 1;
  if (!Number.isInteger(quantity) || quantity < min || quantity > MAX_LINE_QUANTITY) {
    throw badUserInput(`quantity must be an integer from ${min} to ${MAX_LINE_QUANTITY}`, 'quantity', {
      min,
      max: MAX_LINE_QUANTITY,
    });
  }
}

export function assertProductId(productId: string): void {
  if (typeof productId !== 'string' || productId.trim() === '')
    throw badUserInput('productId is required', 'productId');
}

/** The line's stock key: the variant given, or the product's default variant (the product's id). */
export function assertVariantId(input: { productId: string; variantId?: string | null }): string {
  if (input.variantId == null) return input.productId;
  if (typeof input.variantId !== 'string' || input.variantId.trim() === '')
    throw badUserInput('variantId must be a variant id', 'variantId');
  return input.variantId;
}

/** The line a cart command names: a product and, optionally, one of its variants. */
export interface CartLineRef {
  cartId?: string | null;
  productId: string;
  variantId?: string | null;
}

/** Checks the product and variant a command names; returns the line's stock key (see `assertVariantId`). */
export function assertLineRef(input: CartLineRef): string {
  assertProductId(input.productId);
  return assertVariantId(input);
}

/**
 * The product (variant) can be put in a cart: the catalog knows it, it is not archived and, when
 * `ofProduct` is given, it is a variant of that product.
 */
export function requireOrderable(
  product: KnownProduct | null,
  productId: string,
  ofProduct?: string,
): KnownProduct {
  if (!product) throw appError(ErrorCode.NOT_FOUND, 'Product not found', { productId });
  if (ofProduct !== undefined && product.productId !== ofProduct) {
    throw badUserInput('The variant belongs to another product', 'variantId', { productId });
  }
  if (!product.active) {
    throw appError(ErrorCode.NOT_FOUND, 'Product is archived and can no longer be ordered', {
      productId,
      reason: 'ARCHIVED',
    });
  }
  return product;
}

/** A line's new total quantity fits the line limit and the stock that is available. */
export function assertLineQuantityFits(product: KnownProduct, quantity: number, inCart: number): void {
  if (quantity > MAX_LINE_QUANTITY) {
    throw badUserInput(`A cart line holds at most ${MAX_LINE_QUANTITY} units`, 'quantity', {
      max: MAX_LINE_QUANTITY,
      inCart,
    });
  }
  if (quantity > product.available) {
    throw outOfStock(`Only ${product.available} of ${product.name} available`, {
      productId: product.productId,
      variantId: product.id,
      available: product.available,
    });
  }
}

/** Every line of a cart is priced in one currency, so that its subtotal is one amount. */
export function assertSameCurrency(product: KnownProduct, cartCurrency: string | null): void {
  if (cartCurrency !== null && product.currency !== cartCurrency) {
    throw badUserInput(
      `The cart is priced in ${cartCurrency}; ${product.name} is priced in ${product.currency}`,
      'productId',
      { productId: product.productId, cartCurrency, productCurrency: product.currency },
    );
  }
}

/**
 * Every line and the subtotal of the cart a change would leave stay within the money limit
 * (`MAX_ORDER_TOTAL`), so that the cart, and the order made from it, can be priced and shown:
 * BAD_USER_INPUT on `field` before anything is written. Lines of products the projection does not
 * know cannot be priced and are left out, as in `priceCart`.
 */
export function assertWithinMoneyLimit(
  items: readonly { productId: string; variantId?: string; quantity: number }[],
  products: ReadonlyMap<string, KnownProduct | null>,
  max: number,
  field: string,
): void {
  let subtotal = 0;
  for (const line of items) {
    const product = products.get(lineKey(line));
    if (!product) continue;
    const lineAmount = product.priceAmount * line.quantity;
    assertMoneyWithin(lineAmount, max, field, `${line.quantity} × ${product.name}`);
    subtotal += lineAmount;
  }
  assertMoneyWithin(subtotal, max, field, 'The cart subtotal');
}
