/**
 * The back office's shipping and tax, driven as a merchant does in a real browser on one real
 * supergraph (users, products, inventory, cart and shipping: what a cart's shipping options need).
 * An ADMIN creates a zone (a country code the API refuses shows on the field, and nothing is
 * saved), adds a flat, a free-over-threshold and a by-weight method (a negative amount and a gap
 * between weight bands are refused on their fields), edits a price, deletes a method after the
 * browser's confirmation, sets a tax rate and switches "prices include tax" for a currency. What
 * the API stored is read back through the gateway, and a shopper's cart shipped to Sweden is
 * offered the new methods and taxed at the new rate. Then the rate goes, and the zone with its
 * methods (declined once at the browser's confirmation, then confirmed): Sweden is in no zone
 * again. A SUPPORT user has no such section.
 */
import { describe, expect, it } from 'vitest';
import { type Locator, type Page } from 'playwright-core';
import { usersSubgraph } from '@novamart/users';
import { productsSubgraph } from '@novamart/products';
import { inventorySubgraph } from '@novamart/inventory';
import { cartSubgraph } from '@novamart/cart';
import { shippingSubgraph } from '@novamart/shipping';
import { HARNESS_ADMIN } from './support/supergraph';
import { mustSucceed } from './support/storefront';
import { seriousAxeViolations, useStorefront } from './support/browser';
import { signIn } from './support/shopper-steps';
import { backOffice, expectFieldError, expectSectionClosed } from './support/back-office';

const JOURNEY_TIMEOUT = 120_000;

const world = useStorefront({
  subgraphs: [usersSubgraph, productsSubgraph, inventorySubgraph, cartSubgraph, shippingSubgraph],
});
const { shoppers } = world;

async function asAdmin(query: string, variables: Record<string, unknown>, what: string) {
  const admin = await world.sg.admin();
  return mustSucceed(await world.sg.query(query, variables, { token: admin.token }), what);
}

interface StoredZone {
  code: string;
  countries: { country: string; regions: string[] }[];
  methods: {
    code: string;
    name: string;
    currency: string;
    pricing: string;
    active: boolean;
    flatAmount: { amount: number } | null;
    freeOverThreshold: { amount: number } | null;
  }[];
  taxRates: { taxClass: string; name: string; rate: number }[];
}

/** The zones and tax settings as the API stores them (the harness's UK zone included). */
async function stored(): Promise<{
  zones: StoredZone[];
  settings: { currency: string; pricesIncludeTax: boolean }[];
}> {
  const data = await asAdmin(
    `{ shippingZones { code countries { country regions }
         methods { code name currency pricing active flatAmount { amount } freeOverThreshold { amount } }
         taxRates { taxClass name rate } }
       taxSettings { currency pricesIncludeTax } }`,
    {},
    'shippingZones',
  );
  return { zones: data.shippingZones, settings: data.taxSettings };
}

const nordics = async () => (await stored()).zones.find((z) => z.code === 'NORDICS');
const methodCodes = async () => (await nordics())?.methods.map((m) => m.code);

const status = (page: Page, text: string) => page.getByRole('status').filter({ hasText: text }).waitFor();

/** The zone form: a country code the API refuses, on the field and saving nothing; then the zone. */
async function createNordics(admin: Page) {
  await admin.getByRole('button', { name: 'New zone' }).click();
  const form = admin.getByRole('form', { name: 'New zone' });
  await form.getByLabel('Zone code').fill('nordics');
  await form.getByLabel('Zone name').fill('Nordics');
  await form.getByLabel('Countries').fill('SE, NO SWE');
  await form.getByRole('button', { name: 'Create zone' }).click();
  await expectFieldError(form.getByLabel('Countries'), 'SWE: must be an ISO 3166-1 alpha-2 code such as DE');
  expect((await stored()).zones.map((z) => z.code)).toEqual(['UK']);
  await form.getByLabel('Countries').fill('SE, NO, DK');
  await form.getByRole('button', { name: 'Create zone' }).click();
  await status(admin, 'Saved zone Nordics (NORDICS).');
  const zone = admin.getByRole('region', { name: 'Nordics (NORDICS)' });
  await zone.getByText('Countries: Sweden (SE), Norway (NO), Denmark (DK)').waitFor();
  expect((await nordics())?.countries).toEqual([
    { country: 'SE', regions: [] },
    { country: 'NO', regions: [] },
    { country: 'DK', regions: [] },
  ]);
  return zone;
}

