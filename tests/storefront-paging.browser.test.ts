/**
 * Walking long lists in the storefront: the shop's search results page by page (the page lives in
 * the URL, so it survives a reload and Back goes to the page before), and the back office's product
 * search with its pager. As tests/storefront.browser.test.ts: a real browser on one real
 * supergraph, acting as a person does and waiting for visible state; every page is checked against
 * the others, so that paging can neither repeat nor skip a product.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { type Page } from 'playwright-core';
import { HARNESS_ADMIN } from './support/supergraph';
import { ALL_SUBGRAPHS } from './support/subgraphs';
import { mustSucceed } from './support/storefront';
import { seriousAxeViolations, useStorefront } from './support/browser';
import { signIn } from './support/shopper-steps';

const JOURNEY_TIMEOUT = 120_000;
/** More than two catalog pages (12 a page) and more than one back-office page (25 a page). */
const PRODUCTS = 30;

const world = useStorefront({ subgraphs: ALL_SUBGRAPHS });
const { shoppers } = world;

/** A word only this run's products have in their names, so that a search finds exactly them. */
const WORD = `Pagerlamp${Date.now().toString(36)}`;
const names = Array.from({ length: PRODUCTS }, (_, i) => `${WORD} ${String(i + 1).padStart(2, '0')}`);

/** The product names the catalog grid shows. */
const cardNames = (page: Page) => page.locator('.grid .card h3').allInnerTexts();
/** The product names of the back office's table. */
const rowNames = (page: Page) => page.locator('table.lines tbody tr td:first-child').allInnerTexts();

async function catalogPage(page: Page, status: RegExp): Promise<string[]> {
  await page.getByRole('status').filter({ hasText: status }).waitFor();
  return cardNames(page);
}

describe('storefront paging through long lists', () => {
  beforeAll(async () => {
    const admin = await world.sg.admin();
    for (const [i, name] of names.entries())
      mustSucceed(
        await world.sg.query(
          'mutation($input: ProductInput!) { createProduct(input: $input) { id } }',
          {
            input: {
              sku: `PAGE-${i + 1}`,
              name,
              description: 'For the paging journeys.',
              priceAmount: 1_000 + i,
              initialStock: 5,
            },
          },
          { token: admin.token },
        ),
        'createProduct',
      );
  }, 180_000);

  it(
    'a shopper searches, walks every result page once, reloads one and goes back',
    async () => {
      shoppers.screenshotsOnFailure('catalog-paging');
      const page = await shoppers.open();
      await page.goto('/products');
      await page.getByLabel('Search products').fill(WORD);
      await page.getByRole('button', { name: 'Search' }).click();

      const first = await catalogPage(
        page,
        new RegExp(`^${PRODUCTS} products matching “${WORD}” · page 1 of 3$`),
      );
      expect(first).toHaveLength(12);
      await page.getByRole('button', { name: 'Next page' }).click();
      const second = await catalogPage(page, /page 2 of 3$/);
      expect(second).toHaveLength(12);
      await page.getByRole('button', { name: 'Next page' }).click();
      const third = await catalogPage(page, /page 3 of 3$/);
      expect(third).toHaveLength(PRODUCTS - 24);
      // The last page offers no next one; together the pages are every product, each once.
      await expect(page.getByRole('button', { name: 'Next page' }).count()).resolves.toBe(0);
      expect([...first, ...second, ...third].sort()).toEqual(names);
      expect(await seriousAxeViolations(page), 'the third result page').toEqual([]);

      // The page is in the URL: a reload shows the same products, Back the page before.
      await page.reload();
      expect(await catalogPage(page, /page 3 of 3$/)).toEqual(third);
      await page.getByRole('button', { name: 'Previous page' }).click();
      expect(await catalogPage(page, /page 2 of 3$/)).toEqual(second);
      await page.goBack();
      expect(await catalogPage(page, /page 1 of 3$/)).toEqual(first);
    },
    JOURNEY_TIMEOUT,
  );

  it(
    'an admin searches the products in the back office and pages through them',
    async () => {
      shoppers.screenshotsOnFailure('admin-product-search');
      const page = await shoppers.open();
      await signIn(page, HARNESS_ADMIN.email, HARNESS_ADMIN.password);
      await page.goto('/admin/products');
      await page.getByLabel('Search products').fill(WORD);
      await page.getByRole('button', { name: 'Search' }).click();
      await page.getByText(`${PRODUCTS} active products`).waitFor();
      await expect.poll(() => rowNames(page)).toHaveLength(25);
      const first = await rowNames(page);
      // Newest first: the last product created leads.
      expect(first[0]).toBe(names.at(-1));

      await page.getByRole('button', { name: 'Next page' }).click();
      await expect.poll(() => rowNames(page)).toHaveLength(PRODUCTS - 25);
      const second = await rowNames(page);
      await expect(page.getByRole('button', { name: 'Next page' }).count()).resolves.toBe(0);
      expect([...first, ...second].sort()).toEqual(names);

      await page.getByRole('button', { name: 'Previous page' }).click();
      await expect.poll(() => rowNames(page)).toEqual(first);
      // A search sent from the second page starts again at the first.
      await page.getByRole('button', { name: 'Next page' }).click();
      await expect.poll(() => rowNames(page)).toEqual(second);
      await page.getByRole('button', { name: 'Search' }).click();
      await expect.poll(() => rowNames(page)).toEqual(first);
      await expect(page.getByRole('button', { name: 'Previous page' }).count()).resolves.toBe(0);

      // From a search's second page, Back to the list before the search: its own first page.
      await page.goto('/admin/products');
      await page.getByLabel('Search products').fill(WORD);
      await page.getByRole('button', { name: 'Search' }).click();
      await expect.poll(() => rowNames(page)).toEqual(first);
      await page.getByRole('button', { name: 'Next page' }).click();
      await expect.poll(() => rowNames(page)).toEqual(second);
      await page.goBack();
      await page.waitForURL(/\/admin\/products$/);
      await expect.poll(() => rowNames(page)).toHaveLength(25);
      await expect(page.getByRole('button', { name: 'Previous page' }).count()).resolves.toBe(0);
    },
    JOURNEY_TIMEOUT,
  );
});
