import { createEvent, type DomainEvent, type EventPayload } from '@novamart/events';
import { type CartDoc } from '../models/cart';

/** The payloads are the event catalog's (packages/events/src/catalog.ts). */
export function cartUpdated(cart: CartDoc): DomainEvent<EventPayload<'cart.updated'>> {
  return createEvent('cart.updated', cart._id, {
    cartId: cart._id,
    userId: cart.userId ?? null,
    revision: cart.revision,
    lines: cart.items.map(({ productId, variantId, quantity }) => ({
      productId,
      ...(variantId ? { variantId } : {}),
      quantity,
    })),
    expiresAt: cart.expiresAt?.toISOString() ?? null,
    updatedAt: cart.updatedAt.toISOString(),
    // Only when codes are applied (consumers read an absent list as none).
    ...(cart.discountCodes?.length ? { discountCodes: cart.discountCodes } : {}),
  });
}

export function cartDeleted(cart: CartDoc, revision: number): DomainEvent<EventPayload<'cart.deleted'>> {
  return createEvent('cart.deleted', cart._id, {
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
): DomainEvent<EventPayload<'cart.item_added'>> {
  return createEvent('cart.item_added', cart._id, {
    cartId: cart._id,
    userId: cart.userId ?? null,
    productId,
    quantity,
  });
}
