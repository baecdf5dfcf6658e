/**
 * The wishlist in the storefront: a guest is asked to sign in to save a product; a customer saves
 * products from their pages, finds them on /wishlist in the order saved, keeps them across a
 * reload, removes one, and its product page offers to save it again. As
 * tests/storefront.browser.test.ts: a real browser on one real supergraph, acting as a person does
 * and waiting for visible state. The pages move in-app between the steps (no reload but the one
 * the journey asks for), so what one page changed has to show on the other through the cache.
 */
import { Types } from 'mongoose';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Page } from 'playwright-core';

import { ALL_SUBGRAPHS } from './support/subgraphs';
import { mustSucceed } from './support/storefront';
import { seriousAxeViolations, useStorefront } from './support/browser';
import { signIn } from './support/shopper-steps';

const JOURNEY_TIMEOUT = 120_000;

const world = useStorefront({ subgraphs: ALL_SUBGRAPHS });
const { shoppers } = world;

interface Created {
  id: string;
  slug: string;
  name: string;
  price: { formatted: string };
}
const products: Record<'lamp' | 'kettle', Created> = {} as never;

async function createProduct(sku: string, name: string, priceAmount: number): Promise<Created> {
  const admin = await world.sg.admin();
  return mustSucceed(
    await world.sg.query(
      'mutation($input: ProductInput!) { createProduct(input: $input) { id slug name price { formatted } } }',
      {
        input: {
          sku,
          name,
          description: `${name}, for the wishlist journeys.`,
          priceAmount,
          initialStock: 4,
        },
      },
      { token: admin.token },
    ),
    'createProduct',
  ).createProduct;
}

/** The wishlist page's entries as the shopper reads them: name, price, stock, each in order. */
async function wishlistEntries(page: Page): Promise<string[][]> {
  const entries = page.getByRole('list', { name: 'Saved products, oldest first' }).getByRole('listitem');
  const rows: string[][] = [];
  for (const entry of await entries.all())
    rows.push(await Promise.all(['h3', '.price', '.stock'].map((css) => entry.locator(css).innerText())));
  return rows;
}

/** On a product page: the toggle, once it shows the state it was expected to reach. */
const toggle = (page: Page, name: 'Save to wishlist' | 'Saved to wishlist') =>
  page.getByRole('button', { name, exact: true, pressed: name === 'Saved to wishlist' });

async function saveFromItsPage(page: Page, product: Created) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Shop' }).click();
  await page.getByRole('link', { name: product.name }).click();
  await page.getByRole('heading', { name: product.name, level: 1 }).waitFor();
  await toggle(page, 'Save to wishlist').click();
  await page
    .getByRole('status')
    .filter({ hasText: `Saved ${product.name} to your wishlist.` })
    .waitFor();
  await toggle(page, 'Saved to wishlist').waitFor();
}

