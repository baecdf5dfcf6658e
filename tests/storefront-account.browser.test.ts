/**
 * The customer's account page (/account) with its address book, and checkout starting from the
 * default shipping address. As tests/storefront.browser.test.ts: a real browser on one real
 * supergraph, acting as a person does and waiting for visible state; the page moves in-app
 * between the steps (no reload but the ones the journey asks for), so each change has to show
 * without one.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { type Locator, type Page } from 'playwright-core';

import { seedShipping } from '../scripts/lib/seed-shipping';
import { ALL_SUBGRAPHS } from './support/subgraphs';
import { mustSucceed } from './support/storefront';
import { HARNESS_ADMIN } from './support/supergraph';
import { seriousAxeViolations, useStorefront } from './support/browser';
import { addToCart, signIn, status } from './support/shopper-steps';

const JOURNEY_TIMEOUT = 180_000;

const world = useStorefront({ subgraphs: ALL_SUBGRAPHS });
const { shoppers } = world;
let productSlug: string;

const NAVY_YARD = '1 Navy Yard';
const HARBOR = '500 Harbor Blvd';

/** The address book's cards, each as its text (name, lines, defaults), in the order listed. */
const cards = (page: Page) => page.getByRole('list', { name: 'Your addresses' }).getByRole('listitem');
const card = (page: Page, line1: string) => cards(page).filter({ hasText: line1 });

/** The message a status region announced, once it is there. */
const announced = (page: Page, text: string) => page.getByRole('status').filter({ hasText: text }).waitFor();

async function fillAddressForm(
  form: Locator,
  address: { line1: string; city: string; region: string; postalCode: string; phone?: string },
) {
  await form.getByLabel('Full name').fill('Grace Hopper');
  await form.getByLabel('Address line 1').fill(address.line1);
  await form.getByLabel('City').fill(address.city);
  await form.getByLabel('State or region (optional)').fill(address.region);
  await form.getByLabel('Postal code').fill(address.postalCode);
  await form.getByLabel('Country').selectOption('US');
  if (address.phone) await form.getByLabel('Phone for the carrier (optional)').fill(address.phone);
}

/** The input's accessible description (its hint and the error it points at with aria-describedby). */
async function describedAs(input: Locator): Promise<string> {
  const ids = ((await input.getAttribute('aria-describedby')) ?? '').split(' ').filter(Boolean);
  const page = input.page();
  const texts = await Promise.all(ids.map((id) => page.locator(`[id="${id}"]`).innerText()));
  return texts.join(' ');
}

async function addTwoAddresses(page: Page) {
  await page.getByRole('button', { name: 'Add an address' }).click();
  const form = page.getByRole('form', { name: 'Add an address' });
  // Not a ZIP code (nor any postal code: longer than 10 characters): refused by its field, the message
  // saying the format the API expects for the country.
  await fillAddressForm(form, {
    line1: NAVY_YARD,
    city: 'Arlington',
    region: 'VA',
    postalCode: '22202-0000-0000-0000-0',
  });
  await form.getByRole('button', { name: 'Add address' }).click();
  const postalCode = form.getByLabel('Postal code');
  await form
    .locator('.field-error')
    .filter({ hasText: 'postalCode: expected a US ZIP code such as 94103 or 94103-1234' })
    .waitFor();
  await expect(postalCode.getAttribute('aria-invalid')).resolves.toBe('true');
  await expect(describedAs(postalCode)).resolves.toContain(
    'postalCode: expected a US ZIP code such as 94103 or 94103-1234',
  );
  await expect(cards(page).count()).resolves.toBe(0);

  await postalCode.fill('22202');
  await form.getByRole('button', { name: 'Add address' }).click();
  await announced(page, `Added the address Grace Hopper, ${NAVY_YARD}.`);
  await card(page, NAVY_YARD).waitFor();

  await page.getByRole('button', { name: 'Add an address' }).click();
  await fillAddressForm(page.getByRole('form', { name: 'Add an address' }), {
    line1: HARBOR,
    city: 'Weehawken',
    region: 'NJ',
    postalCode: '07086',
    phone: '+1 201 555 0100',
  });
  await page.getByRole('button', { name: 'Add address' }).click();
  await announced(page, `Added the address Grace Hopper, ${HARBOR}.`);
  await expect.poll(() => cards(page).count()).toBe(2);
}

