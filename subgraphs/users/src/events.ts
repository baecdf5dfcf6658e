import { createEvent, type DomainEvent, type EventPayload } from '@novamart/events';

/** The events this subgraph publishes (payload version 1, docs/architecture.md). */

// The payloads are the event catalog's (packages/events/src/catalog.ts).

export const userRegistered = (
  p: EventPayload<'user.registered'>,
): DomainEvent<EventPayload<'user.registered'>> => createEvent('user.registered', p.userId, p);

export const userEmailVerified = (
  p: EventPayload<'user.email_verified'>,
): DomainEvent<EventPayload<'user.email_verified'>> => createEvent('user.email_verified', p.userId, p);

export const userRoleChanged = (
  p: EventPayload<'user.role_changed'>,
): DomainEvent<EventPayload<'user.role_changed'>> => createEvent('user.role_changed', p.userId, p);

export const userVerificationRequested = (
  p: EventPayload<'user.verification_requested'>,
): DomainEvent<EventPayload<'user.verification_requested'>> =>
  createEvent('user.verification_requested', p.userId, p);

export const userPasswordResetRequested = (
  p: EventPayload<'user.password_reset_requested'>,
): DomainEvent<EventPayload<'user.password_reset_requested'>> =>
  createEvent('user.password_reset_requested', p.userId, p);

export const userPhoneChanged = (p: EventPayload<'user.phone_changed'>) =>
  createEvent('user.phone_changed', p.userId, p);

export const userWishlistItemAdded = (p: EventPayload<'user.wishlist_item_added'>) =>
  createEvent('user.wishlist_item_added', p.userId, p);

export const userWishlistItemRemoved = (p: EventPayload<'user.wishlist_item_removed'>) =>
  createEvent('user.wishlist_item_removed', p.userId, p);

export const userPasswordChanged = (
  p: EventPayload<'user.password_changed'>,
): DomainEvent<EventPayload<'user.password_changed'>> => createEvent('user.password_changed', p.userId, p);
