import { createEvent, type DomainEvent, type EventPayload } from '@novamart/events';

/** The events this subgraph publishes (payload version 1, docs/architecture.md). */

// The payloads are the event catalog's (packages/events/src/catalog.ts).
export type UserRegisteredPayload = EventPayload<'user.registered'>;
export type UserEmailVerifiedPayload = EventPayload<'user.email_verified'>;
export type UserRoleChangedPayload = EventPayload<'user.role_changed'>;
export type UserVerificationRequestedPayload = EventPayload<'user.verification_requested'>;
export type UserPasswordResetRequestedPayload = EventPayload<'user.password_reset_requested'>;
export type UserPasswordChangedPayload = EventPayload<'user.password_changed'>;

export const userRegistered = (p: UserRegisteredPayload): DomainEvent<UserRegisteredPayload> =>
  createEvent('user.registered', p.userId, p);

export const userEmailVerified = (p: UserEmailVerifiedPayload): DomainEvent<UserEmailVerifiedPayload> =>
  createEvent('user.email_verified', p.userId, p);

export const userRoleChanged = (p: UserRoleChangedPayload): DomainEvent<UserRoleChangedPayload> =>
  createEvent('user.role_changed', p.userId, p);

export const userVerificationRequested = (
  p: UserVerificationRequestedPayload,
): DomainEvent<UserVerificationRequestedPayload> => createEvent('user.verification_requested', p.userId, p);

export const userPasswordResetRequested = (
  p: UserPasswordResetRequestedPayload,
): DomainEvent<UserPasswordResetRequestedPayload> =>
  createEvent('user.password_reset_requested', p.userId, p);

export const userPhoneChanged = (p: EventPayload<'user.phone_changed'>) =>
  createEvent('user.phone_changed', p.userId, p);

export const userWishlistItemAdded = (p: EventPayload<'user.wishlist_item_added'>) =>
  createEvent('user.wishlist_item_added', p.userId, p);

export const userWishlistItemRemoved = (p: EventPayload<'user.wishlist_item_removed'>) =>
  createEvent('user.wishlist_item_removed', p.userId, p);

export const userPasswordChanged = (p: UserPasswordChangedPayload): DomainEvent<UserPasswordChangedPayload> =>
  createEvent('user.password_changed', p.userId, p);
