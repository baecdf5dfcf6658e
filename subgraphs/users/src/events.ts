import { createEvent, type DomainEvent } from '@novamart/events';
import type { Role } from './models/user';

/** The events this subgraph publishes (payload version 1, docs/architecture.md). */

export interface UserRegisteredPayload {
  userId: string;
  email: string;
  name: string | null;
  role: Role;
  /**
   * The code the notifications subgraph mails (EMAIL_VERIFICATION). Null when the address needs no
   * verification: the administrator bootstrapped from ADMIN_EMAIL.
   */
  verificationCode: string | null;
  /** ISO 8601; null together with verificationCode. */
  codeExpiresAt: string | null;
}

export interface UserEmailVerifiedPayload {
  userId: string;
  email: string;
  name: string | null;
}

export interface UserRoleChangedPayload {
  userId: string;
  email: string;
  role: Role;
  previousRole: Role;
  /** The administrator who changed it; null for ADMIN_EMAIL's bootstrap. */
  changedBy: string | null;
}

/** A fresh verification code for an unverified account (requestEmailVerification). */
export interface UserVerificationRequestedPayload {
  userId: string;
  email: string;
  name: string | null;
  verificationCode: string;
  /** ISO 8601. */
  codeExpiresAt: string;
}

/** A password reset link's token for the notifications subgraph to mail (requestPasswordReset). */
export interface UserPasswordResetRequestedPayload {
  userId: string;
  email: string;
  name: string | null;
  resetToken: string;
  /** ISO 8601. */
  expiresAt: string;
}

/** The account's password was changed by its holder (changePassword); notifications tells the owner. */
export interface UserPasswordChangedPayload {
  userId: string;
  email: string;
  name: string | null;
  /** ISO 8601. */
  changedAt: string;
}

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

export const userPasswordChanged = (p: UserPasswordChangedPayload): DomainEvent<UserPasswordChangedPayload> =>
  createEvent('user.password_changed', p.userId, p);