describe('storefront wishlist', () => {
  beforeAll(async () => {
    products.lamp = await createProduct('WISH-LAMP', 'Wishful Floor Lamp', 8_900);
    products.kettle = await createProduct('WISH-KETTLE', 'Wishful Kettle', 3_450);
  }, 180_000);

  it(
    'a guest is asked to sign in to save a product, and comes back to its page signed in',
    async () => {
      shoppers.screenshotsOnFailure('wishlist-guest');
      const customer = await world.sg.customer('Guest Then Customer');
      const page = await shoppers.open();
      await page.goto('/wishlist');
      await page.getByText('to see the products you saved.').waitFor();

      await page.goto(`/products/${products.lamp.slug}`);
      await page.getByRole('heading', { name: products.lamp.name, level: 1 }).waitFor();
      await expect(page.getByRole('button', { name: /wishlist/ }).count()).resolves.toBe(0);
      await page.getByRole('link', { name: 'Sign in to save this product' }).click();
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
      await page.getByLabel('Email').fill(customer.email);
      await page.getByLabel('Password').fill(customer.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(`**/products/${products.lamp.slug}`);
      await toggle(page, 'Save to wishlist').waitFor();
    },
    JOURNEY_TIMEOUT,
  );

  it(
    'a customer saves two products, finds them on the wishlist after a reload, and removes one',
    async () => {
      shoppers.screenshotsOnFailure('wishlist-journey');
      const customer = await world.sg.customer('Wisher');
      const page = await shoppers.open();
      await signIn(page, customer.email, customer.password);
      const nav = page.getByRole('navigation', { name: 'Main' });

      await nav.getByRole('link', { name: 'Wishlist' }).click();
      await page.getByText('Nothing saved yet.').waitFor();
      await expect(page.getByRole('link', { name: 'Browse the shop' }).getAttribute('href')).resolves.toBe(
        '/products',
      );

      await saveFromItsPage(page, products.kettle);
      await saveFromItsPage(page, products.lamp);

      // In the order saved, as the catalog's cards show them.
      const both = [
        [products.kettle.name, products.kettle.price.formatted, 'In stock'],
        [products.lamp.name, products.lamp.price.formatted, 'In stock'],
      ];
      await nav.getByRole('link', { name: 'Wishlist' }).click();
      await expect.poll(() => wishlistEntries(page)).toEqual(both);
      await expect(page.getByText(/^Saved on /).count()).resolves.toBe(2);
      await page.reload();
      await expect.poll(() => wishlistEntries(page)).toEqual(both);
      expect(await seriousAxeViolations(page), 'the wishlist page').toEqual([]);

      await page.getByRole('button', { name: `Remove ${products.kettle.name}` }).click();
      await page
        .getByRole('status')
        .filter({ hasText: `Removed ${products.kettle.name} from your wishlist.` })
        .waitFor();
      await expect.poll(() => wishlistEntries(page)).toEqual([both[1]]);

      // The product page knows without a reload: the kettle can be saved again, the lamp is saved.
      await page.getByRole('link', { name: products.lamp.name }).click();
      await toggle(page, 'Saved to wishlist').waitFor();
      await nav.getByRole('link', { name: 'Shop' }).click();
      await page.getByRole('link', { name: products.kettle.name }).click();
      await page.getByRole('heading', { name: products.kettle.name, level: 1 }).waitFor();
      await toggle(page, 'Save to wishlist').waitFor();
    },
    JOURNEY_TIMEOUT,
  );

  it(
    'a saved product the catalog no longer resolves is listed as unavailable and can be removed',
    async () => {
      shoppers.screenshotsOnFailure('wishlist-gone');
      const customer = await world.sg.customer('Restored');
      mustSucceed(
        await world.sg.query(
          'mutation($p: ID!) { addToWishlist(productId: $p) { id } }',
          { p: products.lamp.id },
          { token: customer.token },
        ),
        'addToWishlist',
      );
      // As a restored backup would leave it: an id products does not know, written into users'
      // own database (addToWishlist refuses it).
      type StoredUser = { _id: Types.ObjectId; wishlist: { productId: string; addedAt: Date }[] };
      const written = await world.sg
        .subgraph('users')
        .runtime.mongo.collection<StoredUser>('users')
        .updateOne(
          { _id: new Types.ObjectId(customer.userId) },
          { $push: { wishlist: { productId: new Types.ObjectId().toHexString(), addedAt: new Date() } } },
        );
      expect(written.modifiedCount).toBe(1);

      const page = await shoppers.open();
      await signIn(page, customer.email, customer.password);
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Wishlist' }).click();
      const gone = 'A product that is no longer available';
      await page.getByRole('heading', { name: gone }).waitFor();
      await expect(page.getByRole('link', { name: products.lamp.name }).count()).resolves.toBe(1);
      expect(await seriousAxeViolations(page), 'the wishlist with an unavailable product').toEqual([]);

      await page.getByRole('button', { name: `Remove ${gone.toLowerCase()}` }).click();
      await page
        .getByRole('status')
        .filter({ hasText: `Removed ${gone.toLowerCase()}` })
        .waitFor();
      await expect(page.getByRole('heading', { name: gone }).count()).resolves.toBe(0);
      await expect
        .poll(() => wishlistEntries(page))
        .toEqual([[products.lamp.name, products.lamp.price.formatted, 'In stock']]);
    },
    JOURNEY_TIMEOUT,
  );
});
