/**
 * Authorization and abuse, tried the way an attacker would: through the gateway and straight at
 * subgraph ports. Each case names the point of issue 12 (or the matrix that already held) it keeps.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@novamart/kit/testing';
import { SignJWT } from 'jose';
import { TOKEN_ALGORITHM, TOKEN_AUDIENCE, TOKEN_ISSUER } from '@novamart/kit';
import { usersSubgraph, loadSigningKey } from '@novamart/users';
import { productsSubgraph } from '@novamart/products';
import { cartSubgraph } from '@novamart/cart';
import { notificationsSubgraph } from '@novamart/notifications';
import { startSupergraph, type GraphQLResponse, type Supergraph } from '../support/supergraph';

let sg: Supergraph;
beforeAll(async () => {
  sg = await startSupergraph({
    subgraphs: [usersSubgraph, productsSubgraph, cartSubgraph, notificationsSubgraph],
  });
});
afterAll(() => sg?.stop());

const codeOf = (r: GraphQLResponse) => r.errors?.[0]?.extensions?.code;
const PASSWORD = 'Customer-Passw0rd';

/** A request straight at a subgraph's port, as someone inside the network could send it. */
async function atSubgraph(
  name: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
) {
  const response = await fetch(sg.subgraph(name).url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as GraphQLResponse;
}

async function mailTo(email: string, type: string) {
  const found = await eventually(
    () =>
      sg
        .subgraph('notifications')
        .runtime.mongo.collection('notifications')
        .findOne({ recipient: email, type }),
    (doc) => doc !== null,
    { what: `${type} to ${email}`, timeoutMs: 5_000 },
  );
  return found!;
}

describe('verifyEmail and requestEmailVerification', () => {
  it('answers a stranger the same error, without data, for a wrong code, a verified account and an unknown address', async () => {
    const victim = await sg.customer('Victim');
    const verify = (email: string, code: string) =>
      sg.query(
        `mutation($e: String!, $c: String!) { verifyEmail(email: $e, code: $c) { id role addresses { line1 phone } } }`,
        { e: email, c: code },
      );
    const wrong = await verify(victim.email, '000000');
    const unknown = await verify(`nobody-${randomUUID()}@novamart.test`, '000000');
    const admin = await verify('admin@novamart.test', '123456'); // verified from ADMIN_EMAIL
    for (const answer of [wrong, unknown, admin]) {
      expect(answer.data).toBeNull();
      expect(answer.errors?.[0]).toMatchObject({
        message: wrong.errors?.[0]?.message,
        extensions: { code: 'BAD_USER_INPUT', field: 'code', reason: 'INVALID_CODE' },
      });
      expect(answer.errors?.[0]?.extensions).not.toHaveProperty('attemptsLeft');
    }
  });

  it('sends a fresh code (the old one stops working) and answers true whether or not the account exists', async () => {
    const email = `fresh-${randomUUID().slice(0, 8)}@novamart.test`;
    await sg.query(`mutation($i: RegisterInput!) { register(input: $i) { id } }`, {
      i: { email, password: PASSWORD },
    });
    const first = await mailTo(email, 'EMAIL_VERIFICATION');
    const oldCode = /(\d{6})/.exec(first.body as string)![1]!;
    const request = (e: string) =>
      sg.query(`mutation($e: String!) { requestEmailVerification(email: $e) }`, { e });
    expect((await request(email)).data).toEqual({ requestEmailVerification: true });
    expect((await request(`ghost-${randomUUID()}@novamart.test`)).data).toEqual({
      requestEmailVerification: true,
    });
    const second = await eventually(
      () =>
        sg
          .subgraph('notifications')
          .runtime.mongo.collection('notifications')
          .find({ recipient: email, type: 'EMAIL_VERIFICATION' })
          .toArray(),
      (docs) => docs.length === 2,
      { what: 'the second code', timeoutMs: 5_000 },
    );
    const newCode = /(\d{6})/.exec(
      second.find((d) => d._id.toString() !== first._id.toString())!.body as string,
    )![1]!;
    const verify = (code: string) =>
      sg.query(
        `mutation($e: String!, $c: String!) { verifyEmail(email: $e, c: $c) { id emailVerified } }`.replace(
          'c: $c',
          'code: $c',
        ),
        { e: email, c: code },
      );
    if (oldCode !== newCode) expect(codeOf(await verify(oldCode))).toBe('BAD_USER_INPUT');
    expect((await verify(newCode)).data?.verifyEmail.emailVerified).toBe(true);
  });
});

describe('login throttling', () => {
  it('delays the 6th wrong password whatever x-forwarded-for the client forges (gateway TRUST_PROXY=false)', async () => {
    const victim = await sg.customer('Throttled');
    for (let i = 0; i < 5; i++) {
      const r = await sg.post(
        {
          query: `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }`,
          variables: { e: victim.email, p: `Wrong-pass-${i}` },
        },
        { headers: { 'x-forwarded-for': `198.51.100.${i}` } },
      );
      expect(codeOf(r.body)).toBe('UNAUTHENTICATED');
    }
    const sixth = await sg.post(
      {
        query: `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }`,
        variables: { e: victim.email, p: PASSWORD },
      },
      { headers: { 'x-forwarded-for': '203.0.113.250' } },
    );
    expect(codeOf(sixth.body)).toBe('RATE_LIMITED');
  });
});

describe('sessions', () => {
  it('a logged-out session is refused by the gateway and at every subgraph port within a second', async () => {
    const user = await sg.customer('Leaving');
    const auth = { authorization: `Bearer ${user.token}` };
    expect((await sg.query('{ me { id } }', {}, { token: user.token })).data?.me.id).toBe(user.userId);
    const out = await sg.query(
      `mutation($r: String!) { logout(refreshToken: $r) }`,
      { r: user.refreshToken },
      { token: user.token },
    );
    expect(out.data?.logout).toBe(true);
    await eventually(
      () => sg.query('{ me { id } }', {}, { token: user.token }),
      (r) => codeOf(r) === 'UNAUTHENTICATED',
      { what: 'gateway refusal', timeoutMs: 1000 },
    );
    for (const name of ['users', 'cart', 'notifications', 'products'])
      expect(codeOf(await atSubgraph(name, '{ __typename }', {}, auth)), name).toBe('UNAUTHENTICATED');
  });

  it('a role change ends the sessions of the user whose role changed', async () => {
    const admin = await sg.admin();
    const user = await sg.customer('Promoted');
    const promoted = await sg.query(
      `mutation($u: ID!) { setUserRole(userId: $u, role: ADMIN) { role } }`,
      { u: user.userId },
      { token: admin.token },
    );
    expect(promoted.data?.setUserRole.role).toBe('ADMIN');
    await eventually(
      () => sg.query('{ me { id } }', {}, { token: user.token }),
      (r) => codeOf(r) === 'UNAUTHENTICATED',
      { what: 'refusal', timeoutMs: 1000 },
    );
    await sg.query(
      `mutation($u: ID!) { setUserRole(userId: $u, role: CUSTOMER) { role } }`,
      { u: user.userId },
      { token: admin.token },
    );
  });

  it('refuses a token signed with the real key but without exp, iat, sub or sid', async () => {
    const user = await sg.customer('Forger');
    const key = await loadSigningKey({ dataDir: sg.subgraph('users').runtime.config.DATA_DIR });
    for (const omit of ['exp', 'iat', 'sub', 'sid']) {
      const jwt = new SignJWT({ role: 'ADMIN', ...(omit === 'sid' ? {} : { sid: randomUUID() }) })
        .setProtectedHeader({ alg: TOKEN_ALGORITHM, kid: key.kid })
        .setIssuer(TOKEN_ISSUER)
        .setAudience(TOKEN_AUDIENCE);
      if (omit !== 'sub') jwt.setSubject(user.userId);
      if (omit !== 'iat') jwt.setIssuedAt();
      if (omit !== 'exp') jwt.setExpirationTime('15m');
      const token = await jwt.sign(key.privateKey);
      expect(codeOf(await sg.query('{ me { id } }', {}, { token })), omit).toBe('UNAUTHENTICATED');
    }
  });

  it('password reset: a single-use token by mail, a new password, every session ended', async () => {
    const user = await sg.customer('Forgetful');
    const request = await sg.query(`mutation($e: String!) { requestPasswordReset(email: $e) }`, {
      e: user.email,
    });
    expect(request.data).toEqual({ requestPasswordReset: true });
    expect(
      (
        await sg.query(`mutation($e: String!) { requestPasswordReset(email: $e) }`, {
          e: `ghost-${randomUUID()}@novamart.test`,
        })
      ).data,
    ).toEqual({ requestPasswordReset: true });
    const mail = await mailTo(user.email, 'PASSWORD_RESET');
    const token = /(nmpr_[\w-]+)/.exec(mail.body as string)![1]!;
    const reset = (t: string, p: string) =>
      sg.query(`mutation($t: String!, $p: String!) { resetPassword(token: $t, newPassword: $p) }`, { t, p });
    expect(codeOf(await reset(token, 'password123'))).toBe('BAD_USER_INPUT'); // a common password
    expect((await reset(token, 'Brand-new-Passw0rd')).data).toEqual({ resetPassword: true });
    expect(codeOf(await reset(token, 'Another-new-Passw0rd'))).toBe('BAD_USER_INPUT'); // used up
    await eventually(
      () => sg.query('{ me { id } }', {}, { token: user.token }),
      (r) => codeOf(r) === 'UNAUTHENTICATED',
      { what: 'old session refused', timeoutMs: 1000 },
    );
    expect((await sg.login(user.email, 'Brand-new-Passw0rd')).userId).toBe(user.userId);
  });
});

describe('changePassword', () => {
  const CHANGE = `mutation($c: String!, $n: String!) {
    changePassword(currentPassword: $c, newPassword: $n) { accessToken refreshToken user { id } }
  }`;

  it('refuses a wrong current password and a weak new one without changing anything; anonymous is UNAUTHENTICATED', async () => {
    const user = await sg.customer('Careful');
    const wrong = await sg.query(
      CHANGE,
      { c: 'Not-my-Passw0rd', n: 'Brand-new-Passw0rd' },
      { token: user.token },
    );
    expect(wrong.data).toBeNull();
    expect(wrong.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'currentPassword' });
    const weak = await sg.query(CHANGE, { c: PASSWORD, n: 'password123' }, { token: user.token });
    expect(weak.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'newPassword' });
    expect(codeOf(await sg.query(CHANGE, { c: PASSWORD, n: 'Brand-new-Passw0rd' }))).toBe('UNAUTHENTICATED');
    // Nothing changed: the session still works, the password still signs in, no mail was sent.
    expect((await sg.query('{ me { id } }', {}, { token: user.token })).data?.me.id).toBe(user.userId);
    expect((await sg.login(user.email, PASSWORD)).userId).toBe(user.userId);
    await sg.settled();
    const mails = await sg
      .subgraph('notifications')
      .runtime.mongo.collection('notifications')
      .countDocuments({ recipient: user.email, type: 'PASSWORD_CHANGED' });
    expect(mails).toBe(0);
  });

  it('ends every session of the account (the caller gets a new one) and mails the owner', async () => {
    const user = await sg.customer('Changer');
    const phone = await sg.login(user.email, PASSWORD);
    const changed = await sg.query(CHANGE, { c: PASSWORD, n: 'Brand-new-Passw0rd' }, { token: user.token });
    expect(changed.errors).toBeUndefined();
    const fresh = changed.data.changePassword;
    expect(fresh.user.id).toBe(user.userId);
    for (const old of [user, phone]) {
      await eventually(
        () => sg.query('{ me { id } }', {}, { token: old.token }),
        (r) => codeOf(r) === 'UNAUTHENTICATED',
        { what: 'old session refused', timeoutMs: 1000 },
      );
      for (const name of ['users', 'cart', 'notifications'])
        expect(
          codeOf(await atSubgraph(name, '{ __typename }', {}, { authorization: `Bearer ${old.token}` })),
          name,
        ).toBe('UNAUTHENTICATED');
      const refreshed = await sg.query(
        `mutation($r: String!) { refreshToken(refreshToken: $r) { accessToken } }`,
        {
          r: old.refreshToken,
        },
      );
      expect(codeOf(refreshed)).toBe('UNAUTHENTICATED');
    }
    expect((await sg.query('{ me { id } }', {}, { token: fresh.accessToken })).data?.me.id).toBe(user.userId);
    expect(
      codeOf(
        await sg.query(
          `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }`,
          { e: user.email, p: PASSWORD },
        ),
      ),
    ).toBe('UNAUTHENTICATED');
    expect((await sg.login(user.email, 'Brand-new-Passw0rd')).userId).toBe(user.userId);
    const mail = await mailTo(user.email, 'PASSWORD_CHANGED');
    expect(mail.body).not.toContain('Brand-new-Passw0rd');
  });

  it('delays the 6th wrong current password like a 6th wrong login', async () => {
    const user = await sg.customer('Guessed');
    for (let i = 0; i < 5; i++)
      expect(
        (await sg.query(CHANGE, { c: `Guess-number-${i}`, n: 'Brand-new-Passw0rd' }, { token: user.token }))
          .errors?.[0]?.extensions?.field,
      ).toBe('currentPassword');
    expect(
      codeOf(await sg.query(CHANGE, { c: PASSWORD, n: 'Brand-new-Passw0rd' }, { token: user.token })),
    ).toBe('RATE_LIMITED');
  });
});

