import { randomUUID } from 'node:crypto';
import { createLogger, createTokenVerifier } from '@novamart/kit';
import { afterEach, describe, expect, it } from 'vitest';
import { createUsersServices } from '../src/services';
import { AccessTokenIssuer } from '../src/services/access-tokens';
import { hashRefreshToken } from '../src/services/refresh-tokens';
import { failure, outcome, serviceBed, type ServiceBed } from './support';

let bed: ServiceBed;
afterEach(() => bed.close());

async function withAccount(overrides: Parameters<typeof serviceBed>[0] = {}) {
  bed = await serviceBed(overrides);
  const user = await bed.services.registration.register({
    email: 'ada@example.com',
    password: 'Analytical1',
    name: 'Ada',
  });
  return user._id.toHexString();
}

const login = (password = 'Analytical1', address: string | null = '203.0.113.5', email = 'ada@example.com') =>
  bed.services.authentication.login(email, password, address);

describe('login', () => {
  it('issues a verifiable 15-minute access token and an opaque refresh token stored only as a hash', async () => {
    const userId = await withAccount();
    const session = await login();
    expect(session.expiresIn).toBe(900);
    expect(session.user).toMatchObject({ email: 'ada@example.com', role: 'CUSTOMER' });
    expect(session.user).not.toHaveProperty('passwordHash');

    const verifier = createTokenVerifier({ jwks: bed.services.accessTokens.jwks() });
    await expect(verifier.verify(session.accessToken)).resolves.toEqual({
      id: userId,
      role: 'CUSTOMER',
      sessionId: expect.any(String),
    });

    expect(session.refreshToken).toMatch(/^nmrt_[\w-]{43}$/);
    const stored = await bed.conn.collection('refresh_tokens').find().toArray();
    expect(stored).toHaveLength(1);
    expect(stored[0]!.tokenHash).toBe(hashRefreshToken(session.refreshToken));
    expect(JSON.stringify(stored)).not.toContain(session.refreshToken);
  });

  it('answers a wrong password and an unknown email the same way', async () => {
    await withAccount();
    const wrong = await failure(login('Analytical2'));
    const unknown = await failure(login('Analytical1', '203.0.113.5', 'nobody@example.com'));
    expect(wrong).toEqual({ code: 'UNAUTHENTICATED', message: 'Invalid email or password' });
    expect(unknown).toEqual(wrong);
  });

  it('delays the 6th attempt from the address of 5 wrong passwords, even with the right password, but not the owner elsewhere', async () => {
    await withAccount();
    for (let i = 0; i < 5; i++)
      expect((await failure(login(`Wrong${i}pass`, '198.51.100.7'))).code).toBe('UNAUTHENTICATED');
    const refused = await failure(login('Analytical1', '198.51.100.7'));
    expect(refused).toMatchObject({ code: 'RATE_LIMITED' });
    expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    // The owner, from another address, is not locked out by someone else's guesses.
    expect((await login('Analytical1', '203.0.113.44')).user.email).toBe('ada@example.com');
  });

  it('refuses the 21st failure from one address', async () => {
    await withAccount();
    for (let i = 0; i < 20; i++)
      expect((await failure(login('Analytical1', '198.51.100.9', `n${i}@example.com`))).code).toBe(
        'UNAUTHENTICATED',
      );
    expect((await failure(login('Analytical1', '198.51.100.9'))).code).toBe('RATE_LIMITED');
    expect((await login('Analytical1', '198.51.100.10')).user.email).toBe('ada@example.com');
  });

  it('validates the email before counting anything', async () => {
    await withAccount();
    expect(await failure(login('Analytical1', null, 'not an email'))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'email',
    });
    expect(await failure(login('', null))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'password' });
  });

  it('with REQUIRE_EMAIL_VERIFICATION refuses an unverified account until it is verified', async () => {
    await withAccount({ requireEmailVerification: true });
    expect(await failure(login())).toMatchObject({ code: 'FORBIDDEN', reason: 'EMAIL_NOT_VERIFIED' });
    expect(await bed.conn.collection('refresh_tokens').countDocuments()).toBe(0);
    const [event] = await bed.events.waitFor('user.registered');
    await bed.services.registration.verifyEmail('ada@example.com', event!.payload.verificationCode);
    expect((await login()).user.emailVerifiedAt).toBeInstanceOf(Date);
  });

  it('rehashes a password stored with weaker parameters on the next login', async () => {
    const userId = await withAccount();
    const before = (await bed.conn.collection('users').findOne({}))!.passwordHash as string;
    // A second instance on the same database with a stronger profile, as after a cost upgrade.
    const upgraded = await createUsersServices({
      conn: bed.conn,
      logger: createLogger('users-test', { level: 'silent' }),
      signingKey: bed.signingKey,
      accessTokenTtlSeconds: 900,
      refreshTokenTtlMs: 3_600_000,
      throttle: { perAccount: 5, perAddress: 20, windowMs: 60_000 },
      requireEmailVerification: false,
      passwordHashing: { logN: 11, r: 8, p: 1 },
    });
    expect(
      (await upgraded.authentication.login('ada@example.com', 'Analytical1', null)).user._id.toHexString(),
    ).toBe(userId);
    const after = (await bed.conn.collection('users').findOne({}))!.passwordHash as string;
    expect(before).toMatch(/^\$scrypt\$ln=10,/);
    expect(after).toMatch(/^\$scrypt\$ln=11,/);
    // Hashes of either profile keep verifying.
    expect((await login()).user._id.toHexString()).toBe(userId);
  });
});

