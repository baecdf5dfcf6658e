import { randomUUID } from 'node:crypto';
import { SignJWT, type JSONWebKeySet } from 'jose';
import { TOKEN_ALGORITHM, TOKEN_AUDIENCE, TOKEN_ISSUER, type Role } from '@novamart/kit';
import type { SigningKey } from './signing-keys';

export interface IssuedAccessToken {
  accessToken: string;
  /** Seconds until it expires. */
  expiresIn: number;
}

/** Signs the short-lived access tokens (EdDSA JWT with `sub` and `role`) and publishes the JWKS. */
export class AccessTokenIssuer {
  constructor(
    private readonly key: SigningKey,
    private readonly ttlSeconds: number,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Seconds an access token lives: how long a record of its ended session must be kept. */
  get lifetimeSeconds(): number {
    return this.ttlSeconds;
  }

  /** `sessionId` is the refresh-token family: ending the session revokes the token (`sid` claim). */
  async issue(subject: { id: string; role: Role; sessionId: string }): Promise<IssuedAccessToken> {
    const issuedAt = Math.floor(this.now().getTime() / 1000);
    const accessToken = await new SignJWT({ role: subject.role, sid: subject.sessionId })
      .setProtectedHeader({ alg: TOKEN_ALGORITHM, kid: this.key.kid, typ: 'JWT' })
      .setSubject(subject.id)
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + this.ttlSeconds)
      .setJti(randomUUID())
      .sign(this.key.privateKey);
    return { accessToken, expiresIn: this.ttlSeconds };
  }

  jwks(): JSONWebKeySet {
    return { keys: [this.key.publicJwk] };
  }
}
