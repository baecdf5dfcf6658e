import { createTokenVerifier, MemorySessionRevocations, type Viewer } from '@novamart/kit';
import { startEmbeddedMongoForTests } from '@novamart/kit/testing';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { failure, serviceBed, type ServiceBed } from './support';

let bed: ServiceBed;
let revocations: MemorySessionRevocations;
afterEach(() => bed.close());
afterAll(async () => (await startEmbeddedMongoForTests()).stop());

const EMAIL = 'grace@example.com';
const PASSWORD = 'Compiler-1952';
const NEW_PASSWORD = 'Nanosecond-Wire-11';
const HOME = '203.0.113.9';

async function withTwoSessions() {
  revocations = new MemorySessionRevocations();
  bed = await serviceBed({ revocations });
  await bed.services.registration.register({ email: EMAIL, password: PASSWORD, name: 'Grace' });
  const laptop = await bed.services.authentication.login(EMAIL, PASSWORD, HOME);
  const phone = await bed.services.authentication.login(EMAIL, PASSWORD, HOME);
  const verifier = createTokenVerifier({ jwks: bed.services.accessTokens.jwks() });
  const viewer: Viewer = await verifier.verify(laptop.accessToken);
  const other: Viewer = await verifier.verify(phone.accessToken);
  return { laptop, phone, viewer, other, verifier };
}

/** What a change may write: the hash, the refresh tokens, the outbox. */
async function snapshot() {
  const user = await bed.conn.collection('users').findOne({ email: EMAIL });
  const tokens = await bed.conn.collection('refresh_tokens').find().sort({ _id: 1 }).toArray();
  const outbox = await bed.conn.collection('outbox').countDocuments();
  return { hash: user!.passwordHash as string, tokens, outbox };
}

