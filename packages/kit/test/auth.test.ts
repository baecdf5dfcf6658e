import { GraphQLError } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertOwnerOrAdmin,
  createTokenVerifier,
  requireAdmin,
  requireRole,
  requireViewer,
  ROLES,
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

  it('accepts a token of every role', async () => {
    for (const role of ROLES) {
      const token = await tokens.sign({ id: `u-${role}`, role });
      expect((await tokens.verifier.verify(token)).role).toBe(role);
    }
    const unknownRole = await tokens.sign(customer, { claims: { role: 'OWNER' } });
    expect((await rejection(tokens.verifier.verify(unknownRole))).code).toBe('UNAUTHENTICATED');
  });

  it('accepts a valid token, in memory and through the JWKS endpoint', async () => {
    const token = await tokens.sign(customer);
    const session = { sessionId: expect.any(String) };
    await expect(tokens.verifier.verify(token)).resolves.toEqual({ ...customer, ...session });
    await expect(remote.verify(token)).resolves.toEqual({ ...customer, ...session });
    await expect(remote.viewerFromAuthorization(`Bearer ${await tokens.sign(admin)}`)).resolves.toEqual({
      ...admin,
      ...session,
    });
  });

  it('refuses a correctly signed token without exp, iat, sub or sid', async () => {
    for (const claim of ['exp', 'iat', 'sub', 'sid'] as const) {
      const token = await tokens.sign(customer, { omit: [claim] });
      expect(await rejection(remote.verify(token)), claim).toMatchObject({ code: 'UNAUTHENTICATED' });
    }
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

  it('lets a staff role through requireRole only for its own roles, and ADMIN always', () => {
    const finance = { id: 'f1', role: 'FINANCE' as const };
    expect(code(() => requireRole({ viewer: null }, 'FINANCE'))).toBe('UNAUTHENTICATED');
    expect(code(() => requireRole({ viewer: finance }, 'FINANCE'))).toBe('ok');
    expect(code(() => requireRole({ viewer: finance }, 'SUPPORT', 'DISPATCHER'))).toBe('FORBIDDEN');
    expect(code(() => requireRole({ viewer: customer }, 'FINANCE'))).toBe('FORBIDDEN');
    expect(code(() => requireRole({ viewer: admin }, 'FINANCE'))).toBe('ok');
    expect(code(() => requireAdmin({ viewer: finance }))).toBe('FORBIDDEN');
    expect(() => requireRole({ viewer: customer }, 'SUPPORT')).toThrow(
      'Requires one of the roles SUPPORT, ADMIN',
    );
  });
});

describe('session revocation', () => {
  it('refuses an ended session in memory and on Redis (seen by another instance), and keeps the others', async () => {
    const { MemorySessionRevocations, RedisSessionRevocations } = await import('../src/index');
    const { requireRedis, uniqueKeyPrefix } = await import('../src/testing/index');
    const memory = new MemorySessionRevocations();
    await memory.revoke(['s1'], 60);
    expect(await memory.isRevoked('s1')).toBe(true);
    expect(await memory.isRevoked('s2')).toBe(false);

    const redis = await requireRedis();
    const prefix = `${uniqueKeyPrefix('kit-sessions')}:`;
    try {
      const writer = new RedisSessionRevocations(redis, prefix);
      const reader = new RedisSessionRevocations(redis, prefix);
      expect(await reader.isRevoked('s1')).toBe(false);
      await writer.revoke(['s1'], 60);
      // The reader may trust its "not revoked" answer for at most 250 ms: well within a second.
      const deadline = Date.now() + 1000;
      while (!(await reader.isRevoked('s1'))) {
        expect(Date.now()).toBeLessThan(deadline);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(await reader.isRevoked('s2')).toBe(false);
      expect(await redis.ttl(`${prefix}s1`)).toBeGreaterThan(50);
    } finally {
      await redis.del(`${prefix}s1`);
      await redis.quit();
    }
  });

  it('keeps the ended sessions of shops that share a Redis apart, by REDIS_KEY_PREFIX', async () => {
    const { sessionRevocationsFor } = await import('../src/index');
    const { requireRedis, uniqueKeyPrefix } = await import('../src/testing/index');
    const redis = await requireRedis();
    const shopA = uniqueKeyPrefix('kit-shop-a');
    const shopB = uniqueKeyPrefix('kit-shop-b');
    try {
      await sessionRevocationsFor(redis, shopA).revoke(['shared-sid'], 60);
      expect(await sessionRevocationsFor(redis, shopA).isRevoked('shared-sid')).toBe(true);
      expect(await sessionRevocationsFor(redis, shopB).isRevoked('shared-sid')).toBe(false);
      expect(await redis.exists(`${shopA}:sessions:revoked:shared-sid`)).toBe(1);
    } finally {
      await redis.del(`${shopA}:sessions:revoked:shared-sid`);
      await redis.quit();
    }
  });
});