/** Opens the zone's method form and fills what every method has. */
async function newMethod(zone: Locator, code: string, name: string) {
  await zone.getByRole('button', { name: 'Add a shipping method to Nordics' }).click();
  const form = zone.getByRole('form', { name: 'New shipping method in Nordics' });
  await form.getByLabel('Method code').fill(code);
  await form.getByLabel('Method name').fill(name);
  await form.getByLabel('Carrier (optional)').fill('PostNord');
  await form.getByLabel('Currency').selectOption('EUR');
  return form;
}

/** A flat method (a negative price refused first) and a free-over-threshold one, listed in words. */
async function addPricedMethods(admin: Page, zone: Locator) {
  let form = await newMethod(zone, 'postnord', 'PostNord Parcel');
  await form.getByLabel('Price', { exact: true }).fill('-5');
  await form.getByRole('button', { name: 'Add method' }).click();
  await expectFieldError(form.getByLabel('Price', { exact: true }), 'Enter an amount in EUR, such as 4.90');
  expect(await methodCodes()).toEqual([]);
  await form.getByLabel('Price', { exact: true }).fill('5.90');
  await form.getByRole('button', { name: 'Add method' }).click();
  await status(admin, 'Saved PostNord Parcel (POSTNORD) in Nordics.');

  form = await newMethod(zone, 'free50', 'Free over 50');
  await form.getByLabel('Pricing').selectOption('FREE_OVER');
  await form.getByLabel('Price below the threshold').fill('9.90');
  await form.getByLabel('Free from').fill('50');
  await form.getByRole('button', { name: 'Add method' }).click();
  await status(admin, 'Saved Free over 50 (FREE50) in Nordics.');
  const row = (name: string) => zone.getByRole('row').filter({ hasText: name });
  await row('PostNord Parcel').filter({ hasText: 'Flat €5.90' }).filter({ hasText: 'ACTIVE' }).waitFor();
  await row('Free over 50')
    .filter({ hasText: 'Free from €50.00 (goods after discounts), else €9.90' })
    .waitFor();
  const methods = (await nordics())!.methods;
  expect(methods.map((m) => [m.code, m.currency, m.pricing, m.flatAmount, m.freeOverThreshold])).toEqual([
    ['FREE50', 'EUR', 'FREE_OVER', { amount: 990 }, { amount: 5_000 }],
    ['POSTNORD', 'EUR', 'FLAT', { amount: 590 }, null],
  ]);
  return row;
}

/** By weight: a gap between the bands is the API's error on the band's field; closed, it is saved. */
async function addWeightMethod(admin: Page, zone: Locator) {
  const form = await newMethod(zone, 'heavy', 'Heavy goods');
  await form.getByLabel('Pricing').selectOption('WEIGHT_BANDS');
  const band = (n: number) => form.getByRole('group', { name: `Band ${n}` });
  await band(1).getByLabel('Under (g)').fill('1000');
  await band(1).getByLabel('Band price').fill('4');
  await form.getByRole('button', { name: 'Add a band' }).click();
  await band(2).getByLabel('From (g)').fill('2000');
  await band(2).getByLabel('Band price').fill('8');
  await form.getByRole('button', { name: 'Add method' }).click();
  await expectFieldError(
    band(2).getByLabel('From (g)'),
    'Bands leave a gap: nothing prices 1000 g to 2000 g',
  );
  expect(await methodCodes()).toEqual(['FREE50', 'POSTNORD']);
  await band(2).getByLabel('From (g)').fill('1000');
  await form.getByRole('button', { name: 'Add method' }).click();
  await status(admin, 'Saved Heavy goods (HEAVY) in Nordics.');
  await zone
    .getByRole('row')
    .filter({ hasText: 'By weight: 0 g to under 1000 g €4.00; from 1000 g €8.00' })
    .waitFor();
}