describe('changePassword', () => {
  it('sets the new password, ends every session, answers a new one and publishes user.password_changed', async () => {
    const { laptop, phone, viewer, other, verifier } = await withTwoSessions();
    const session = await bed.services.passwordChange.change(viewer, PASSWORD, NEW_PASSWORD, HOME);

    // The caller's new session works; it is none of the old ones.
    const fresh = await verifier.verify(session.accessToken);
    expect(fresh.id).toBe(viewer.id);
    expect(fresh.sessionId).not.toBe(viewer.sessionId);
    expect(await revocations.isRevoked(fresh.sessionId!)).toBe(false);
    expect((await bed.services.authentication.refresh(session.refreshToken)).user.email).toBe(EMAIL);

    // Both old sessions, the caller's own included, are over: refresh tokens and access tokens.
    for (const old of [laptop, phone])
      expect(await failure(bed.services.authentication.refresh(old.refreshToken))).toMatchObject({
        code: 'UNAUTHENTICATED',
      });
    expect(await revocations.isRevoked(viewer.sessionId!)).toBe(true);
    expect(await revocations.isRevoked(other.sessionId!)).toBe(true);

    expect(await failure(bed.services.authentication.login(EMAIL, PASSWORD, HOME))).toMatchObject({
      code: 'UNAUTHENTICATED',
    });
    expect((await bed.services.authentication.login(EMAIL, NEW_PASSWORD, HOME)).user.email).toBe(EMAIL);

    const [event] = await bed.events.waitFor('user.password_changed');
    expect(event!.payload).toEqual({
      userId: viewer.id,
      email: EMAIL,
      name: 'Grace',
      changedAt: expect.any(String),
    });
    expect(JSON.stringify(event)).not.toContain(NEW_PASSWORD);
    expect(bed.logs.join('\n')).not.toContain(NEW_PASSWORD);
  });

  it('on a wrong current password, a weak new one or the same one, answers BAD_USER_INPUT and writes nothing', async () => {
    const { viewer, other } = await withTwoSessions();
    const before = await snapshot();
    const change = (current: string, next: string) =>
      failure(bed.services.passwordChange.change(viewer, current, next, HOME));
    expect(await change('Not-the-password-1', NEW_PASSWORD)).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'currentPassword',
    });
    expect(await change(PASSWORD, 'short1A')).toMatchObject({ code: 'BAD_USER_INPUT', field: 'newPassword' });
    expect(await change(PASSWORD, 'Password123')).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'newPassword',
    });
    expect(await change(PASSWORD, PASSWORD)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'newPassword' });
    expect(await change('', NEW_PASSWORD)).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'currentPassword',
    });
    expect(await snapshot()).toEqual(before);
    expect(await revocations.isRevoked(viewer.sessionId!)).toBe(false);
    expect(await revocations.isRevoked(other.sessionId!)).toBe(false);
    expect(await bed.events.settled('user.password_changed')).toHaveLength(0);
  });

  it('counts wrong current passwords with login: the 6th try from that address waits, the owner elsewhere does not', async () => {
    const { viewer } = await withTwoSessions();
    for (let i = 0; i < 5; i++)
      expect(
        (await failure(bed.services.passwordChange.change(viewer, `Guess-number-${i}`, NEW_PASSWORD, HOME)))
          .field,
      ).toBe('currentPassword');
    expect(
      await failure(bed.services.passwordChange.change(viewer, PASSWORD, NEW_PASSWORD, HOME)),
    ).toMatchObject({ code: 'RATE_LIMITED' });
    // The same (account, address) pair as login: guessing here slows login there too.
    expect(await failure(bed.services.authentication.login(EMAIL, PASSWORD, HOME))).toMatchObject({
      code: 'RATE_LIMITED',
    });
    const elsewhere = await bed.services.passwordChange.change(
      viewer,
      PASSWORD,
      NEW_PASSWORD,
      '198.51.100.40',
    );
    expect(elsewhere.user.email).toBe(EMAIL);
  });

  it('of two concurrent changes from the same password, one wins and the other writes nothing', async () => {
    const { viewer } = await withTwoSessions();
    const results = await Promise.allSettled([
      bed.services.passwordChange.change(viewer, PASSWORD, 'First-choice-Passw0rd', HOME),
      bed.services.passwordChange.change(viewer, PASSWORD, 'Second-choice-Passw0rd', HOME),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect((lost.reason as { extensions: { code: string } }).extensions.code).toBe('CONFLICT');
    const winner = (won[0] as PromiseFulfilledResult<{ refreshToken: string }>).value;
    // The loser's session was not started: only the winner's refresh token is live.
    const live = await bed.conn.collection('refresh_tokens').find({ revokedAt: null }).toArray();
    expect(live).toHaveLength(1);
    expect((await bed.services.authentication.refresh(winner.refreshToken)).user.email).toBe(EMAIL);
    expect(await bed.events.settled('user.password_changed')).toHaveLength(1);
  });

  it('answers success once committed even when the ended sessions cannot be announced (change and reset alike)', async () => {
    bed = await serviceBed({
      revocations: {
        revoke: async () => {
          throw new Error('Redis is down');
        },
        isRevoked: async () => false,
      },
    });
    await bed.services.registration.register({ email: EMAIL, password: PASSWORD, name: 'Grace' });
    const old = await bed.services.authentication.login(EMAIL, PASSWORD, HOME);
    const viewer = await createTokenVerifier({ jwks: bed.services.accessTokens.jwks() }).verify(
      old.accessToken,
    );
    const changed = await bed.services.passwordChange.change(viewer, PASSWORD, NEW_PASSWORD, HOME);
    expect(changed.user.email).toBe(EMAIL);
    // The database half happened: the old refresh token is dead, the new one works.
    expect(await failure(bed.services.authentication.refresh(old.refreshToken))).toMatchObject({
      code: 'UNAUTHENTICATED',
    });
    const renewed = await bed.services.authentication.refresh(changed.refreshToken);

    await bed.services.passwordReset.request(EMAIL, HOME);
    const [requested] = await bed.events.waitFor('user.password_reset_requested');
    await bed.services.passwordReset.reset(requested!.payload.resetToken, 'Third-Passw0rd-ok');
    expect(await failure(bed.services.authentication.refresh(renewed.refreshToken))).toMatchObject({
      code: 'UNAUTHENTICATED',
    });
    expect(bed.logs.filter((line) => line.includes('ended sessions could not be announced'))).toHaveLength(2);
  });
});
