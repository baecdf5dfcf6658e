import { GraphQLError } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertOwnerOrAdmin,
  createTokenVerifier,
  requireAdmin,
  requireViewer,
  type TokenVerifier,
} from '../src/index';
import { createTestTokens, tamper, type TestTokens } from '../src/testing/index';

async function rejection(promise: Promise<unknown>): Promise<{ code: unknown; message: string }> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(GraphQLError);
    return { code: (error as GraphQLError).extensions.code, message: (error as GraphQLError).message };
  }
  throw new Error('expected a rejection');
}

const customer = { id: 'u1', role: 'CUSTOMER' as const };
const admin = { id: 'a1', role: 'ADMIN' as const };

describe('token verification', () => {
  let tokens: TestTokens;
  let jwksServer: { url: string; close(): Promise<void> };
  let remote: TokenVerifier;

  beforeAll(async () => {
    tokens = await createTestTokens();
    jwksServer = await tokens.serveJwks();
    remote = createTokenVerifier({ jwksUrl: jwksServer.url });
  });
  afterAll(() => jwksServer.close());

  it('accepts a valid token, in memory and through the JWKS endpoint', async () => {
    const token = await tokens.sign(customer);
    await expect(tokens.verifier.verify(token)).resolves.toEqual(customer);
    await expect(remote.verify(token)).resolves.toEqual(customer);
    await expect(remote.viewerFromAuthorization(`Bearer ${await tokens.sign(admin)}`)).resolves.toEqual(
      admin,
    );
  });

  it('treats a missing header as anonymous', async () => {
    await expect(remote.viewerFromAuthorization(undefined)).resolves.toBeNull();
    await expect(remote.viewerFromAuthorization('')).resolves.toBeNull();
  });

  it('rejects tampered, expired, foreign and malformed tokens as UNAUTHENTICATED', async () => {
    const token = await tokens.sign(customer);
    expect(await rejection(remote.verify(tamper(token)))).toEqual({
      code: 'UNAUTHENTICATED',
      message: 'Invalid token',
    });
    expect(await rejection(remote.verify(await tokens.sign(customer, { expired: true })))).toEqual({
      code: 'UNAUTHENTICATED',
      message: 'Token expired',
    });
    expect(
      (await rejection(remote.verify(await tokens.sign(customer, { issuer: 'someone-else' })))).code,
    ).toBe('UNAUTHENTICATED');
    expect((await rejection(remote.verify(await tokens.sign(customer, { audience: 'other' })))).code).toBe(
      'UNAUTHENTICATED',
    );
    expect(
      (await rejection(remote.verify(await tokens.sign(customer, { claims: { role: 'ROOT' } })))).code,
    ).toBe('UNAUTHENTICATED');
    expect((await rejection(remote.verify('garbage'))).code).toBe('UNAUTHENTICATED');
    expect((await rejection(remote.viewerFromAuthorization(`Basic ${token}`))).code).toBe('UNAUTHENTICATED');
  });

  it('rejects a token signed by another key pair', async () => {
    const stranger = await createTestTokens();
    expect((await rejection(remote.verify(await stranger.sign(admin)))).code).toBe('UNAUTHENTICATED');
  });
});

describe('authorization helpers', () => {
  const code = (fn: () => unknown) => {
    try {
      fn();
      return 'ok';
    } catch (error) {
      return (error as GraphQLError).extensions.code;
    }
  };

  it('enforces the contract rules', () => {
    expect(code(() => requireViewer({ viewer: null }))).toBe('UNAUTHENTICATED');
    expect(requireViewer({ viewer: customer })).toEqual(customer);
    expect(code(() => requireAdmin({ viewer: null }))).toBe('UNAUTHENTICATED');
    expect(code(() => requireAdmin({ viewer: customer }))).toBe('FORBIDDEN');
    expect(code(() => requireAdmin({ viewer: admin }))).toBe('ok');
    expect(code(() => assertOwnerOrAdmin({ viewer: customer }, 'u1'))).toBe('ok');
    expect(code(() => assertOwnerOrAdmin({ viewer: customer }, 'u2'))).toBe('FORBIDDEN');
    expect(code(() => assertOwnerOrAdmin({ viewer: customer }, null))).toBe('FORBIDDEN');
    expect(code(() => assertOwnerOrAdmin({ viewer: admin }, 'u2'))).toBe('ok');
    expect(code(() => assertOwnerOrAdmin({ viewer: null }, 'u1'))).toBe('UNAUTHENTICATED');
  });
});
