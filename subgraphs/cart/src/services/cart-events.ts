import { createEvent, type DomainEvent } from '@novamart/events';
import { type CartDoc } from '../models/cart';

/** `cart.updated`: the whole state of a cart after a change; consumers keep the highest revision. */
export interface CartUpdatedPayload {
  cartId: string;
  userId: string | null;
  revision: number;
  lines: { productId: string; quantity: number }[];
  /** ISO 8601; null for a customer's cart. */
  expiresAt: string | null;
  updatedAt: string;
}

export interface CartDeletedPayload {
  cartId: string;
  userId: string | null;
  revision: number;
  reason: 'MERGED';
}

export interface CartItemAddedPayload {
  cartId: string;
  userId: string | null;
  productId: string;
  quantity: number;
}

export function cartUpdated(cart: CartDoc): DomainEvent<CartUpdatedPayload> {
  return createEvent<CartUpdatedPayload>('cart.updated', cart._id, {
    cartId: cart._id,
    userId: cart.userId ?? null,
    revision: cart.revision,
    lines: cart.items.map(({ productId, quantity }) => ({ productId, quantity })),
    expiresAt: cart.expiresAt?.toISOString() ?? null,
    updatedAt: cart.updatedAt.toISOString(),
  });
}

export function cartDeleted(cart: CartDoc, revision: number): DomainEvent<CartDeletedPayload> {
  return createEvent<CartDeletedPayload>('cart.deleted', cart._id, {
    cartId: cart._id,
    userId: cart.userId ?? null,
    revision,
    reason: 'MERGED',
  });
}

export function cartItemAdded(
  cart: CartDoc,
  productId: string,
  quantity: number,
): DomainEvent<CartItemAddedPayload> {
  return createEvent<CartItemAddedPayload>('cart.item_added', cart._id, {
    cartId: cart._id,
    userId: cart.userId ?? null,
    productId,
    quantity,
  });
}
