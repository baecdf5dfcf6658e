import { randomUUID } from 'node:crypto';
import { commandStats } from '@novamart/kit';
import {
  requireRedis,
  startEmbeddedMongoForTests,
  tamper,
  uniqueDbName,
  uniqueKeyPrefix,
} from '@novamart/kit/testing';
import type { Redis } from 'ioredis';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessTokenIssuer } from '../src/services/access-tokens';
import { loadSigningKey } from '../src/services/signing-keys';
import { startUsersServer, type GraphQLResponse, type UsersServer } from './http-support';
import { capturingLogger, tempDir } from './support';

const ADMIN = { email: 'admin@novamart.test', password: 'Admin-Passw0rd' };
const USER_FIELDS =
  'id email name role emailVerified createdAt addresses { id name line1 city postalCode country }';

let server: UsersServer;
let dataDir: Awaited<ReturnType<typeof tempDir>>;
const { logger, lines: logLines } = capturingLogger('users');
/** Every password and refresh token the tests used: none may appear in a log line. */
const secrets = new Set<string>([ADMIN.password]);

beforeAll(async () => {
  dataDir = await tempDir('users-data-');
  server = await startUsersServer({
    env: {
      DATA_DIR: dataDir.path,
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      LOG_LEVEL: 'trace',
    },
    logger,
  });
});
afterAll(async () => {
  await server?.stop();
  await dataDir.remove();
  await (await startEmbeddedMongoForTests()).stop();
});

const codeOf = (response: GraphQLResponse) => response.errors?.[0]?.extensions?.code;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function register(email: string, password = 'Customer-1', name = 'Casey'): Promise<GraphQLResponse> {
  secrets.add(password);
  return server.gql(`mutation($input: RegisterInput!) { register(input: $input) { ${USER_FIELDS} } }`, {
    input: { email, password, name },
  });
}

async function login(email: string, password: string, address = '203.0.113.10'): Promise<GraphQLResponse> {
  secrets.add(password);
  const response = await server.gql(
    `mutation($email: String!, $password: String!) { login(email: $email, password: $password) { accessToken refreshToken expiresIn user { ${USER_FIELDS} } } }`,
    { email, password },
    { 'x-forwarded-for': address },
  );
  if (response.data?.login) secrets.add(response.data.login.refreshToken);
  return response;
}

async function refresh(refreshToken: string): Promise<GraphQLResponse> {
  const response = await server.gql(
    `mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken refreshToken user { id } } }`,
    {
      t: refreshToken,
    },
  );
  if (response.data?.refreshToken) secrets.add(response.data.refreshToken.refreshToken);
  return response;
}

async function customer(email: string): Promise<{ id: string; accessToken: string; refreshToken: string }> {
  const registered = await register(email);
  expect(registered.errors).toBeUndefined();
  const { data } = await login(email, 'Customer-1');
  return {
    id: data.login.user.id,
    accessToken: data.login.accessToken,
    refreshToken: data.login.refreshToken,
  };
}

let adminSession: Promise<string> | undefined;
/** The administrator made at start from ADMIN_EMAIL, signed in once for the whole file. */
function adminToken(): Promise<string> {
  adminSession ??= login(ADMIN.email, ADMIN.password, '203.0.113.250').then(({ data, errors }) => {
    expect(errors).toBeUndefined();
    return data.login.accessToken as string;
  });
  return adminSession;
}

// Every login and registration here pays the production scrypt cost (about 0.3 s of CPU each).
const SLOW = { timeout: 90_000 };

