import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type JSONWebKeySet } from 'jose';
import {
  TOKEN_ALGORITHM,
  TOKEN_AUDIENCE,
  TOKEN_ISSUER,
  createTokenVerifier,
  type TokenVerifier,
  type Viewer,
} from '../auth';

export interface SignOptions {
  /** Lifetime in seconds from now; negative makes an already expired token. Default 900. */
  expiresInSeconds?: number;
  /** Shorthand for a token that expired a minute ago. */
  expired?: boolean;
  issuer?: string;
  audience?: string;
  /** Extra claims, e.g. to test a bad `role`. */
  claims?: Record<string, unknown>;
  /** Registered claims to leave out (`exp`, `iat`, `sub`, `sid`): tokens the verifier must refuse. */
  omit?: readonly ('exp' | 'iat' | 'sub' | 'sid')[];
}

export interface TestTokens {
  /** The public key set, as the users subgraph serves it. */
  jwks: JSONWebKeySet;
  /** A verifier holding `jwks` in memory. */
  verifier: TokenVerifier;
  sign(viewer: Viewer, options?: SignOptions): Promise<string>;
  /** `Authorization` header value for a viewer. */
  bearer(viewer: Viewer, options?: SignOptions): Promise<string>;
  /** Serves `jwks` over HTTP on 127.0.0.1 (port 0), for verifiers built with `{ jwksUrl }`. */
  serveJwks(): Promise<{ url: string; close(): Promise<void> }>;
}

/** A token with one payload character changed: well-formed, signature no longer valid. */
export function tamper(token: string): string {
  const [header, payload, signature] = token.split('.');
  if (!header || !payload || !signature) throw new Error('Not a compact JWS');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  const forged = Buffer.from(JSON.stringify({ ...claims, role: 'ADMIN' }), 'utf8').toString('base64url');
  return `${header}.${forged === payload ? payload.slice(0, -1) + (payload.endsWith('A') ? 'B' : 'A') : forged}.${signature}`;
}

/** A fresh EdDSA key pair and helpers to sign tokens the way the users subgraph does. */
export async function createTestTokens(): Promise<TestTokens> {
  const { publicKey, privateKey } = await generateKeyPair(TOKEN_ALGORITHM, { crv: 'Ed25519' });
  const kid = `test-${Date.now().toString(36)}`;
  const jwks: JSONWebKeySet = {
    keys: [{ ...(await exportJWK(publicKey)), kid, alg: TOKEN_ALGORITHM, use: 'sig' }],
  };

  async function sign(viewer: Viewer, options: SignOptions = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const lifetime = options.expired ? -60 : (options.expiresInSeconds ?? 900);
    const omit = new Set(options.omit ?? []);
    // Every real token belongs to a session; a test may pin it (viewer.sessionId) to revoke it.
    const jwt = new SignJWT({
      role: viewer.role,
      ...(omit.has('sid') ? {} : { sid: viewer.sessionId ?? randomUUID() }),
      ...options.claims,
    })
      .setProtectedHeader({ alg: TOKEN_ALGORITHM, kid })
      .setIssuer(options.issuer ?? TOKEN_ISSUER)
      .setAudience(options.audience ?? TOKEN_AUDIENCE);
    if (!omit.has('sub')) jwt.setSubject(viewer.id);
    if (!omit.has('iat')) jwt.setIssuedAt(now + Math.min(0, lifetime) - 1);
    if (!omit.has('exp')) jwt.setExpirationTime(now + lifetime);
    return jwt.sign(privateKey);
  }

  return {
    jwks,
    verifier: createTokenVerifier({ jwks }),
    sign,
    bearer: async (viewer, options) => `Bearer ${await sign(viewer, options)}`,
    async serveJwks() {
      const server = createServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      return {
        url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
        close: () =>
          new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
      };
    },
  };
}
