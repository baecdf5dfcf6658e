/**
 * Passwords in the storefront: "Forgot your password?" and the reset by the code mailed (read
 * from the development mailbox page, as a person running NovaMart without SMTP would), the same
 * confirmation for an address no account uses, a wrong code refused on its field, a signed-in
 * change (a wrong current password refused on its field first) that keeps the customer signed in,
 * and a fresh verification code sent from the verify page. As tests/storefront.browser.test.ts:
 * a real browser on one real supergraph, acting as a person does and waiting for visible state.
 */
import { describe, expect, it } from 'vitest';
import { type Page } from 'playwright-core';

import { ALL_SUBGRAPHS } from './support/subgraphs';
import { seriousAxeViolations, useStorefront } from './support/browser';
import { signIn } from './support/shopper-steps';

const JOURNEY_TIMEOUT = 120_000;
/** Mail is stored after the event that sends it is consumed: on a busy machine that can take a while. */
const MAIL_TIMEOUT = 60_000;
const CONFIRMATION = "If an account uses that address, we've sent it a reset code.";

const world = useStorefront({ subgraphs: ALL_SUBGRAPHS });
const { shoppers } = world;

/** The page's field error of the input labelled `label` (what `aria-describedby` points at). */
async function fieldError(page: Page, label: string): Promise<string> {
  const input = page.getByLabel(label, { exact: true });
  await expect.poll(() => input.getAttribute('aria-invalid'), { timeout: 20_000 }).toBe('true');
  const ids = ((await input.getAttribute('aria-describedby')) ?? '').split(' ');
  const errorId = ids.find((id) => id.endsWith('-error'));
  expect(errorId, `${label} describes its error`).toBeTruthy();
  return page.locator(`[id="${errorId}"]`).innerText();
}

/**
 * On the development mailbox page: once at least `count` messages match `pattern`, the first
 * group of the newest (the page lists the newest first).
 */
async function readFromMailbox(page: Page, pattern: RegExp, count = 1): Promise<string> {
  await page.getByRole('heading', { name: 'Development mailbox', level: 1 }).waitFor();
  const bodies = page.locator('.message-body').filter({ hasText: pattern });
  await expect.poll(() => bodies.count(), { timeout: MAIL_TIMEOUT }).toBeGreaterThanOrEqual(count);
  return pattern.exec((await bodies.first().textContent()) ?? '')![1]!;
}

async function requestReset(page: Page, email: string) {
  await page.goto('/signin');
  await page.getByLabel('Email').fill(email);
  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await page.getByRole('heading', { name: 'Forgot your password?', level: 1 }).waitFor();
  await expect(page.getByLabel('Email').inputValue()).resolves.toBe(email);
  await page.getByRole('button', { name: 'Send a reset code' }).click();
  await page.getByRole('status').filter({ hasText: CONFIRMATION }).waitFor();
}

async function signInFails(page: Page, email: string, password: string) {
  await page.goto('/signin');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: 'Invalid email or password' }).waitFor();
  await expect(page.getByRole('button', { name: /Sign out/ }).count()).resolves.toBe(0);
}

