import { randomUUID } from 'node:crypto';
import { tamper } from '@novamart/kit/testing';
import type { DomainEvent } from '@novamart/events';
import { AccessTokenIssuer, loadSigningKey, usersSubgraph } from '@novamart/users';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSupergraph, type GraphQLResponse, type Supergraph } from './support/supergraph';

// The users acceptance through the gateway, as a storefront calls it.
describe('users through the gateway', () => {
  let sg: Supergraph;
  const events: DomainEvent<any>[] = [];

  beforeAll(async () => {
    sg = await startSupergraph({ subgraphs: [usersSubgraph] });
    sg.bus.subscribe({
      group: 'e2e-users',
      types: ['user.*'],
      handler: async (event) => void events.push(event),
    });
    await sg.bus.start();
  });
  afterAll(async () => {
    await sg?.stop();
  });

  const codeOf = (response: GraphQLResponse) => response.errors?.[0]?.extensions?.code;

  async function eventFor(type: string, userId: string): Promise<DomainEvent<any>> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const found = events.find((e) => e.type === type && e.aggregateId === userId);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no ${type} for ${userId}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  const register = (input: Record<string, unknown>) =>
    sg.query(
      'mutation($input: RegisterInput!) { register(input: $input) { id email name role emailVerified } }',
      { input },
    );
  const login = (email: string, password: string) =>
    sg.query(
      'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken refreshToken expiresIn user { id email } } }',
      {
        e: email,
        p: password,
      },
    );
  const refresh = (token: string) =>
    sg.query(
      'mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken refreshToken user { id } } }',
      { t: token },
    );

  it('register, verify the emailed code, login and me', async () => {
    const registered = await register({ email: 'Grace@Example.com', password: 'Cobol-1959', name: 'Grace' });
    expect(registered.errors).toBeUndefined();
    const user = registered.data.register;
    expect(user).toMatchObject({
      email: 'grace@example.com',
      name: 'Grace',
      role: 'CUSTOMER',
      emailVerified: false,
    });

    const { payload } = await eventFor('user.registered', user.id);
    expect(payload.verificationCode).toMatch(/^\d{6}$/);
    const verified = await sg.query(
      'mutation($e: String!, $c: String!) { verifyEmail(email: $e, code: $c) { id emailVerified } }',
      {
        e: 'grace@example.com',
        c: payload.verificationCode,
      },
    );
    expect(verified.data).toEqual({ verifyEmail: { id: user.id, emailVerified: true } });
    expect((await eventFor('user.email_verified', user.id)).payload).toEqual({
      userId: user.id,
      email: 'grace@example.com',
      name: 'Grace',
    });

    const session = await login('grace@example.com', 'Cobol-1959');
    expect(session.errors).toBeUndefined();
    expect(session.data.login).toMatchObject({
      expiresIn: 900,
      user: { id: user.id, email: 'grace@example.com' },
    });
    const me = await sg.query(
      '{ me { id email emailVerified } }',
      {},
      { token: session.data.login.accessToken },
    );
    expect(me).toEqual({ data: { me: { id: user.id, email: 'grace@example.com', emailVerified: true } } });
    expect(await sg.query('{ me { id } }')).toEqual({ data: { me: null } });
  });

  it('rotates refresh tokens, detects reuse, logs out', async () => {
    const customer = await sg.customer('Rotating');
    const rotated = await refresh(customer.refreshToken);
    expect(rotated.errors).toBeUndefined();
    const next = rotated.data.refreshToken.refreshToken;
    expect(next).not.toBe(customer.refreshToken);
    const me = await sg.query('{ me { id } }', {}, { token: rotated.data.refreshToken.accessToken });
    expect(me.data).toEqual({ me: { id: customer.userId } });

    expect(codeOf(await refresh(customer.refreshToken))).toBe('UNAUTHENTICATED');
    expect(codeOf(await refresh(next))).toBe('UNAUTHENTICATED');

    const other = await sg.customer('Leaving');
    expect(
      (await sg.query('mutation($t: String!) { logout(refreshToken: $t) }', { t: other.refreshToken })).data,
    ).toEqual({ logout: true });
    expect(codeOf(await refresh(other.refreshToken))).toBe('UNAUTHENTICATED');
  });

  it('gives customers FORBIDDEN on admin fields, and admins what they ask for', async () => {
    const customer = await sg.customer();
    expect(codeOf(await sg.query('{ users { id } }', {}, { token: customer.token }))).toBe('FORBIDDEN');
    const promote = 'mutation($id: ID!, $role: Role!) { setUserRole(userId: $id, role: $role) { id role } }';
    expect(
      codeOf(await sg.query(promote, { id: customer.userId, role: 'ADMIN' }, { token: customer.token })),
    ).toBe('FORBIDDEN');

    const admin = await sg.admin();
    const list = await sg.query('{ users(first: 100) { id email role } }', {}, { token: admin.token });
    expect(list.data.users).toContainEqual({ id: customer.userId, email: customer.email, role: 'CUSTOMER' });
    expect(
      (await sg.query(promote, { id: customer.userId, role: 'ADMIN' }, { token: admin.token })).data,
    ).toEqual({
      setUserRole: { id: customer.userId, role: 'ADMIN' },
    });
    expect((await eventFor('user.role_changed', customer.userId)).payload).toMatchObject({
      role: 'ADMIN',
      previousRole: 'CUSTOMER',
    });
  });

  it('answers a tampered or an expired token with UNAUTHENTICATED', async () => {
    const customer = await sg.customer();
    expect(codeOf(await sg.query('{ me { id } }', {}, { token: tamper(customer.token) }))).toBe(
      'UNAUTHENTICATED',
    );

    const key = await loadSigningKey({ dataDir: sg.subgraph('users').runtime.config.DATA_DIR });
    const anHourAgo = new Date(Date.now() - 3_600_000);
    const expired = await new AccessTokenIssuer(key, 900, () => anHourAgo).issue({
      id: customer.userId,
      role: 'CUSTOMER',
      sessionId: randomUUID(),
    });
    expect(codeOf(await sg.query('{ me { id } }', {}, { token: expired.accessToken }))).toBe(
      'UNAUTHENTICATED',
    );
  });

  it('refuses the 6th wrong password with RATE_LIMITED', async () => {
    const customer = await sg.customer();
    for (let i = 1; i <= 5; i++)
      expect(codeOf(await login(customer.email, `Wrong-pass${i}`))).toBe('UNAUTHENTICATED');
    const sixth = await login(customer.email, customer.password);
    expect(codeOf(sixth)).toBe('RATE_LIMITED');
    expect(sixth.errors![0]!.extensions!.retryAfterSeconds).toBeGreaterThan(0);
  });

  it('refuses a malformed email and a weak password with BAD_USER_INPUT naming the field, writing nothing', async () => {
    const admin = await sg.admin();
    const count = async () =>
      (await sg.query('{ users(first: 100) { id } }', {}, { token: admin.token })).data.users.length;
    const before = await count();
    const malformed = await register({ email: 'grace.example.com', password: 'Cobol-1959' });
    expect(malformed.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.email' });
    const weak = await register({ email: 'weak@example.com', password: 'cobol' });
    expect(weak.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.password' });
    expect(await count()).toBe(before);
  });
});