describe('users subgraph over HTTP', SLOW, () => {
  it('serves its public keys at /.well-known/jwks.json', async () => {
    const response = await fetch(new URL('/.well-known/jwks.json', server.running.url));
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toContain('max-age');
    const { keys } = (await response.json()) as { keys: Record<string, string>[] };
    expect(keys).toEqual([
      expect.objectContaining({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', kid: expect.any(String) }),
    ]);
    expect(keys[0]).not.toHaveProperty('d');
  });

  it('register, verify the emailed code, login, me', async () => {
    const registered = await register('  Casey@Example.com', 'Customer-1', 'Casey');
    expect(registered.errors).toBeUndefined();
    const user = registered.data.register;
    expect(user).toMatchObject({
      email: 'casey@example.com',
      name: 'Casey',
      role: 'CUSTOMER',
      emailVerified: false,
      addresses: [],
    });

    const registeredEvent = await server.events.waitForOne(
      'user.registered',
      (e) => e.payload.userId === user.id,
    );
    expect(registeredEvent.payload).toMatchObject({
      email: 'casey@example.com',
      name: 'Casey',
      role: 'CUSTOMER',
    });
    const verified = await server.gql(
      `mutation($e: String!, $c: String!) { verifyEmail(email: $e, code: $c) { id emailVerified } }`,
      {
        e: 'casey@example.com',
        c: registeredEvent.payload.verificationCode,
      },
    );
    expect(verified.data.verifyEmail).toEqual({ id: user.id, emailVerified: true });
    const verifiedEvent = await server.events.waitForOne(
      'user.email_verified',
      (e) => e.payload.userId === user.id,
    );
    expect(verifiedEvent.payload).toEqual({ userId: user.id, email: 'casey@example.com', name: 'Casey' });

    const { data, errors } = await login('casey@example.com', 'Customer-1');
    expect(errors).toBeUndefined();
    expect(data.login.expiresIn).toBe(900);
    expect(decodeJwt(data.login.accessToken)).toMatchObject({
      sub: user.id,
      role: 'CUSTOMER',
      iss: 'novamart-users',
      aud: 'novamart',
    });

    const me = await server.gql(`{ me { ${USER_FIELDS} } }`, {}, bearer(data.login.accessToken));
    expect(me.data.me).toMatchObject({ id: user.id, email: 'casey@example.com', emailVerified: true });
    expect((await server.gql(`{ me { id } }`)).data).toEqual({ me: null });
  });

  it('rotates refresh tokens, revokes the family on reuse, and logs out', async () => {
    const session = await customer('rotate@example.com');
    const rotated = await refresh(session.refreshToken);
    expect(rotated.errors).toBeUndefined();
    expect(rotated.data.refreshToken.user.id).toBe(session.id);
    const next = rotated.data.refreshToken.refreshToken as string;
    expect(next).not.toBe(session.refreshToken);

    // The old token again: reuse, which ends the family, including the token just issued.
    expect(codeOf(await refresh(session.refreshToken))).toBe('UNAUTHENTICATED');
    expect(codeOf(await refresh(next))).toBe('UNAUTHENTICATED');

    const again = await customer('rotate2@example.com');
    const logout = `mutation($t: String!) { logout(refreshToken: $t) }`;
    expect((await server.gql(logout, { t: again.refreshToken })).data).toEqual({ logout: true });
    expect(codeOf(await refresh(again.refreshToken))).toBe('UNAUTHENTICATED');
    expect((await server.gql(logout, { t: again.refreshToken })).data).toEqual({ logout: false });
  });

  it('keeps admin fields from customers: FORBIDDEN', async () => {
    const casey = await customer('customer-forbidden@example.com');
    const list = await server.gql(`{ users { id email } }`, {}, bearer(casey.accessToken));
    expect(codeOf(list)).toBe('FORBIDDEN');
    const promote = await server.gql(
      `mutation($id: ID!) { setUserRole(userId: $id, role: ADMIN) { role } }`,
      { id: casey.id },
      bearer(casey.accessToken),
    );
    expect(codeOf(promote)).toBe('FORBIDDEN');
    expect(codeOf(await server.gql(`{ users { id } }`))).toBe('UNAUTHENTICATED');
  });

  it('lets the administrator from ADMIN_EMAIL list users and set roles', async () => {
    const casey = await customer('to-promote@example.com');
    const token = await adminToken();
    const list = await server.gql(`{ users(first: 100) { id email role } }`, {}, bearer(token));
    expect(list.errors).toBeUndefined();
    expect(list.data.users).toEqual(
      expect.arrayContaining([
        { id: expect.any(String), email: ADMIN.email, role: 'ADMIN' },
        { id: casey.id, email: 'to-promote@example.com', role: 'CUSTOMER' },
      ]),
    );
    const promoted = await server.gql(
      `mutation($id: ID!) { setUserRole(userId: $id, role: ADMIN) { id role } }`,
      { id: casey.id },
      bearer(token),
    );
    expect(promoted.data.setUserRole).toEqual({ id: casey.id, role: 'ADMIN' });
    const event = await server.events.waitForOne('user.role_changed', (e) => e.payload.userId === casey.id);
    expect(event.payload).toEqual({
      userId: casey.id,
      email: 'to-promote@example.com',
      role: 'ADMIN',
      previousRole: 'CUSTOMER',
      changedBy: expect.any(String),
    });
  });

  it('answers a tampered or expired token with UNAUTHENTICATED', async () => {
    const casey = await customer('tokens@example.com');
    expect(codeOf(await server.gql(`{ me { id } }`, {}, bearer(tamper(casey.accessToken))))).toBe(
      'UNAUTHENTICATED',
    );

    const key = await loadSigningKey({ dataDir: dataDir.path });
    const lastHour = new Date(Date.now() - 3_600_000);
    const expired = await new AccessTokenIssuer(key, 900, () => lastHour).issue({
      id: casey.id,
      role: 'CUSTOMER',
      sessionId: randomUUID(),
    });
    expect(codeOf(await server.gql(`{ me { id } }`, {}, bearer(expired.accessToken)))).toBe(
      'UNAUTHENTICATED',
    );
    expect(codeOf(await server.gql(`{ me { id } }`, {}, bearer('not-a-jwt')))).toBe('UNAUTHENTICATED');
  });

  it('delays the 6th wrong password from one address with RATE_LIMITED and a retry-after', async () => {
    await register('guess@example.com');
    for (let i = 1; i <= 5; i++) {
      expect(codeOf(await login('guess@example.com', `Wrong-pass${i}`, '198.51.100.1'))).toBe(
        'UNAUTHENTICATED',
      );
    }
    const sixth = await login('guess@example.com', 'Customer-1', '198.51.100.1');
    expect(codeOf(sixth)).toBe('RATE_LIMITED');
    expect(sixth.errors![0]!.extensions!.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    // The owner elsewhere is not locked out.
    expect(codeOf(await login('guess@example.com', 'Customer-1', '198.51.100.99'))).toBeUndefined();
  });

  it('refuses a malformed email, a weak password and a long name as BAD_USER_INPUT naming the input field, writing nothing', async () => {
    const token = await adminToken();
    const count = async () =>
      (await server.gql(`{ users(first: 100) { id } }`, {}, bearer(token))).data.users.length;
    const before = await count();
    const malformed = await register('casey(at)example.com');
    expect(malformed.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.email' });
    const weak = await register('weak@example.com', 'password');
    expect(weak.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.password' });
    expect(weak.errors![0]!.message).not.toContain('password"');
    const longName = await register('long@example.com', 'Customer-1', 'x'.repeat(101));
    expect(longName.errors![0]).toMatchObject({
      message: 'name must be at most 100 characters',
      extensions: { code: 'BAD_USER_INPUT', field: 'input.name' },
    });
    expect(await count()).toBe(before);
    expect((await server.events.settled('user.registered')).map((e) => e.payload.email)).not.toContain(
      'weak@example.com',
    );
  });

  it('adds an address to the caller and refuses anonymous callers', async () => {
    const casey = await customer('address@example.com');
    const input = {
      name: 'Casey',
      line1: '1 Infinite Loop',
      city: 'Cupertino',
      region: 'CA',
      postalCode: '95014',
      country: 'us',
    };
    const mutation = `mutation($input: AddressInput!) { addAddress(input: $input) { id name country region } }`;
    const added = await server.gql(mutation, { input }, bearer(casey.accessToken));
    expect(added.data.addAddress).toMatchObject({
      id: expect.any(String),
      name: 'Casey',
      country: 'US',
      region: 'CA',
    });
    expect(codeOf(await server.gql(mutation, { input }))).toBe('UNAUTHENTICATED');
    const me = await server.gql(`{ me { addresses { id country } } }`, {}, bearer(casey.accessToken));
    expect(me.data.me.addresses).toEqual([{ id: added.data.addAddress.id, country: 'US' }]);
  });

  it("checks an address's postal code for its country, naming input.postalCode, and stores the post's form", async () => {
    const casey = await customer('postal@example.com');
    const auth = bearer(casey.accessToken);
    const ottawa = {
      name: 'Casey',
      line1: '24 Sussex Dr',
      city: 'Ottawa',
      postalCode: 'k1m1m4',
      country: 'ca',
    };
    const add = `mutation($input: AddressInput!) { addAddress(input: $input) { id postalCode country } }`;
    const update = `mutation($id: ID!, $input: AddressInput!) { updateAddress(id: $id, input: $input) { id postalCode } }`;
    const book = async () =>
      (await server.gql(`{ me { addresses { id postalCode } } }`, {}, auth)).data.me.addresses;

    const added = (await server.gql(add, { input: ottawa }, auth)).data.addAddress;
    expect(added).toMatchObject({ postalCode: 'K1M 1M4', country: 'CA' });

    const refusedAdd = await server.gql(add, { input: { ...ottawa, country: 'US' } }, auth);
    expect(refusedAdd.errors![0]).toMatchObject({
      message: 'postalCode: expected a US ZIP code such as 94103 or 94103-1234',
      extensions: { code: 'BAD_USER_INPUT', field: 'input.postalCode' },
    });
    const refusedUpdate = await server.gql(
      update,
      { id: added.id, input: { ...ottawa, postalCode: '12345' } },
      auth,
    );
    expect(refusedUpdate.errors![0]).toMatchObject({
      message: 'postalCode: expected a Canadian postal code such as K1A 0B1',
      extensions: { code: 'BAD_USER_INPUT', field: 'input.postalCode' },
    });
    expect(await book()).toEqual([{ id: added.id, postalCode: 'K1M 1M4' }]);

    const updated = await server.gql(
      update,
      { id: added.id, input: { ...ottawa, postalCode: ' K1A  0b1 ' } },
      auth,
    );
    expect(updated.data.updateAddress).toEqual({ id: added.id, postalCode: 'K1A 0B1' });
    expect(await book()).toEqual([{ id: added.id, postalCode: 'K1A 0B1' }]);

    // Every field of the input is named by its path, as the client sent it.
    const blankCity = await server.gql(add, { input: { ...ottawa, city: ' ' } }, auth);
    expect(blankCity.errors![0]).toMatchObject({
      message: 'city is required',
      extensions: { code: 'BAD_USER_INPUT', field: 'input.city' },
    });
  });

  it('takes an assigned ISO 3166-1 country code and refuses an unassigned one on input.country, saving nothing', async () => {
    const auth = bearer((await customer('country@example.com')).accessToken);
    const berlin = {
      name: 'Casey',
      line1: 'Unter den Linden 1',
      city: 'Berlin',
      postalCode: '10117',
      country: 'de',
    };
    const add = `mutation($input: AddressInput!) { addAddress(input: $input) { id country } }`;
    const update = `mutation($id: ID!, $input: AddressInput!) { updateAddress(id: $id, input: $input) { id country } }`;
    const book = async () =>
      (await server.gql(`{ me { addresses { id country } } }`, {}, auth)).data.me.addresses;

    const added = (await server.gql(add, { input: berlin }, auth)).data.addAddress;
    expect(added).toMatchObject({ country: 'DE' });

    const refused = {
      message: 'country must be an ISO 3166-1 alpha-2 code such as "US"',
      extensions: { code: 'BAD_USER_INPUT', field: 'input.country' },
    };
    // Two capital letters that name no country: user-assigned (ZZ, XX, QQ), or not assigned (UK).
    for (const country of ['ZZ', ' xx ', 'QQ', 'UK']) {
      expect(
        (await server.gql(add, { input: { ...berlin, country } }, auth)).errors?.[0],
        country,
      ).toMatchObject(refused);
    }
    const refusedUpdate = await server.gql(
      update,
      { id: added.id, input: { ...berlin, country: 'ZZ' } },
      auth,
    );
    expect(refusedUpdate.errors?.[0]).toMatchObject(refused);
    expect(await book()).toEqual([{ id: added.id, country: 'DE' }]);
  });

  it('resolves User entities in one batch, and shows personal fields only to the user and admins', async () => {
    const [a, b, c] = await Promise.all([
      customer('e1@example.com'),
      customer('e2@example.com'),
      customer('e3@example.com'),
    ]);
    const entities = `query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id role email } } }`;
    const representations = [a, b, c].map(({ id }) => ({ __typename: 'User', id }));

    const requestId = `users-entities-${Date.now()}`;
    const asAdmin = await server.gql(
      entities,
      { r: representations },
      { ...bearer(await adminToken()), 'x-request-id': requestId },
    );
    expect(asAdmin.errors).toBeUndefined();
    expect(asAdmin.data._entities.map((u: { email: string }) => u.email)).toEqual([
      'e1@example.com',
      'e2@example.com',
      'e3@example.com',
    ]);
    expect(commandStats.forRequest(requestId, { database: server.runtime.mongo.name }).byCommand).toEqual({
      find: 1,
    });

    const asA = await server.gql(entities, { r: representations }, bearer(a.accessToken));
    expect(asA.data._entities[0]).toEqual({ id: a.id, role: 'CUSTOMER', email: 'e1@example.com' });
    expect(asA.data._entities[1]).toBeNull();
    // Role (and name, createdAt) are the user's and admins' to read too, like the email.
    const refused = asA.errors!.map((e) => e.path?.slice(0, 2).join('.'));
    expect(new Set(refused)).toEqual(new Set(['_entities.1', '_entities.2']));
    expect(asA.errors!.every((e) => e.extensions?.code === 'FORBIDDEN')).toBe(true);

    // Whoever reaches this port without a token gets no account at all.
    const anonymous = await server.gql(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id name createdAt } } }`,
      { r: representations },
    );
    expect(anonymous.data?._entities ?? [null, null, null]).toEqual([null, null, null]);
    expect(anonymous.errors!.map((e) => e.extensions?.code)).toEqual(
      expect.arrayContaining(['UNAUTHENTICATED']),
    );
  });

  it('never writes a password, a password hash or a refresh token to the log', async () => {
    const stored = await server.runtime.mongo
      .collection('users')
      .find({}, { projection: { passwordHash: 1 } })
      .toArray();
    expect(stored.length).toBeGreaterThan(5);
    expect(logLines.length).toBeGreaterThan(10);
    const log = logLines.join('\n');
    for (const secret of [...secrets, ...stored.map((u) => u.passwordHash as string), '$scrypt$', 'nmrt_']) {
      expect(log, `log must not contain ${secret.slice(0, 8)}…`).not.toContain(secret);
    }
  });
});

describe('login throttling across instances on Redis', SLOW, () => {
  let redis: Redis;
  let one: UsersServer;
  let two: UsersServer;
  let keys: Awaited<ReturnType<typeof tempDir>>;
  const prefix = `${uniqueKeyPrefix('users-login')}:`;

  beforeAll(async () => {
    redis = await requireRedis();
    keys = await tempDir('users-data-');
    const dbName = uniqueDbName('users_redis');
    const env = {
      DATA_DIR: keys.path,
      LOGIN_THROTTLE_KEY_PREFIX: prefix,
      LOGIN_MAX_FAILURES_PER_ADDRESS: '3',
      LOGIN_MAX_FAILURES_PER_ACCOUNT: '2',
    };
    one = await startUsersServer({ env, logger: capturingLogger('users-1').logger, redis, dbName });
    two = await startUsersServer({ env, logger: capturingLogger('users-2').logger, redis, dbName });
  });
  afterAll(async () => {
    await one?.stop();
    await two?.stop();
    const left = await redis.keys(`${prefix}*`);
    if (left.length) await redis.del(...left);
    await redis.quit();
    await keys.remove();
  });

  const loginAt = (target: UsersServer, email: string, password: string, address: string) =>
    target.gql(
      `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }`,
      { e: email, p: password },
      { 'x-forwarded-for': address },
    );

  it('counts failures for one account on both instances together', async () => {
    await one.gql(
      `mutation { register(input: { email: "shared@example.com", password: "Customer-1" }) { id } }`,
    );
    for (const [target, n] of [
      [one, 1],
      [two, 2],
    ] as const) {
      expect(codeOf(await loginAt(target, 'shared@example.com', `Wrong-pass${n}`, '192.0.2.7'))).toBe(
        'UNAUTHENTICATED',
      );
    }
    expect(codeOf(await loginAt(two, 'shared@example.com', 'Customer-1', '192.0.2.7'))).toBe('RATE_LIMITED');
    expect(await redis.keys(`${prefix}pair:*`)).toHaveLength(1);
  });

  it('counts failures per client address from x-forwarded-for', async () => {
    for (let i = 0; i < 3; i++) {
      expect(
        codeOf(await loginAt(i % 2 ? one : two, `nobody${i}@example.com`, 'Customer-1', '192.0.2.200')),
      ).toBe('UNAUTHENTICATED');
    }
    expect(codeOf(await loginAt(one, 'fresh@example.com', 'Customer-1', '192.0.2.200'))).toBe('RATE_LIMITED');
    expect(codeOf(await loginAt(one, 'fresh@example.com', 'Customer-1', '192.0.2.201'))).toBe(
      'UNAUTHENTICATED',
    );
  });
});