describe('password policy and enumeration', () => {
  it('refuses short and common passwords; the duplicate answer names no account', async () => {
    const email = `policy-${randomUUID().slice(0, 8)}@novamart.test`;
    const register = (password: string, e = email) =>
      sg.query(`mutation($i: RegisterInput!) { register(input: $i) { id } }`, { i: { email: e, password } });
    expect((await register('Password1')).errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.password',
    });
    expect((await register('Password123')).errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.password',
    });
    expect((await register(PASSWORD)).data?.register.id).toBeDefined();
    const duplicate = await register(PASSWORD);
    expect(duplicate.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect(duplicate.errors?.[0]?.message).not.toMatch(/already exists/);
  });
});

describe('the matrix that already held', () => {
  it('admin-only mutations as a customer are FORBIDDEN', async () => {
    const customer = await sg.customer('Climber');
    const r = await sg.query(
      `mutation($u: ID!) { setUserRole(userId: $u, role: ADMIN) { role } }`,
      { u: customer.userId },
      { token: customer.token },
    );
    expect(codeOf(r)).toBe('FORBIDDEN');
    expect(codeOf(await sg.query('{ users(first: 5) { id } }', {}, { token: customer.token }))).toBe(
      'FORBIDDEN',
    );
  });

  it("another customer's notifications and cart stay theirs", async () => {
    const alice = await sg.customer('Alice');
    const mallory = await sg.customer('Mallory');
    const aliceMail = await sg.query(
      '{ myNotifications { edges { node { id recipient } } } }',
      {},
      { token: alice.token },
    );
    const malloryMail = await sg.query(
      '{ myNotifications { edges { node { id recipient } } } }',
      {},
      { token: mallory.token },
    );
    for (const edge of malloryMail.data?.myNotifications.edges ?? [])
      expect(edge.node.recipient).toBe(mallory.email);
    expect(aliceMail.errors).toBeUndefined();
    expect(
      codeOf(
        await sg.query('{ notifications(first: 5) { edges { node { id } } } }', {}, { token: mallory.token }),
      ),
    ).toBe('FORBIDDEN');
    const aliceCart = await sg.query('{ cart { id } }', {}, { token: alice.token });
    if (aliceCart.data?.cart?.id) {
      const stolen = await sg.query(
        'query($id: ID) { cart(id: $id) { id } }',
        { id: aliceCart.data.cart.id },
        { token: mallory.token },
      );
      expect(stolen.data?.cart?.id ?? null).not.toBe(aliceCart.data.cart.id);
    }
  });

  it('forged identity headers at a subgraph port grant nothing; anonymous _entities get no account', async () => {
    const victim = await sg.customer('Target');
    const forged = { 'x-user-id': victim.userId, 'x-user-role': 'ADMIN', 'x-forwarded-for': '10.0.0.1' };
    expect((await atSubgraph('users', '{ me { id } }', {}, forged)).data?.me).toBeNull();
    expect(codeOf(await atSubgraph('users', '{ users(first: 1) { id } }', {}, forged))).toBe(
      'UNAUTHENTICATED',
    );
    const entities = await atSubgraph(
      'users',
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id name role createdAt } } }`,
      { r: [{ __typename: 'User', id: victim.userId }] },
    );
    expect(entities.data?._entities?.[0] ?? null).toBeNull();
    expect(codeOf(entities)).toBe('UNAUTHENTICATED');
  });
});
