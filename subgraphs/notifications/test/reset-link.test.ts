import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetPasswordUrl } from '../src/events/handlers';
import { startNotifications, type NotificationsHarness } from './support';

/** STOREFRONT_URL set: the reset mail links to the storefront's reset page with the token. */
describe('the password reset mail with STOREFRONT_URL', () => {
  let h: NotificationsHarness;
  beforeAll(async () => {
    h = await startNotifications({ STOREFRONT_URL: 'https://shop.example/store' });
  });
  afterAll(async () => h?.stop());

  it('links to <storefront>/reset-password?token=… in both parts, beside the token itself', async () => {
    const userId = randomUUID();
    await h.publish('user.password_reset_requested', userId, {
      userId,
      email: 'linked@example.com',
      name: 'Linked',
      resetToken: 'nmpr_link-token_456',
      expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    const [mail] = await h.waitFor({ type: 'PASSWORD_RESET', recipient: 'linked@example.com' });
    const link = 'https://shop.example/store/reset-password?token=nmpr_link-token_456';
    expect(mail!.body).toContain('nmpr_link-token_456');
    expect(mail!.body).toContain(`Or set it on this page:\n${link}`);
    expect(mail!.html).toContain(`<a href="${link}">Set a new password</a>`);
  });

  it('keeps the storefront path, with or without its trailing slash, and encodes the token', () => {
    expect(resetPasswordUrl('https://shop.example', 'nmpr_a')).toBe(
      'https://shop.example/reset-password?token=nmpr_a',
    );
    expect(resetPasswordUrl('https://shop.example/store/', 'nmpr_a')).toBe(
      'https://shop.example/store/reset-password?token=nmpr_a',
    );
    expect(resetPasswordUrl('http://localhost:4000', 'a+b&c')).toBe(
      'http://localhost:4000/reset-password?token=a%2Bb%26c',
    );
  });
});