describe('back-office shipping and tax', () => {
  it(
    'an admin sets up a zone with methods and a tax rate; a Swedish cart is offered and taxed by them',
    async () => {
      shoppers.screenshotsOnFailure('shipping-admin');
      const admin = await shoppers.open();
      await signIn(admin, HARNESS_ADMIN.email, HARNESS_ADMIN.password);
      await admin.getByRole('link', { name: 'Back office' }).click();
      await backOffice(admin).getByRole('link', { name: 'Shipping & tax' }).click();
      await admin.getByRole('heading', { name: 'Shipping & tax', level: 1 }).waitFor();
      await expect(admin.title()).resolves.toMatch(/^Shipping & tax/);
      const uk = admin.getByRole('region', { name: 'United Kingdom (UK)' });
      await uk
        .getByRole('row')
        .filter({ hasText: 'Royal Mail Tracked 48' })
        .filter({ hasText: 'Flat £3.99' })
        .waitFor();

      const zone = await createNordics(admin);
      const row = await addPricedMethods(admin, zone);
      await addWeightMethod(admin, zone);
      expect(await seriousAxeViolations(admin), 'shipping page').toEqual([]);

      // A new price for PostNord; the row and the API show it.
      await zone.getByRole('button', { name: 'Edit method PostNord Parcel' }).click();
      const edit = zone.getByRole('form', { name: 'Edit method PostNord Parcel' });
      await expect(edit.getByLabel('Price', { exact: true }).inputValue()).resolves.toBe('5.90');
      await edit.getByLabel('Price', { exact: true }).fill('6.50');
      await edit.getByRole('button', { name: 'Save method' }).click();
      await status(admin, 'Saved PostNord Parcel (POSTNORD) in Nordics.');
      await row('PostNord Parcel').filter({ hasText: 'Flat €6.50' }).waitFor();
      expect((await nordics())!.methods.find((m) => m.code === 'POSTNORD')!.flatAmount).toEqual({
        amount: 650,
      });

      // Heavy goods go, after the browser's confirmation.
      admin.once('dialog', (dialog) => void dialog.accept());
      await zone.getByRole('button', { name: 'Delete method Heavy goods' }).click();
      await status(admin, 'Deleted Heavy goods from Nordics.');
      await expect(row('Heavy goods').count()).resolves.toBe(0);
      expect(await methodCodes()).toEqual(['FREE50', 'POSTNORD']);

      // Swedish VAT, and euro prices that include it.
      await zone.getByRole('button', { name: 'Set a tax rate in Nordics' }).click();
      const tax = zone.getByRole('form', { name: 'Tax rate in Nordics' });
      await tax.getByLabel('Tax name').fill('Moms');
      await tax.getByLabel('Rate (%)').fill('25');
      await tax.getByRole('button', { name: 'Save tax rate' }).click();
      await status(admin, 'Nordics: standard class taxed at Moms 25%.');
      await zone
        .getByRole('list', { name: 'Tax rates of Nordics' })
        .getByText('standard class: Moms 25%')
        .waitFor();
      expect((await nordics())!.taxRates).toEqual([{ taxClass: 'STANDARD', name: 'Moms', rate: 25 }]);
      const euro = admin.getByRole('switch', { name: 'Prices in EUR include tax' });
      await expect(euro.getAttribute('aria-checked')).resolves.toBe('false');
      await euro.click();
      await status(admin, 'Prices in EUR now include tax.');
      await expect(euro.getAttribute('aria-checked')).resolves.toBe('true');
      expect((await stored()).settings).toContainEqual({ currency: 'EUR', pricesIncludeTax: true });

      await expectSwedishCart();
      await deleteRateAndZone(admin, zone);
    },
    JOURNEY_TIMEOUT,
  );

  it(
    'a SUPPORT user has no Shipping & tax section, and its address is not open to them',
    async () => {
      shoppers.screenshotsOnFailure('shipping-admin-support');
      await expectSectionClosed(world, {
        role: 'SUPPORT',
        sections: ['Returns', 'Reviews'],
        path: '/admin/shipping',
        heading: 'Shipping & tax',
      });
    },
    JOURNEY_TIMEOUT,
  );
});

