import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors as joseErrors,
  jwtVerify,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
} from 'jose';
import { ROLES } from '@novamart/events';
import { forbidden, unauthenticated } from './errors';

/**
 * The roles a user can hold (docs/architecture.md "Roles and permissions" has the table of who may
 * do what). Staff roles are narrow on purpose: SUPPORT looks after customers and returns, FINANCE
 * approves payments and refunds, DISPATCHER ships; ADMIN may do everything.
 */
export { ROLES };
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}
export interface Viewer {
  id: string;
  role: Role;
  /** The session (`sid` claim) the token belongs to; ended sessions are refused (see sessions.ts). */
  sessionId?: string;
}

export const TOKEN_ISSUER = 'novamart-users';
export const TOKEN_AUDIENCE = 'novamart';
export const TOKEN_ALGORITHM = 'EdDSA';

export type TokenVerifierOptions =
  /** The users subgraph's `/.well-known/jwks.json`; fetched once, cached, refetched on an unknown `kid`. */
  | { jwksUrl: string; cacheMaxAgeMs?: number; cooldownMs?: number }
  /** A key set held in memory: tests, and the all-in-one process where users made the keys. */
  | { jwks: JSONWebKeySet }
  | { getKey: JWTVerifyGetKey };

export interface TokenVerifier {
  /** The viewer a token stands for; UNAUTHENTICATED when it is invalid, tampered or expired. */
  verify(token: string): Promise<Viewer>;
  /** Reads an `Authorization` header: null when absent, the viewer, or UNAUTHENTICATED. */
  viewerFromAuthorization(header: string | undefined | null): Promise<Viewer | null>;
}

function keySource(options: TokenVerifierOptions): JWTVerifyGetKey {
  if ('getKey' in options) return options.getKey;
  if ('jwks' in options) return createLocalJWKSet(options.jwks);
  return createRemoteJWKSet(new URL(options.jwksUrl), {
    cacheMaxAge: options.cacheMaxAgeMs ?? 10 * 60_000,
    cooldownDuration: options.cooldownMs ?? 30_000,
  });
}

// The token was checked and is not acceptable. Anything else (the JWKS endpoint unreachable)
// is our failure, not the caller's, and surfaces as an internal error.
function isTokenRejection(error: unknown): boolean {
  return (
    error instanceof joseErrors.JWTExpired ||
    error instanceof joseErrors.JWTClaimValidationFailed ||
    error instanceof joseErrors.JWTInvalid ||
    error instanceof joseErrors.JWSInvalid ||
    error instanceof joseErrors.JWSSignatureVerificationFailed ||
    error instanceof joseErrors.JWKSNoMatchingKey ||
    error instanceof joseErrors.JOSEAlgNotAllowed ||
    error instanceof joseErrors.JOSENotSupported
  );
}

export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const getKey = keySource(options);

  async function verify(token: string): Promise<Viewer> {
    let payload;
    try {
      ({ payload } = await jwtVerify(token, getKey, {
        issuer: TOKEN_ISSUER,
        audience: TOKEN_AUDIENCE,
        algorithms: [TOKEN_ALGORITHM],
        // A token without an expiry would be good forever; without a session it could not be revoked.
        requiredClaims: ['exp', 'iat', 'sub', 'sid'],
      }));
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) throw unauthenticated('Token expired');
      if (isTokenRejection(error)) throw unauthenticated('Invalid token');
      throw error;
    }
    const { sub, role, sid } = payload;
    if (typeof sub !== 'string' || sub === '' || typeof sid !== 'string' || sid === '' || !isRole(role)) {
      throw unauthenticated('Invalid token');
    }
    return { id: sub, role, sessionId: sid };
  }

  return {
    verify,
    async viewerFromAuthorization(header) {
      if (header == null || header === '') return null;
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (!match?.[1]) throw unauthenticated('Authorization header must be "Bearer <token>"');
      return verify(match[1]);
    },
  };
}

interface WithViewer {
  viewer: Viewer | null;
}

export function requireViewer(ctx: WithViewer): Viewer {
  if (!ctx.viewer) throw unauthenticated();
  return ctx.viewer;
}

export function requireAdmin(ctx: WithViewer): Viewer {
  const viewer = requireViewer(ctx);
  if (viewer.role !== 'ADMIN') throw forbidden('Administrator role required');
  return viewer;
}

/**
 * The caller holds one of `roles`; ADMIN always passes. FORBIDDEN names the roles that may, so a
 * staff member knows whom to ask.
 */
export function requireRole(ctx: WithViewer, ...roles: Role[]): Viewer {
  const viewer = requireViewer(ctx);
  if (viewer.role !== 'ADMIN' && !roles.includes(viewer.role)) {
    throw forbidden(`Requires one of the roles ${[...new Set<Role>([...roles, 'ADMIN'])].join(', ')}`);
  }
  return viewer;
}

/** The contract's OWNER rule: the caller's own data, or any data for an ADMIN. */
export function assertOwnerOrAdmin(ctx: WithViewer, ownerId: string | null | undefined): Viewer {
  const viewer = requireViewer(ctx);
  if (viewer.role !== 'ADMIN' && (ownerId == null || String(ownerId) !== viewer.id)) throw forbidden();
  return viewer;
}
