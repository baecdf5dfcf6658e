import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNotifications, type NotificationsHarness } from './support';

const DEV_OUTBOX = `query($r: String!, $first: Int) { devOutbox(recipient: $r, first: $first) { to subject text storedAt } }`;

const registered = (userId: string, email: string, code: string) => ({
  userId,
  email,
  name: null,
  role: 'CUSTOMER',
  verificationCode: code,
  codeExpiresAt: new Date(Date.now() + 86_400_000).toISOString(),
});

// Query.devOutbox: how the storefront's development mailbox page reads a verification code.
describe('development outbox through the API', () => {
  let dev: NotificationsHarness;
  beforeAll(async () => {
    dev = await startNotifications();
  });
  afterAll(async () => dev?.stop());

  it('answers the newest messages stored for an address, with the verification code, to anyone', async () => {
    await dev.publish('user.registered', 'u-1', registered('u-1', 'dora@example.com', '120934'));
    await dev.publish('user.registered', 'u-2', registered('u-2', 'other@example.com', '555111'));
    await dev.waitFor({ type: 'EMAIL_VERIFICATION' }, 2);
    const res = await dev.graphql(DEV_OUTBOX, { r: ' Dora@Example.com ' }, null);
    expect(res.errors).toBeUndefined();
    expect(res.data.devOutbox).toHaveLength(1);
    expect(res.data.devOutbox[0]).toMatchObject({ to: 'dora@example.com' });
    expect(res.data.devOutbox[0].subject).toContain('120934');
    expect(res.data.devOutbox[0].text).toContain('Your verification code is 120934');
    const bad = await dev.graphql(DEV_OUTBOX, { r: 'dora@example.com', first: 500 }, null);
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
  });

  it('is FORBIDDEN in production', async () => {
    // The file's embedded MongoDB is shared with `dev` above: only the last harness may stop it.
    const production = await startNotifications({ NODE_ENV: 'production' }, undefined, { keepMongo: true });
    try {
      await production.publish('user.registered', 'u-3', registered('u-3', 'prod@example.com', '777000'));
      await production.waitFor({ type: 'EMAIL_VERIFICATION' });
      const res = await production.graphql(DEV_OUTBOX, { r: 'prod@example.com' }, null);
      expect(res.data).toBeNull();
      expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(JSON.stringify(res)).not.toContain('777000');
    } finally {
      await production.stop();
    }
  });
});