async function editAndDeleteTheFirst(page: Page) {
  await page.getByRole('button', { name: `Edit Grace Hopper, ${NAVY_YARD}` }).click();
  const form = page.getByRole('form', { name: `Edit the address Grace Hopper, ${NAVY_YARD}` });
  await expect(form.getByLabel('Address line 1').inputValue()).resolves.toBe(NAVY_YARD);
  await expect(form.getByLabel('Postal code').inputValue()).resolves.toBe('22202');
  await form.getByLabel('Address line 2 (optional)').fill('Suite 42');
  await form.getByLabel('City').fill('Alexandria');
  await form.getByRole('button', { name: 'Save address' }).click();
  await announced(page, `Saved the address Grace Hopper, ${NAVY_YARD}.`);
  await card(page, 'Suite 42').filter({ hasText: 'Alexandria, VA, 22202' }).waitFor();

  // The first press only asks; the address goes with the second.
  await page.getByRole('button', { name: `Delete Grace Hopper, ${NAVY_YARD}` }).click();
  await card(page, NAVY_YARD).getByText('Delete this address?').waitFor();
  await expect(cards(page).count()).resolves.toBe(2);
  await page.getByRole('button', { name: `Yes, delete Grace Hopper, ${NAVY_YARD}` }).click();
  await announced(page, `Deleted the address Grace Hopper, ${NAVY_YARD}.`);
  await expect.poll(() => cards(page).count()).toBe(1);
}

async function setAndClearThePhone(page: Page) {
  const phone = page.getByRole('textbox', { name: 'Phone number' });
  await phone.fill('555 0100');
  await page.getByRole('button', { name: 'Save phone number' }).click();
  await page.locator('.field-error').filter({ hasText: 'phone must be an E.164 number' }).waitFor();
  await expect(phone.getAttribute('aria-invalid')).resolves.toBe('true');
  await expect(describedAs(phone)).resolves.toContain('phone must be an E.164 number');

  await phone.fill('+1 555 123 4567');
  await page.getByRole('button', { name: 'Save phone number' }).click();
  await announced(page, 'Your phone number is now +15551234567.');
  await page.getByText('Current: +15551234567').waitFor();
  await expect(phone.getAttribute('aria-invalid')).resolves.toBeNull();

  await page.getByRole('button', { name: 'Remove phone number' }).click();
  await announced(page, 'Your phone number is removed.');
  await page.getByText('Current: none').waitFor();
  await expect(phone.inputValue()).resolves.toBe('');
}

/** The values a select offers, in order (the "Choose a country" placeholder's is ""). */
const optionValues = (select: Locator) =>
  select.locator('option').evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value));