describe('storefront passwords', () => {
  it(
    'a customer who forgot their password resets it with the mailed code and signs in with the new one',
    async () => {
      shoppers.screenshotsOnFailure('password-reset');
      const customer = await world.sg.customer('Forgetful');
      const newPassword = 'Remembered-Passw0rd';
      const page = await shoppers.open();

      await requestReset(page, customer.email);
      expect(await seriousAxeViolations(page), 'the forgot-password page').toEqual([]);
      await page.getByRole('link', { name: 'development mailbox' }).click();
      const token = await readFromMailbox(page, /(nmpr_[A-Za-z0-9_-]+)/);

      await page.goto('/reset-password');
      await page.getByRole('heading', { name: 'Set a new password', level: 1 }).waitFor();
      expect(await seriousAxeViolations(page), 'the reset-password page').toEqual([]);
      // The policy is said before the API has to say it; the field is for a new password.
      const password = page.getByLabel('New password');
      await expect(password.getAttribute('autocomplete')).resolves.toBe('new-password');
      await page.getByText('At least 10 characters').waitFor();

      // A weak password is refused on its field, and the code is not used up by that.
      await page.getByLabel('Reset code').fill(token);
      await password.fill('short');
      await page.getByRole('button', { name: 'Set new password' }).click();
      expect(await fieldError(page, 'New password')).toMatch(/^Password needs at least 10 characters/);
      await password.fill(newPassword);
      await page.getByRole('button', { name: 'Set new password' }).click();
      await page
        .getByRole('status')
        .filter({ hasText: 'Your password is changed, and every session of your account was signed out.' })
        .waitFor();
      await page.getByRole('link', { name: 'Sign in with your new password' }).waitFor();

      await signInFails(page, customer.email, customer.password);
      await signIn(page, customer.email, newPassword);
    },
    JOURNEY_TIMEOUT,
  );

  it(
    'an address no account uses gets the same confirmation, and a wrong code is refused on its field',
    async () => {
      shoppers.screenshotsOnFailure('password-reset-refusals');
      const page = await shoppers.open();
      await requestReset(page, `nobody-${Date.now()}@novamart.test`);
      await page.getByRole('link', { name: 'Enter your reset code' }).click();
      await page.getByRole('heading', { name: 'Set a new password', level: 1 }).waitFor();

      // A code arriving by link is prefilled.
      await page.goto('/reset-password?token=nmpr_not-a-code-we-sent');
      await expect(page.getByLabel('Reset code').inputValue()).resolves.toBe('nmpr_not-a-code-we-sent');
      await page.getByLabel('New password').fill('Unused-Passw0rd-1');
      await page.getByRole('button', { name: 'Set new password' }).click();
      expect(await fieldError(page, 'Reset code')).toBe('The reset token is wrong, used or expired');
      await expect(page.getByLabel('New password').getAttribute('aria-invalid')).resolves.toBeNull();
    },
    JOURNEY_TIMEOUT,
  );

  it(
    'a signed-in customer changes their password, stays signed in, and signs in with it elsewhere',
    async () => {
      shoppers.screenshotsOnFailure('password-change');
      const customer = await world.sg.customer('Changer');
      const newPassword = 'Changed-Passw0rd-2';

      const guest = await shoppers.open();
      await guest.goto('/account/password');
      await guest.getByRole('main').getByRole('link', { name: 'Sign in' }).click();
      await guest.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
      expect(new URL(guest.url()).search).toBe('?next=/account/password');

      const page = await shoppers.open();
      await signIn(page, customer.email, customer.password);
      // From the header's Account to the account page's "Change password".
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' }).click();
      await page.getByRole('link', { name: 'Change password' }).click();
      await page.getByRole('heading', { name: 'Change password', level: 1 }).waitFor();
      expect(await seriousAxeViolations(page), 'the change-password page').toEqual([]);
      await expect(page.getByLabel('Current password').getAttribute('autocomplete')).resolves.toBe(
        'current-password',
      );
      await expect(page.getByLabel('New password').getAttribute('autocomplete')).resolves.toBe(
        'new-password',
      );

      await page.getByLabel('Current password').fill('Not-The-Passw0rd');
      await page.getByLabel('New password').fill(newPassword);
      await page.getByRole('button', { name: 'Change password' }).click();
      expect(await fieldError(page, 'Current password')).toBe('The current password is wrong');

      await page.getByLabel('Current password').fill(customer.password);
      await page.getByRole('button', { name: 'Change password' }).click();
      await page.getByRole('status').filter({ hasText: 'every other session was signed out' }).waitFor();
      await expect(page.getByLabel('Current password').getAttribute('aria-invalid')).resolves.toBeNull();

      // Still signed in, on the session the change answered (the old one's tokens were revoked):
      // after a reload, a page that reads the account still loads.
      await page.reload();
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Wishlist' }).click();
      await page.getByText('Nothing saved yet.').waitFor();
      await page.getByRole('button', { name: /Sign out/ }).waitFor();

      const elsewhere = await shoppers.open();
      await signInFails(elsewhere, customer.email, customer.password);
      await signIn(elsewhere, customer.email, newPassword);
    },
    JOURNEY_TIMEOUT,
  );

  it(
    'an unverified customer asks for a new verification code and verifies with it',
    async () => {
      shoppers.screenshotsOnFailure('verification-resend');
      const customer = await world.sg.customer('Unverified');
      const page = await shoppers.open();
      const code = /verification code is (\d{6})/;

      await page.goto(`/dev/mailbox?email=${encodeURIComponent(customer.email)}`);
      const first = await readFromMailbox(page, code);

      await page.goto(`/verify?email=${encodeURIComponent(customer.email)}`);
      await page.getByRole('button', { name: 'Send a new code' }).click();
      await page
        .getByRole('status')
        .filter({ hasText: `If ${customer.email} belongs to an account waiting for verification` })
        .waitFor();
      await page.getByRole('link', { name: 'development mailbox' }).click();
      const second = await readFromMailbox(page, code, 2);

      await page.getByRole('link', { name: /Enter a verification code/ }).click();
      // The first code was replaced by the new one.
      if (first !== second) {
        await page.getByLabel('Verification code').fill(first);
        await page.getByRole('button', { name: 'Verify', exact: true }).click();
        await page.getByRole('alert').waitFor();
      }
      await page.getByLabel('Verification code').fill(second);
      await page.getByRole('button', { name: 'Verify', exact: true }).click();
      await page.getByRole('heading', { name: 'Email verified' }).waitFor();
    },
    JOURNEY_TIMEOUT,
  );
});
