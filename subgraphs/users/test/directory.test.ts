import { commandStats, ConfigError, createLogger, runWithRequestId } from '@novamart/kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { adminCredentialsFromConfig, ensureAdmin } from '../src/services/admin-bootstrap';
import { MAX_ADDRESSES } from '../src/services/directory';
import { failure, serviceBed, type ServiceBed } from './support';

let bed: ServiceBed;
beforeEach(async () => {
  bed = await serviceBed();
});
afterEach(() => bed.close());

const register = (email: string) =>
  bed.services.registration.register({ email, password: 'Analytical1' }).then((u) => u._id.toHexString());

const address = {
  name: 'Ada Lovelace',
  line1: '12 St James Sq',
  city: 'London',
  postalCode: 'SW1Y 4JH',
  country: 'gb',
};

describe('users directory', () => {
  it('resolves a batch of ids with one find, in input order, null for unknown and malformed ids', async () => {
    const [a, b] = [await register('a@example.com'), await register('b@example.com')];
    const requestId = `users-batch-${Date.now()}`;
    const found = await runWithRequestId(requestId, () =>
      bed.services.directory.findByIds([b, 'not-an-id', a, '6650f0c2a1b2c3d4e5f60718', b]),
    );
    expect(found.map((u) => u?.email ?? null)).toEqual([
      'b@example.com',
      null,
      'a@example.com',
      null,
      'b@example.com',
    ]);
    expect(commandStats.forRequest(requestId).byCommand).toEqual({ find: 1 });
  });

  it('pages through users oldest first, `after` being the last id seen', async () => {
    const ids = [];
    for (const n of [1, 2, 3, 4, 5]) ids.push(await register(`u${n}@example.com`));
    const first = await bed.services.directory.list({ first: 2 });
    const second = await bed.services.directory.list({ first: 2, after: first.at(-1)!._id.toHexString() });
    const third = await bed.services.directory.list({ first: 2, after: second.at(-1)!._id.toHexString() });
    expect([...first, ...second, ...third].map((u) => u._id.toHexString())).toEqual(ids);
    expect(await failure(bed.services.directory.list({ first: 101 }))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'first',
    });
    expect(await failure(bed.services.directory.list({ first: 10, after: 'page-2' }))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'after',
    });
  });

  it('adds addresses, normalised, up to a limit', async () => {
    const id = await register('a@example.com');
    const added = await bed.services.directory.addAddress(id, address);
    expect(added).toMatchObject({ name: 'Ada Lovelace', country: 'GB', line2: null });
    expect((await bed.services.directory.findById(id))!.addresses.map((a) => a._id.toHexString())).toEqual([
      added._id.toHexString(),
    ]);

    for (let i = 1; i < MAX_ADDRESSES; i++) await bed.services.directory.addAddress(id, address);
    expect(await failure(bed.services.directory.addAddress(id, address))).toMatchObject({
      code: 'BAD_USER_INPUT',
    });
    expect((await bed.services.directory.findById(id))!.addresses).toHaveLength(MAX_ADDRESSES);
  });

  it('refuses a bad address without writing it', async () => {
    const id = await register('a@example.com');
    expect(
      await failure(bed.services.directory.addAddress(id, { ...address, postalCode: ' ' })),
    ).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.postalCode',
    });
    expect((await bed.services.directory.findById(id))!.addresses).toEqual([]);
  });

  it("stores the postal code in its country's form, and none where the country has none", async () => {
    const id = await register('a@example.com');
    const london = await bed.services.directory.addAddress(id, { ...address, postalCode: 'sw1y4jh' });
    const hongKong = { ...address, city: 'Hong Kong', postalCode: '', country: 'hk' };
    const hk = await bed.services.directory.addAddress(id, hongKong);
    expect([london.postalCode, hk.postalCode]).toEqual(['SW1Y 4JH', '']);
    const stored = (await bed.services.directory.findById(id))!.addresses;
    expect(stored.map((a) => [a.country, a.postalCode])).toEqual([
      ['GB', 'SW1Y 4JH'],
      ['HK', ''],
    ]);
    const moved = await bed.services.directory.updateAddress(id, london._id.toHexString(), {
      ...address,
      city: 'Amsterdam',
      postalCode: '1012ab',
      country: 'NL',
    });
    expect(moved.postalCode).toBe('1012 AB');
    expect((await bed.services.directory.findById(id))!.addresses[0]!.postalCode).toBe('1012 AB');
  });
});

