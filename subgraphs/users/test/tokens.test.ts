import { randomUUID } from 'node:crypto';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTokenVerifier } from '@novamart/kit';
import { tamper } from '@novamart/kit/testing';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { AccessTokenIssuer } from '../src/services/access-tokens';
import { loadSigningKey } from '../src/services/signing-keys';

const dirs: string[] = [];
async function dataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'users-keys-'));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

function codeOf(promise: Promise<unknown>) {
  return promise.then(
    () => 'verified',
    (error: { extensions?: { code?: string } }) => error.extensions?.code,
  );
}

describe('signing keys', () => {
  it('generates the key pair once in DATA_DIR/keys, private to the owner, and reuses it', async () => {
    const dir = await dataDir();
    const first = await loadSigningKey({ dataDir: dir });
    const again = await loadSigningKey({ dataDir: dir });
    expect(again.kid).toBe(first.kid);
    expect(await readdir(join(dir, 'keys'))).toEqual(['users-signing-key.pem']);
    expect((await stat(join(dir, 'keys', 'users-signing-key.pem'))).mode & 0o077).toBe(0);
    expect(first.publicJwk).toMatchObject({
      kty: 'OKP',
      crv: 'Ed25519',
      alg: 'EdDSA',
      use: 'sig',
      kid: first.kid,
    });
    expect(first.publicJwk).not.toHaveProperty('d');
  });

  it('gives instances starting together on one directory the same key', async () => {
    const dir = await dataDir();
    const keys = await Promise.all(Array.from({ length: 6 }, () => loadSigningKey({ dataDir: dir })));
    expect(new Set(keys.map((k) => k.kid)).size).toBe(1);
  });

  it('takes a configured Ed25519 key as PEM or JWK, and refuses other key types', async () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const jwk = JSON.stringify(privateKey.export({ format: 'jwk' }));
    const fromPem = await loadSigningKey({ privateKey: pem, dataDir: '/nonexistent' });
    const fromJwk = await loadSigningKey({ privateKey: jwk, dataDir: '/nonexistent' });
    expect(fromJwk.kid).toBe(fromPem.kid);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ format: 'pem', type: 'pkcs8' })
      .toString();
    await expect(loadSigningKey({ privateKey: rsa, dataDir: '/nonexistent' })).rejects.toThrow(/Ed25519/);
  });
});

describe('AccessTokenIssuer', () => {
  it('issues 15-minute EdDSA tokens with sub and role that the kit verifier accepts through the JWKS', async () => {
    const issuer = new AccessTokenIssuer(await loadSigningKey({ dataDir: await dataDir() }), 900);
    const { accessToken, expiresIn } = await issuer.issue({
      id: '6650f0c2a1b2c3d4e5f60718',
      role: 'ADMIN',
      sessionId: randomUUID(),
    });
    expect(expiresIn).toBe(900);
    const claims = decodeJwt(accessToken);
    expect(claims).toMatchObject({
      sub: '6650f0c2a1b2c3d4e5f60718',
      role: 'ADMIN',
      iss: 'novamart-users',
      aud: 'novamart',
    });
    expect(claims.exp! - claims.iat!).toBe(900);
    expect(decodeProtectedHeader(accessToken)).toMatchObject({
      alg: 'EdDSA',
      kid: issuer.jwks().keys[0]!.kid,
    });

    const verifier = createTokenVerifier({ jwks: issuer.jwks() });
    await expect(verifier.verify(accessToken)).resolves.toEqual({
      id: '6650f0c2a1b2c3d4e5f60718',
      role: 'ADMIN',
      sessionId: expect.any(String),
    });
  });

  it('yields tokens that fail UNAUTHENTICATED when tampered, expired or signed by another key', async () => {
    const key = await loadSigningKey({ dataDir: await dataDir() });
    const verifier = createTokenVerifier({ jwks: new AccessTokenIssuer(key, 900).jwks() });
    const customer = { id: '6650f0c2a1b2c3d4e5f60718', role: 'CUSTOMER' as const, sessionId: randomUUID() };

    const valid = (await new AccessTokenIssuer(key, 900).issue(customer)).accessToken;
    expect(await codeOf(verifier.verify(valid))).toBe('verified');
    expect(await codeOf(verifier.verify(tamper(valid)))).toBe('UNAUTHENTICATED');

    const past = new Date(Date.now() - 3_600_000);
    const expired = (await new AccessTokenIssuer(key, 900, () => past).issue(customer)).accessToken;
    expect(await codeOf(verifier.verify(expired))).toBe('UNAUTHENTICATED');

    const stranger = await loadSigningKey({ dataDir: await dataDir() });
    const foreign = (await new AccessTokenIssuer(stranger, 900).issue(customer)).accessToken;
    expect(await codeOf(verifier.verify(foreign))).toBe('UNAUTHENTICATED');
  });
});
