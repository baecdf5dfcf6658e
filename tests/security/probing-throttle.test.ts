/**
 * Answers that could tell which addresses have accounts, or burn someone's code, are rationed per
 * client address through the gateway (issue 12): `register`'s duplicate answer, `verifyEmail`
 * attempts, `requestEmailVerification` and `requestPasswordReset`; the mail requests also per
 * account, silently. Attempts are counted per code: guesses burn only the code that was sent, and
 * a fresh one starts again. The counters are the users subgraph's own (in memory here, one
 * harness per file), so the cases run in order and keep count of what they spent.
 */
import { eventually } from '@novamart/kit/testing';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usersSubgraph } from '@novamart/users';
import { notificationsSubgraph } from '@novamart/notifications';
import { startSupergraph, type GraphQLResponse, type Supergraph } from '../support/supergraph';

let sg: Supergraph;
/** Unverified accounts for the mail requests, registered before register's allowance runs out. */
const rationed = { requestEmailVerification: '', requestPasswordReset: '', verifyEmail: '' };
beforeAll(async () => {
  sg = await startSupergraph({ subgraphs: [usersSubgraph, notificationsSubgraph] });
  for (const key of Object.keys(rationed) as (keyof typeof rationed)[]) {
    rationed[key] = fresh('rationed');
    expect((await register(rationed[key])).errors).toBeUndefined();
  }
  await sg.settled(); // their registration mails are in: the cases count only what they cause
});
afterAll(() => sg?.stop());

const PASSWORD = 'Customer-Passw0rd';
/** DEFAULT_PROBE_LIMITS of the users subgraph, per client address in 15 minutes. */
const LIMIT = { registerConflicts: 10, verifyAttempts: 20, verificationRequests: 10, resetRequests: 10 };
const codeOf = (r: GraphQLResponse) => r.errors?.[0]?.extensions?.code as string | undefined;
const fresh = (label: string) => `${label}-${randomUUID().slice(0, 8)}@novamart.test`;

/** What this file has spent of each allowance (every request comes from the gateway's address). */
const spent = { verifyAttempts: 0, verificationRequests: 0, resetRequests: 0 };

const register = (email: string) =>
  sg.query(`mutation($i: RegisterInput!) { register(input: $i) { id } }`, {
    i: { email, password: PASSWORD },
  });

async function verify(email: string, code: string) {
  spent.verifyAttempts += 1;
  return sg.query(
    `mutation($e: String!, $c: String!) { verifyEmail(email: $e, code: $c) { id emailVerified } }`,
    {
      e: email,
      c: code,
    },
  );
}

async function mails(email: string, type: string) {
  return sg
    .subgraph('notifications')
    .runtime.mongo.collection('notifications')
    .find({ recipient: email, type })
    .sort({ _id: 1 })
    .toArray();
}

/** The code of the n-th verification mail to the address (1-based), once it arrived. */
async function codeFromMail(email: string, n: number): Promise<string> {
  const found = await eventually(
    () => mails(email, 'EMAIL_VERIFICATION'),
    (docs) => docs.length >= n,
    { what: `verification mail ${n} to ${email}` },
  );
  return /(\d{6})/.exec(found[n - 1]!.body as string)![1]!;
}

describe('rationed answers', () => {
  it('counts attempts per code: five wrong guesses burn the code that was sent, a fresh code works', async () => {
    const email = fresh('percode');
    expect((await register(email)).errors).toBeUndefined();
    const sent = await codeFromMail(email, 1);
    for (let i = 0; i < 5; i++) {
      const guess = String((Number(sent) + 1 + i) % 1_000_000).padStart(6, '0');
      expect((await verify(email, guess)).errors?.[0]?.extensions?.reason).toBe('INVALID_CODE');
    }
    // The right code no longer works: its five attempts are used up.
    expect((await verify(email, sent)).errors?.[0]?.extensions?.reason).toBe('INVALID_CODE');
    spent.verificationRequests += 1;
    expect(
      (await sg.query(`mutation($e: String!) { requestEmailVerification(email: $e) }`, { e: email })).data,
    ).toEqual({ requestEmailVerification: true });
    const second = await codeFromMail(email, 2);
    expect((await verify(email, second)).data?.verifyEmail.emailVerified).toBe(true);
  });

  it("register's duplicate answer: ten per address, then RATE_LIMITED before any account is looked at", async () => {
    const taken = fresh('taken');
    expect((await register(taken)).errors).toBeUndefined();
    for (let i = 0; i < LIMIT.registerConflicts; i++)
      expect(codeOf(await register(taken)), `try ${i + 1}`).toBe('CONFLICT');
    const refused = await register(taken);
    expect(codeOf(refused)).toBe('RATE_LIMITED');
    expect(refused.errors?.[0]?.extensions?.retryAfterSeconds).toBeGreaterThan(0);
    // An unknown address gets the same refusal now: the answer no longer tells the two apart.
    expect(codeOf(await register(fresh('unknown')))).toBe('RATE_LIMITED');
  });

  it('verifyEmail: twenty attempts per address, then RATE_LIMITED even for the right code', async () => {
    const victim = fresh('victim');
    const codes: (string | undefined)[] = [];
    while (spent.verifyAttempts < LIMIT.verifyAttempts) codes.push(codeOf(await verify(victim, '000000')));
    expect(new Set(codes)).toEqual(new Set(['BAD_USER_INPUT']));
    expect(codeOf(await verify(victim, '000000'))).toBe('RATE_LIMITED');
    const rightCode = await codeFromMail(rationed.verifyEmail, 1);
    const refused = await verify(rationed.verifyEmail, rightCode);
    expect(codeOf(refused)).toBe('RATE_LIMITED');
    expect(refused.data).toBeNull();
  });

  for (const [mutation, mailType, allowance] of [
    ['requestEmailVerification', 'EMAIL_VERIFICATION', 'verificationRequests'],
    ['requestPasswordReset', 'PASSWORD_RESET', 'resetRequests'],
  ] as const)
    it(`${mutation}: three mails per account, then the same answer and no mail; ten per address, then RATE_LIMITED`, async () => {
      const request = async (email: string) => {
        spent[allowance] += 1;
        return sg.query(`mutation($e: String!) { ${mutation}(email: $e) }`, { e: email });
      };
      const email = rationed[mutation];
      const before = (await mails(email, mailType)).length;
      for (let i = 0; i < 4; i++) expect((await request(email)).data).toEqual({ [mutation]: true });
      await sg.settled();
      expect((await mails(email, mailType)).length - before).toBe(3);
      while (spent[allowance] < LIMIT[allowance])
        expect((await request(fresh('ghost'))).data).toEqual({ [mutation]: true });
      expect(codeOf(await request(fresh('ghost')))).toBe('RATE_LIMITED');
    });
});
