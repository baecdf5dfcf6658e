import { appError, ErrorCode, unauthenticated } from '@novamart/kit';

/** The same answer for an unknown email and a wrong password, so that login does not reveal accounts. */
export function invalidCredentials() {
  return unauthenticated('Invalid email or password');
}

/** Unknown, expired, rotated and revoked tokens are indistinguishable to the caller. */
export function invalidRefreshToken() {
  return unauthenticated('Refresh token is invalid or expired');
}

export function emailNotVerified() {
  return appError(ErrorCode.FORBIDDEN, 'Email address not verified', { reason: 'EMAIL_NOT_VERIFIED' });
}