describe('refresh tokens', () => {
  it('rotates on every use: a new pair each time, the used token no longer works', async () => {
    const userId = await withAccount();
    const first = await login();
    const second = await bed.services.authentication.refresh(first.refreshToken);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(second.user._id.toHexString()).toBe(userId);
    const third = await bed.services.authentication.refresh(second.refreshToken);
    expect(third.refreshToken).not.toBe(second.refreshToken);
  });

  it('revokes the whole family when a rotated token is presented again', async () => {
    await withAccount();
    const stolen = (await login()).refreshToken;
    const legit = await bed.services.authentication.refresh(stolen);
    const otherDevice = await login();

    expect(await failure(bed.services.authentication.refresh(stolen))).toMatchObject({
      code: 'UNAUTHENTICATED',
    });
    // The successor issued to the legitimate client dies with its family...
    expect(await failure(bed.services.authentication.refresh(legit.refreshToken))).toMatchObject({
      code: 'UNAUTHENTICATED',
    });
    // ...while a session from another login is untouched.
    await expect(bed.services.authentication.refresh(otherDevice.refreshToken)).resolves.toBeDefined();
    expect(bed.logs.some((line) => line.includes('refresh token reuse detected'))).toBe(true);
  });

  it('treats simultaneous refreshes with one token as reuse: at most one wins, and no session survives', async () => {
    await withAccount();
    const { refreshToken } = await login();
    const results = await Promise.all(
      [1, 2, 3].map(() => outcome(bed.services.authentication.refresh(refreshToken))),
    );
    // The losers present a token that was just rotated: that is reuse, so the family is revoked.
    const won = results.filter((r) => r.code === 'resolved').length;
    expect(won).toBeLessThanOrEqual(1);
    expect(results.filter((r) => r.code === 'UNAUTHENTICATED')).toHaveLength(3 - won);
    expect(
      await bed.conn.collection('refresh_tokens').countDocuments({ revokedAt: null, rotatedAt: null }),
    ).toBe(0);
  });

  it('carries the current role into the new access token', async () => {
    const userId = await withAccount();
    const { refreshToken } = await login();
    await bed.conn.collection('users').updateOne({}, { $set: { role: 'ADMIN' } });
    const refreshed = await bed.services.authentication.refresh(refreshToken);
    const verifier = createTokenVerifier({ jwks: bed.services.accessTokens.jwks() });
    expect(await verifier.verify(refreshed.accessToken)).toEqual({
      id: userId,
      role: 'ADMIN',
      sessionId: expect.any(String),
    });
  });

  it('refuses unknown, malformed and expired tokens', async () => {
    await withAccount({ refreshTokenTtlMs: 1 });
    const { refreshToken } = await login();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await failure(bed.services.authentication.refresh(refreshToken))).toMatchObject({
      code: 'UNAUTHENTICATED',
    });
    expect(await failure(bed.services.authentication.refresh('nmrt_unknown'))).toMatchObject({
      code: 'UNAUTHENTICATED',
    });
    expect(await failure(bed.services.authentication.refresh('x'.repeat(10_000)))).toMatchObject({
      code: 'UNAUTHENTICATED',
    });
  });
});

describe('logout', () => {
  it('ends the session: its refresh token stops working; a second logout reports nothing to end', async () => {
    await withAccount();
    const first = await login();
    const rotated = await bed.services.authentication.refresh(first.refreshToken);
    expect(await bed.services.authentication.logout(rotated.refreshToken)).toBe(true);
    expect(await failure(bed.services.authentication.refresh(rotated.refreshToken))).toMatchObject({
      code: 'UNAUTHENTICATED',
    });
    expect(await bed.services.authentication.logout(rotated.refreshToken)).toBe(false);
    expect(await bed.services.authentication.logout('nmrt_never-issued')).toBe(false);
  });
});

describe('secrets in logs', () => {
  it('never logs a password, a hash or a refresh token', async () => {
    await withAccount();
    const session = await login();
    await failure(login('WrongPassword9'));
    const rotated = await bed.services.authentication.refresh(session.refreshToken);
    await failure(bed.services.authentication.refresh(session.refreshToken)); // reuse: logged as a warning
    await bed.services.authentication.logout(rotated.refreshToken);

    const hash = (await bed.conn.collection('users').findOne({}))!.passwordHash as string;
    const log = bed.logs.join('\n');
    expect(bed.logs.length).toBeGreaterThan(3);
    for (const secret of [
      'Analytical1',
      'WrongPassword9',
      hash,
      '$scrypt$',
      session.refreshToken,
      rotated.refreshToken,
      'nmrt_',
    ]) {
      expect(log).not.toContain(secret);
    }
  });
});

describe('access tokens of another issuer', () => {
  it('are not accepted in place of ours', async () => {
    await withAccount();
    const other = await serviceBed();
    try {
      const foreign = await new AccessTokenIssuer(other.signingKey, 900).issue({
        id: 'x',
        role: 'ADMIN',
        sessionId: randomUUID(),
      });
      const verifier = createTokenVerifier({ jwks: bed.services.accessTokens.jwks() });
      expect(await failure(verifier.verify(foreign.accessToken))).toMatchObject({ code: 'UNAUTHENTICATED' });
    } finally {
      await other.close();
    }
  });
});