describe('storefront account and address book', () => {
  beforeAll(async () => {
    // The demo shop's zones: the US and the EU (the harness's UK zone besides), so that checkout
    // offers the US of the saved addresses below.
    await seedShipping({
      gatewayUrl: world.sg.gatewayUrl,
      email: HARNESS_ADMIN.email,
      password: HARNESS_ADMIN.password,
    });
    const admin = await world.sg.admin();
    productSlug = mustSucceed(
      await world.sg.query(
        'mutation($input: ProductInput!) { createProduct(input: $input) { slug } }',
        {
          input: {
            sku: 'ACCOUNT-MUG',
            name: 'Address Book Mug',
            description: 'A mug, for the account journeys.',
            priceAmount: 1_200,
            initialStock: 5,
          },
        },
        { token: admin.token },
      ),
      'createProduct',
    ).createProduct.slug;
  }, 180_000);

  it(
    'a guest visiting /account is asked to sign in, and comes back to it signed in',
    async () => {
      shoppers.screenshotsOnFailure('account-guest');
      const customer = await world.sg.customer('Guest Then Customer');
      const page = await shoppers.open();
      await page.goto('/account');
      await page.getByRole('heading', { name: 'Your account', level: 1 }).waitFor();
      await page.getByText('to see your account and address book.').waitFor();
      await expect(page.getByRole('link', { name: 'Account', exact: true }).count()).resolves.toBe(0);
      await page.getByRole('link', { name: 'Sign in', exact: true }).last().click();
      await page.getByLabel('Email').fill(customer.email);
      await page.getByLabel('Password').fill(customer.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL('**/account');
      await page.getByRole('region', { name: 'Profile' }).getByText(customer.email).waitFor();
    },
    JOURNEY_TIMEOUT,
  );

  it(
    'a customer keeps an address book and a phone number, and checkout starts from the default shipping address',
    async () => {
      shoppers.screenshotsOnFailure('account-journey');
      const customer = await world.sg.customer('Grace Hopper');
      const page = await shoppers.open();
      await signIn(page, customer.email, customer.password);

      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' }).click();
      await page.getByRole('heading', { name: 'Your account', level: 1 }).waitFor();
      const profile = page.getByRole('region', { name: 'Profile' });
      await profile.getByText(customer.email).waitFor();
      await expect(profile.innerText()).resolves.toMatch(/Grace Hopper[\s\S]*not verified/);
      await expect(page.getByRole('link', { name: 'Change password' }).getAttribute('href')).resolves.toBe(
        '/account/password',
      );
      const yours = page.getByRole('navigation', { name: 'Your pages' });
      for (const [name, href] of [
        ['Orders', '/account/orders'],
        ['Wishlist', '/wishlist'],
        ['Messages', '/account/notifications'],
      ])
        await expect(yours.getByRole('link', { name }).getAttribute('href')).resolves.toBe(href);
      await page.getByText('No saved addresses yet.').waitFor();

      await addTwoAddresses(page);
      await page.getByRole('button', { name: `Use as default shipping Grace Hopper, ${HARBOR}` }).click();
      await announced(page, `Grace Hopper, ${HARBOR} is now your default shipping address.`);
      await card(page, HARBOR).getByText('Default shipping', { exact: true }).waitFor();
      await expect(
        card(page, NAVY_YARD).getByText('Default shipping', { exact: true }).count(),
      ).resolves.toBe(0);

      await editAndDeleteTheFirst(page);
      await page.reload();
      await expect.poll(() => cards(page).allInnerTexts()).toHaveLength(1);
      const [left] = await cards(page).allInnerTexts();
      expect(left).toContain('Default shipping');
      expect(left).toMatch(
        /500 Harbor Blvd\s+Weehawken, NJ, 07086\s+United States\s+Phone: \+1 201 555 0100/,
      );
      expect(left).not.toContain('Default billing');
      expect(await seriousAxeViolations(page), 'the account page').toEqual([]);

      await setAndClearThePhone(page);

      await addToCart(page, productSlug, 1);
      await page.getByRole('link', { name: /^Cart, / }).click();
      await page.getByRole('link', { name: 'Checkout' }).click();
      await page.getByRole('heading', { name: 'Checkout' }).waitFor();
      const address = page.getByRole('group', { name: 'Shipping address' });
      await expect.poll(() => address.getByLabel('Address', { exact: true }).inputValue()).toBe(HARBOR);
      await expect(address.getByLabel('Full name').inputValue()).resolves.toBe('Grace Hopper');
      await expect(address.getByLabel('City').inputValue()).resolves.toBe('Weehawken');
      await expect(address.getByLabel('Postal code').inputValue()).resolves.toBe('07086');
      await expect(address.getByLabel('Country', { exact: true }).inputValue()).resolves.toBe('US');
      const savedSelect = address.getByLabel('Saved addresses');
      await expect(savedSelect.locator('option:checked').innerText()).resolves.toBe(
        `Grace Hopper, ${HARBOR} (default shipping)`,
      );
      await page.getByRole('button', { name: 'Place order' }).click();
      await page.waitForURL(/\/orders\/[^/]+$/);
      await status(page, 'AWAITING_PAYMENT');
      await page.getByText(HARBOR).first().waitFor();
    },
    JOURNEY_TIMEOUT,
  );

  it(
    'the address book takes any country, and checkout offers only the countries the shop ships to (none configured: every country, at the default rate)',
    async () => {
      shoppers.screenshotsOnFailure('account-countries');
      const customer = await world.sg.customer('Kiyoshi Ito');
      const page = await shoppers.open();
      await signIn(page, customer.email, customer.password);
      await page.goto('/account');
      await page.getByRole('button', { name: 'Add an address' }).click();
      const form = page.getByRole('form', { name: 'Add an address' });
      // Every country the API takes (the 249 ISO assigns and XK), Japan among them, though no zone holds it.
      const bookCountries = await optionValues(form.getByLabel('Country'));
      expect(bookCountries).toHaveLength(250);
      expect(bookCountries).toContain('JP');
      await form.getByLabel('Full name').fill('Kiyoshi Ito');
      await form.getByLabel('Address line 1').fill('1-1 Chiyoda');
      await form.getByLabel('City').fill('Tokyo');
      await form.getByLabel('Postal code').fill('100-0001');
      await form.getByLabel('Country').selectOption('JP');
      await form.getByRole('button', { name: 'Add address' }).click();
      await announced(page, 'Added the address Kiyoshi Ito, 1-1 Chiyoda.');
      await card(page, '1-1 Chiyoda').filter({ hasText: 'Japan' }).waitFor();

      await addToCart(page, productSlug, 1);
      await page.goto('/checkout');
      const address = page.getByRole('group', { name: 'Shipping address' });
      const country = address.getByLabel('Country', { exact: true });
      // Exactly the API's shippingCountries: the configured zones' (the seed's and the harness's UK),
      // by name; Japan is not one of them.
      const shipped = mustSucceed(
        await world.sg.query<{ shippingCountries: { code: string }[] }>('{ shippingCountries { code } }'),
        'shippingCountries',
      ).shippingCountries.map(({ code }) => code);
      expect(shipped).toEqual(['AT', 'BE', 'FR', 'DE', 'IT', 'NL', 'ES', 'GB', 'US']);
      await expect.poll(() => optionValues(country)).toEqual(shipped);
      // The browser speaks en-US and the shop ships there: the form starts in the US.
      await expect(country.inputValue()).resolves.toBe('US');

      // The saved Japanese address fills the form; the list says the shop does not ship there.
      await address.getByLabel('Saved addresses').selectOption({ label: 'Kiyoshi Ito, 1-1 Chiyoda' });
      await expect.poll(() => country.inputValue()).toBe('');
      await expect(optionValues(country)).resolves.toEqual(['', ...shipped]);
      await address.getByText('The shop does not ship to Japan: choose a country it ships to.').waitFor();
      await expect(describedAs(country)).resolves.toContain('The shop does not ship to Japan');
      await country.selectOption('DE');
      await expect(optionValues(country)).resolves.toEqual(shipped);

      // Without a method left, the shop's default rate applies anywhere (as the API's checkout
      // charges it): checkout offers every country, as the address book does.
      const { token } = await world.sg.admin();
      const zones = mustSucceed(
        await world.sg.query<{ shippingZones: { code: string; methods: { code: string }[] }[] }>(
          '{ shippingZones { code methods { code } } }',
        ),
        'shippingZones',
      ).shippingZones;
      for (const zone of zones)
        for (const method of zone.methods)
          mustSucceed(
            await world.sg.query(
              'mutation($zone: String!, $code: String!) { deleteShippingMethod(zoneCode: $zone, code: $code) }',
              { zone: zone.code, code: method.code },
              { token },
            ),
            'deleteShippingMethod',
          );
      await page.reload();
      const anywhere = address.getByLabel('Country', { exact: true });
      await expect.poll(async () => (await optionValues(anywhere)).length).toBe(250);
      await expect(optionValues(anywhere)).resolves.toContain('JP');
      await expect(page.getByRole('button', { name: 'Place order' }).isDisabled()).resolves.toBe(false);
    },
    JOURNEY_TIMEOUT,
  );
});