describe('roles', () => {
  it('promotes and demotes with user.role_changed, and publishes nothing when the role stays', async () => {
    await register('boss@example.com');
    const bossId = (await bed.services.directory.list({ first: 1 }))[0]!._id.toHexString();
    const id = await register('a@example.com');
    await bed.services.directory.setRole(bossId, 'ADMIN');
    expect((await bed.services.directory.setRole(id, 'ADMIN')).role).toBe('ADMIN');
    expect((await bed.services.directory.setRole(id, 'ADMIN')).role).toBe('ADMIN');
    expect((await bed.services.directory.setRole(id, 'CUSTOMER')).role).toBe('CUSTOMER');
    const events = await bed.events.waitFor('user.role_changed', 3);
    expect(events.map((e) => e.payload)).toEqual([
      { userId: bossId, email: 'boss@example.com', role: 'ADMIN', previousRole: 'CUSTOMER', changedBy: null },
      { userId: id, email: 'a@example.com', role: 'ADMIN', previousRole: 'CUSTOMER', changedBy: null },
      { userId: id, email: 'a@example.com', role: 'CUSTOMER', previousRole: 'ADMIN', changedBy: null },
    ]);
    expect(await bed.events.settled('user.role_changed')).toHaveLength(3);
  });

  it('writes a role and its user.role_changed in one command after reading the account', async () => {
    const id = await register('a@example.com');
    const requestId = `users-set-role-${Date.now()}`;
    const user = await runWithRequestId(requestId, () => bed.services.directory.setRole(id, 'SUPPORT'));
    expect(user.role).toBe('SUPPORT');
    expect(user).not.toHaveProperty('pendingEvents');
    // The read, then the compare-and-set of the role carrying its event (no outbox insert, no
    // commitTransaction: it was five commands); ending the sessions is the distinct and the update.
    expect(commandStats.forRequest(requestId).byCommand).toEqual({
      find: 1,
      findAndModify: 1,
      distinct: 1,
      update: 1,
    });
    const [event] = await bed.events.waitFor('user.role_changed');
    expect(event!.payload).toMatchObject({ userId: id, role: 'SUPPORT', previousRole: 'CUSTOMER' });
  });

  it('never removes the last administrator', async () => {
    const id = await register('a@example.com');
    await bed.services.directory.setRole(id, 'ADMIN');
    expect(await failure(bed.services.directory.setRole(id, 'CUSTOMER'))).toMatchObject({ code: 'CONFLICT' });
    expect((await bed.services.directory.findById(id))!.role).toBe('ADMIN');
  });

  it('answers NOT_FOUND for an unknown user and BAD_USER_INPUT for an unknown role', async () => {
    expect(await failure(bed.services.directory.setRole('6650f0c2a1b2c3d4e5f60718', 'ADMIN'))).toMatchObject({
      code: 'NOT_FOUND',
    });
    expect(await failure(bed.services.directory.setRole('nope', 'ADMIN'))).toMatchObject({
      code: 'NOT_FOUND',
    });
    const id = await register('a@example.com');
    expect(await failure(bed.services.directory.setRole(id, 'ROOT' as never))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'role',
    });
  });
});

describe('admin bootstrap', () => {
  const deps = () => ({
    conn: bed.conn,
    users: bed.services.users,
    passwords: bed.services.passwords,
    logger: createLogger('t', { level: 'silent' }),
  });
  const admin = { email: 'root@example.com', password: 'Bootstrap1' };

  it('creates a verified administrator once, announced as registered without a code', async () => {
    expect(await ensureAdmin(deps(), admin)).toBe('created');
    expect(await ensureAdmin(deps(), admin)).toBe('unchanged');
    const users = await bed.conn.collection('users').find().toArray();
    expect(users).toHaveLength(1);
    expect(users[0]).toMatchObject({
      email: 'root@example.com',
      role: 'ADMIN',
      emailVerifiedAt: expect.any(Date),
    });
    const [event] = await bed.events.waitFor('user.registered');
    expect(event!.payload).toMatchObject({
      email: 'root@example.com',
      role: 'ADMIN',
      verificationCode: null,
      codeExpiresAt: null,
    });
    const session = await bed.services.authentication.login('root@example.com', 'Bootstrap1', null);
    expect(session.user.role).toBe('ADMIN');
  });

  it('promotes an existing account and keeps its password', async () => {
    const id = await register('root@example.com');
    expect(await ensureAdmin(deps(), admin)).toBe('promoted');
    const [event] = await bed.events.waitFor('user.role_changed');
    expect(event!.payload).toEqual({
      userId: id,
      email: 'root@example.com',
      role: 'ADMIN',
      previousRole: 'CUSTOMER',
      changedBy: null,
    });
    expect((await bed.services.authentication.login('root@example.com', 'Analytical1', null)).user.role).toBe(
      'ADMIN',
    );
  });

  it('ends with one administrator when instances start together', async () => {
    const outcomes = await Promise.all([1, 2, 3, 4].map(() => ensureAdmin(deps(), admin)));
    expect(outcomes.filter((o) => o === 'created')).toHaveLength(1);
    expect(await bed.conn.collection('users').countDocuments()).toBe(1);
  });

  it('checks ADMIN_EMAIL and ADMIN_PASSWORD like a registration, naming the variable', () => {
    expect(adminCredentialsFromConfig({})).toBeNull();
    expect(
      adminCredentialsFromConfig({ ADMIN_EMAIL: ' Root@Example.com', ADMIN_PASSWORD: 'Bootstrap1' }),
    ).toEqual(admin);
    const variableOf = (config: Record<string, string>) => {
      try {
        adminCredentialsFromConfig(config);
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as Error).message).not.toContain('weakpass');
        return (error as ConfigError).variables;
      }
      return [];
    };
    expect(variableOf({ ADMIN_EMAIL: 'root@example.com' })).toEqual(['ADMIN_PASSWORD']);
    expect(variableOf({ ADMIN_PASSWORD: 'Bootstrap1' })).toEqual(['ADMIN_EMAIL']);
    expect(variableOf({ ADMIN_EMAIL: 'root', ADMIN_PASSWORD: 'Bootstrap1' })).toEqual(['ADMIN_EMAIL']);
    expect(variableOf({ ADMIN_EMAIL: 'root@example.com', ADMIN_PASSWORD: 'weakpass' })).toEqual([
      'ADMIN_PASSWORD',
    ]);
  });
});
