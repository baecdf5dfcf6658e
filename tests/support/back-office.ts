/**
 * The back office as the browser suites drive it: its nav, a form field's error as the page ties
 * it to the field, and a section a staff role must not reach.
 */
import { expect } from 'vitest';
import { type Locator, type Page } from 'playwright-core';
import { type Role } from '@novamart/kit';
import { type Shoppers } from './browser';
import { signIn } from './shopper-steps';
import { staffMember } from './staff';
import { type Supergraph } from './supergraph';

export const backOffice = (page: Page) => page.getByRole('navigation', { name: 'Back office' });

/** The message shows as the error of that field: next to it, and tied to it for assistive technology. */
export async function expectFieldError(field: Locator, message: string) {
  await field.page().getByText(message, { exact: true }).waitFor();
  await expect(field.getAttribute('aria-invalid')).resolves.toBe('true');
  const ids = (await field.getAttribute('aria-describedby')) ?? '';
  const errorId = ids.split(' ').find((id) => id.endsWith('-error'));
  expect(errorId, 'the field is described by its error').toBeTruthy();
  await expect(field.page().locator(`[id="${errorId}"]`).innerText()).resolves.toBe(message);
}

/**
 * A staff member of `role`, signed in, sees exactly `sections` in the back office's nav, and the
 * section at `path` (titled `heading`) answers that it is not open to them.
 */
export async function expectSectionClosed(
  world: { sg: Supergraph; shoppers: Shoppers },
  { role, sections, path, heading }: { role: Role; sections: string[]; path: string; heading: string },
) {
  const staff = await staffMember(world.sg, role, `${heading} ${role}`);
  const page = await world.shoppers.open();
  await signIn(page, staff.email, staff.password);
  await page.getByRole('link', { name: 'Back office' }).click();
  await expect(backOffice(page).getByRole('link').allInnerTexts()).resolves.toEqual(sections);
  await page.goto(path);
  await page.getByText('This part of the back office is not open to your account.').waitFor();
  await expect(page.getByRole('heading', { name: heading }).count()).resolves.toBe(0);
}