/** A Swedish quote as the cart asks it: what an address in no zone gets once the zone is gone. */
async function swedishQuote() {
  return mustSucceed(
    await world.sg.query(
      `{ shippingQuote(input: { address: { name: "Astrid", line1: "Drottninggatan 1", city: "Stockholm",
           postalCode: "11151", country: "SE" }, currency: "EUR", lines: [{ key: "a", amount: 4000 }] }) {
         options { code } taxLines { name } } }`,
      {},
    ),
    'shippingQuote',
  ).shippingQuote;
}

/** The tax rate, then the whole zone, each after the browser's confirmation (the zone declined once). */
async function deleteRateAndZone(admin: Page, zone: Locator) {
  admin.once('dialog', (dialog) => void dialog.accept());
  await zone.getByRole('button', { name: 'Delete standard class rate in Nordics' }).click();
  await status(admin, 'Deleted Moms 25% from Nordics.');
  await zone.getByText('No rate: tax comes from another zone holding the address').waitFor();
  expect((await nordics())!.taxRates).toEqual([]);
  expect((await swedishQuote()).taxLines).toEqual([]);

  const declined = new Promise<string>((resolve) =>
    admin.once('dialog', (dialog) => {
      resolve(dialog.message());
      void dialog.dismiss();
    }),
  );
  await zone.getByRole('button', { name: 'Delete zone Nordics' }).click();
  expect(await declined).toBe(
    'Delete zone Nordics (NORDICS) with its shipping methods and tax rates? Its addresses get ' +
      'another zone’s methods and rates, or the default rate.',
  );
  expect(await methodCodes()).toEqual(['FREE50', 'POSTNORD']);
  admin.once('dialog', (dialog) => void dialog.accept());
  await zone.getByRole('button', { name: 'Delete zone Nordics' }).click();
  await status(admin, 'Deleted zone Nordics (NORDICS).');
  await expect.poll(() => zone.count()).toBe(0);
  expect((await stored()).zones.map((z) => z.code)).toEqual(['UK']);
  expect(await swedishQuote()).toEqual({ options: [], taxLines: [] });
}

/** A shopper's euro cart (set up through the API) shipped to Sweden: the new methods, and Swedish VAT included. */
async function expectSwedishCart() {
  const productId = (
    await asAdmin(
      'mutation($input: ProductInput!) { createProduct(input: $input) { id } }',
      {
        input: {
          sku: 'NORDIC-LAMP',
          name: 'Nordic Lamp',
          description: 'For the shipping journey.',
          priceAmount: 4_000,
          currency: 'EUR',
          initialStock: 10,
        },
      },
      'createProduct',
    )
  ).createProduct.id as string;
  const cartId = mustSucceed(
    await world.sg.query('mutation($p: ID!) { addToCart(productId: $p, quantity: 1) { id } }', {
      p: productId,
    }),
    'addToCart',
  ).addToCart.id as string;
  const address = {
    name: 'Astrid',
    line1: 'Drottninggatan 1',
    city: 'Stockholm',
    postalCode: '11151',
    country: 'SE',
  };
  const cart = mustSucceed(
    await world.sg.query(
      `query($id: ID, $a: AddressInput!) { cart(id: $id) {
         shippingOptions(address: $a) { code name carrier price { amount currency } }
         taxLines(address: $a, shippingMethodCode: "POSTNORD") { name rate }
         pricesIncludeTax(address: $a, shippingMethodCode: "POSTNORD") } }`,
      { id: cartId, a: address },
    ),
    'cart',
  ).cart;
  // €40.00 of goods: below the free threshold, so cheapest first is PostNord at its new price.
  expect(cart.shippingOptions).toEqual([
    {
      code: 'POSTNORD',
      name: 'PostNord Parcel',
      carrier: 'PostNord',
      price: { amount: 650, currency: 'EUR' },
    },
    { code: 'FREE50', name: 'Free over 50', carrier: 'PostNord', price: { amount: 990, currency: 'EUR' } },
  ]);
  expect(cart.taxLines).toEqual([{ name: 'Moms', rate: 25 }]);
  expect(cart.pricesIncludeTax).toBe(true);
}
