import { commandStats, createLogger, runWithRequestId } from '@novamart/kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RegistrationService } from '../src/services/registration';
import { SecretHasher } from '../src/services/passwords';
import { ClientThrottle } from '../src/services/client-throttle';
import { MemoryAttemptCounters } from '../src/services/attempt-counters';
import { failure, FAST_HASHING, outcome, serviceBed, type ServiceBed } from './support';

let bed: ServiceBed;
beforeEach(async () => {
  bed = await serviceBed();
});
afterEach(() => bed.close());

const registerAda = () =>
  bed.services.registration.register({ email: '  Ada@Example.com ', password: 'Analytical1', name: ' Ada ' });

describe('register', () => {
  it('creates a customer with a normalised email and only a salted scrypt hash of the password', async () => {
    const user = await registerAda();
    expect(user).toMatchObject({
      email: 'ada@example.com',
      name: 'Ada',
      role: 'CUSTOMER',
      emailVerifiedAt: null,
    });
    expect(user).not.toHaveProperty('passwordHash');
    expect(user).not.toHaveProperty('verification');

    const raw = await bed.conn.collection('users').findOne({ _id: user._id });
    expect(raw?.passwordHash).toMatch(/^\$scrypt\$/);
    expect(JSON.stringify(raw)).not.toContain('Analytical1');
    expect(
      await new SecretHasher(FAST_HASHING.passwordHashing).verify('Analytical1', raw!.passwordHash),
    ).toBe(true);
  });

  it('publishes user.registered with a 6-digit code valid 24 hours, and stores only its hash', async () => {
    const before = Date.now();
    const user = await registerAda();
    const [event] = await bed.events.waitFor('user.registered');
    expect(event!.aggregateId).toBe(user._id.toHexString());
    expect(event!.payload).toEqual({
      userId: user._id.toHexString(),
      email: 'ada@example.com',
      name: 'Ada',
      role: 'CUSTOMER',
      verificationCode: expect.stringMatching(/^\d{6}$/),
      codeExpiresAt: expect.any(String),
    });
    const expiresAt = Date.parse(event!.payload.codeExpiresAt);
    expect(expiresAt - before).toBeGreaterThanOrEqual(24 * 3_600_000);
    expect(expiresAt - Date.now()).toBeLessThanOrEqual(24 * 3_600_000);

    const raw = await bed.conn.collection('users').findOne({ _id: user._id });
    expect(raw?.verification).toMatchObject({ attempts: 0, codeHash: expect.stringMatching(/^\$scrypt\$/) });
    expect(raw?.verification.codeHash).not.toContain(event!.payload.verificationCode);
    // The event (and its code) travels on the account only until it is published, then is pulled off.
    await bed.events.settled('user.registered');
    expect((await bed.conn.collection('users').findOne({ _id: user._id }))?.pendingEvents).toEqual([]);
  });

  it('creates the account and its user.registered in one insert (no outbox insert, no commit)', async () => {
    const requestId = `users-register-${Date.now()}`;
    const user = await runWithRequestId(requestId, registerAda);
    expect(user).not.toHaveProperty('pendingEvents');
    // The duplicate check, the insert carrying the event, the account read back. In a transaction
    // with the outbox it was five: the outbox insert and commitTransaction are gone.
    expect(commandStats.forRequest(requestId).byCommand).toEqual({ find: 2, insert: 1 });
    const [event] = await bed.events.waitFor('user.registered');
    expect(event!.aggregateId).toBe(user._id.toHexString());
  });

  it('refuses a second account for the same address, whatever its case, with CONFLICT', async () => {
    await registerAda();
    const duplicate = await failure(
      bed.services.registration.register({ email: 'ADA@example.COM', password: 'Another1pass' }),
    );
    expect(duplicate).toMatchObject({ code: 'CONFLICT', field: 'input.email' });
    expect(await bed.conn.collection('users').countDocuments()).toBe(1);
    expect(await bed.events.settled('user.registered')).toHaveLength(1);
  });

  it('lets exactly one of several simultaneous registrations of one address through', async () => {
    const attempts = await Promise.all(
      Array.from({ length: 5 }, () =>
        outcome(bed.services.registration.register({ email: 'race@example.com', password: 'Racing-1234' })),
      ),
    );
    expect(attempts.filter((a) => a.code === 'resolved')).toHaveLength(1);
    expect(attempts.filter((a) => a.code === 'CONFLICT')).toHaveLength(4);
    expect(await bed.conn.collection('users').countDocuments()).toBe(1);
    expect(await bed.events.settled('user.registered')).toHaveLength(1);
  });

  it.each([
    [{ email: 'not-an-email', password: 'Analytical1' }, 'input.email'],
    [{ email: 'ada@example.com', password: 'weak' }, 'input.password'],
    [{ email: 'ada@example.com', password: 'nouppercase1' }, 'input.password'],
    [{ email: 'ada@example.com', password: 'Analytical1', name: 'x'.repeat(101) }, 'input.name'],
  ])('refuses %j as BAD_USER_INPUT on %s and writes nothing', async (input, field) => {
    expect(await failure(bed.services.registration.register(input))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field,
    });
    expect(await bed.conn.collection('users').countDocuments()).toBe(0);
    expect(await bed.events.settled('user.registered')).toHaveLength(0);
  });
});

describe('verifyEmail', () => {
  async function registeredWithCode() {
    const user = await registerAda();
    const [event] = await bed.events.waitFor('user.registered');
    return { user, code: event!.payload.verificationCode as string };
  }

  it('verifies with the code from the event and publishes user.email_verified once', async () => {
    const { user, code } = await registeredWithCode();
    const verified = await bed.services.registration.verifyEmail('ADA@example.com', code);
    expect(verified.emailVerifiedAt).toBeInstanceOf(Date);
    expect(verified).not.toHaveProperty('verification');
    const [event] = await bed.events.waitFor('user.email_verified');
    expect(event!.payload).toEqual({ userId: user._id.toHexString(), email: 'ada@example.com', name: 'Ada' });

    // Any code for a verified account is the same error as a wrong code, without data.
    expect(await failure(bed.services.registration.verifyEmail('ada@example.com', code))).toEqual(
      await failure(bed.services.registration.verifyEmail('nobody@example.com', code)),
    );
    expect(await bed.events.settled('user.email_verified')).toHaveLength(1);
    expect((await bed.conn.collection('users').findOne({ _id: user._id }))?.verification).toBeNull();
  });

  it('counts wrong codes and stops accepting the right one after 5 attempts', async () => {
    const { code } = await registeredWithCode();
    const wrong = code === '000000' ? '111111' : '000000';
    const answers = [];
    for (let i = 0; i < 5; i++)
      answers.push(await failure(bed.services.registration.verifyEmail('ada@example.com', wrong)));
    // No attempts-left count: it would tell a stranger that the account exists and is unverified.
    expect(answers.map((a) => [a.code, a.field, a.reason, a.attemptsLeft])).toEqual(
      Array.from({ length: 5 }, () => ['BAD_USER_INPUT', 'code', 'INVALID_CODE', undefined]),
    );
    expect(await failure(bed.services.registration.verifyEmail('ada@example.com', code))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'code',
      reason: 'INVALID_CODE',
    });
    expect(await bed.events.settled('user.email_verified')).toHaveLength(0);
  });

  it('shares the 5 attempts between simultaneous guesses', async () => {
    const { code } = await registeredWithCode();
    const guesses = Array.from({ length: 12 }, (_, i) =>
      String((Number(code) + 1 + i) % 1_000_000).padStart(6, '0'),
    );
    const answers = await Promise.all(
      guesses.map((g) => failure(bed.services.registration.verifyEmail('ada@example.com', g))),
    );
    expect(answers.filter((a) => a.reason === 'INVALID_CODE')).toHaveLength(12);
    const raw = await bed.conn.collection('users').findOne({ email: 'ada@example.com' });
    expect(raw?.verification.attempts).toBe(5);
    expect((await failure(bed.services.registration.verifyEmail('ada@example.com', code))).reason).toBe(
      'INVALID_CODE',
    );
  });

  it('refuses a code older than 24 hours', async () => {
    const { code } = await registeredWithCode();
    const { users, passwords } = bed.services;
    const later = new RegistrationService({
      conn: bed.conn,
      users,
      passwords,
      codes: new SecretHasher(FAST_HASHING.codeHashing),
      throttle: new ClientThrottle(new MemoryAttemptCounters()),
      logger: createLogger('users-test', { level: 'silent' }),
      now: () => new Date(Date.now() + 24 * 3_600_000 + 1_000),
    });
    expect(await failure(later.verifyEmail('ada@example.com', code))).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'INVALID_CODE',
    });
  });

  it('answers an unknown address like a wrong code, and a malformed code as BAD_USER_INPUT', async () => {
    expect(
      await failure(bed.services.registration.verifyEmail('nobody@example.com', '123456')),
    ).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'code',
      reason: 'INVALID_CODE',
    });
    expect(await failure(bed.services.registration.verifyEmail('ada@example.com', '12ab'))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'code',
    });
  });
});
