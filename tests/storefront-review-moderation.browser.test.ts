/**
 * Review moderation in the back office (`/admin/reviews`): a customer who bought a product reviews
 * it on the product page; support finds the review among the complaints (a refused Hide is shown
 * by the review), hides it (the product page no longer shows it and its rating changes) and
 * restores it (it is back); a customer cannot open the page. As
 * tests/storefront-reviews.browser.test.ts: a real browser on one real supergraph, acting as a
 * person does and waiting for visible state; the purchases and the other buyer's review are made
 * through the API (the journey is not about them).
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type Locator, type Page } from 'playwright-core';
import { ALL_SUBGRAPHS } from './support/subgraphs';
import { createProduct, mustSucceed } from './support/storefront';
import { seriousAxeViolations, useStorefront } from './support/browser';
import { signIn } from './support/shopper-steps';
import { apiReviews as apiReviewsOf, buyer as buyerOf } from './support/reviews';
import { staffMember } from './support/staff';

const JOURNEY_TIMEOUT = 180_000;
/** The machine is busy: a visible state may take a while to come, never a fixed sleep. */
const VISIBLE = { timeout: 30_000 };

const world = useStorefront({ subgraphs: ALL_SUBGRAPHS });
const { shoppers } = world;
const buyer = (productId: string, name: string) => buyerOf(world.sg, productId, name);
const apiReviews = (productId: string) => apiReviewsOf(world.sg, productId);

const reviewsSection = (page: Page) => page.getByRole('region', { name: 'Reviews' });
const shownTexts = (page: Page) => reviewsSection(page).locator('.review-text').allInnerTexts();
const summaryReads = (page: Page, text: string) =>
  reviewsSection(page).getByTestId('rating').filter({ hasText: text }).waitFor(VISIBLE);

/** The moderation list's entry for the review of `author` on `productName`. */
const listed = (page: Page, author: string, productName: string): Locator =>
  page.getByRole('listitem', { name: `Review by ${author} of ${productName}`, exact: true });

/** The shop's product page, read again, shows `texts` and the rating `summary`. */
async function productPageShows(page: Page, slug: string, summary: string, texts: string[]) {
  await page.goto(`/products/${slug}`);
  await summaryReads(page, summary);
  await expect.poll(() => shownTexts(page), VISIBLE).toEqual(texts);
}

describe('storefront review moderation', () => {
  it(
    'support finds a complaint, hides it from the product page and rating, and restores it',
    async () => {
      shoppers.screenshotsOnFailure('review-moderation');
      const stamp = randomUUID().slice(0, 8);
      const name = `Moderated Kettle ${stamp}`;
      const productId = await createProduct(world.sg, `MOD-${stamp}`, 3_000, 20, {
        name,
        description: 'For the moderation journey.',
      });
      const slug = mustSucceed(
        await world.sg.query('query($id: ID!) { product(id: $id) { slug } }', { id: productId }),
        'product slug',
      ).product.slug as string;
      const [complainer, fan] = await Promise.all([buyer(productId, 'Grumpy'), buyer(productId, 'Fan')]);
      mustSucceed(
        await world.sg.query(
          'mutation($i: ReviewInput!) { addReview(input: $i) { id } }',
          { i: { productId, rating: 5, text: 'Boils in a minute.' } },
          { token: fan.token },
        ),
        'addReview',
      );

      // The customer who bought it writes a complaint, markup and all, on the product page.
      const complaint = 'Leaks <b>everywhere</b>. Avoid.';
      const customerPage = await shoppers.open();
      await signIn(customerPage, complainer.email, complainer.password);
      await customerPage.goto(`/products/${slug}`);
      await customerPage.getByLabel('2 stars').check();
      await customerPage.getByLabel('Your review', { exact: true }).fill(complaint);
      await customerPage.getByLabel('Name shown with your review').fill('Grumpy G.');
      await customerPage.getByRole('button', { name: 'Submit review' }).click();
      await summaryReads(customerPage, '3.5 out of 5 · 2 reviews');

      // Support opens the back office from the header and narrows the list to the complaints.
      const support = await staffMember(world.sg, 'SUPPORT', 'Sam Support');
      const supportPage = await shoppers.open();
      await signIn(supportPage, support.email, support.password);
      await supportPage.getByRole('link', { name: 'Back office' }).click();
      // Support's sections: the returns queue (where the link leads) and review moderation; the
      // others are the administrator's.
      const nav = supportPage.getByRole('navigation', { name: 'Back office' });
      await nav.waitFor(VISIBLE);
      expect(await nav.getByRole('link').allInnerTexts()).toEqual(['Returns', 'Reviews']);
      await nav.getByRole('link', { name: 'Reviews' }).click();
      await supportPage.waitForURL(/\/admin\/reviews$/);
      await supportPage.getByRole('heading', { name: 'Reviews', level: 1 }).waitFor(VISIBLE);
      await supportPage.getByLabel('Rating').selectOption({ label: '1–2 stars (complaints)' });
      const entry = listed(supportPage, 'Grumpy G.', name);
      await entry.waitFor(VISIBLE);
      // The fan's 5 stars are not a complaint.
      await expect(listed(supportPage, 'a verified buyer', name).count()).resolves.toBe(0);
      // Text as written: the markup shows as typed and makes no element.
      expect(await entry.locator('.review-text').innerText()).toBe(complaint);
      await expect(entry.locator('.review-text b').count()).resolves.toBe(0);
      await entry.getByText('2 out of 5 stars').waitFor();
      await entry.getByText('VISIBLE', { exact: true }).waitFor();
      expect(await entry.getByRole('link', { name }).getAttribute('href')).toBe(`/products/${slug}`);
      expect(await seriousAxeViolations(supportPage), 'the moderation list').toEqual([]);

      // A refusal is shown by the review, which stays as it was (the API answers as it would had
      // the moderator lost the role since the page was read).
      await supportPage.route('**/graphql', async (route) => {
        if ((route.request().postDataJSON() as { operationName?: string }).operationName !== 'HideReview')
          return route.fallback();
        await route.fulfill({
          contentType: 'application/json',
          body: JSON.stringify({
            data: null,
            errors: [
              { message: 'Requires one of the roles SUPPORT, ADMIN', extensions: { code: 'FORBIDDEN' } },
            ],
          }),
        });
      });
      await entry.getByRole('button', { name: /^Hide/ }).click();
      await entry
        .getByRole('alert')
        .filter({ hasText: 'Not allowed: Requires one of the roles SUPPORT, ADMIN' })
        .waitFor(VISIBLE);
      await entry.getByText('VISIBLE', { exact: true }).waitFor();
      await supportPage.unroute('**/graphql');

      await entry.getByRole('button', { name: /^Hide/ }).click();
      await supportPage
        .getByRole('status')
        .filter({ hasText: `Review by Grumpy G. of ${name} hidden from the product page.` })
        .waitFor(VISIBLE);
      // The list was read again: the review now says so, who hid it, and offers Restore.
      await entry.getByText('HIDDEN', { exact: true }).waitFor(VISIBLE);
      const history = entry.getByRole('list', { name: 'Moderation history' });
      await expect(history.getByRole('listitem').allInnerTexts()).resolves.toEqual([
        expect.stringMatching(/^Hidden by support on /),
      ]);
      expect(await apiReviews(productId)).toEqual({
        rating: { average: 5, count: 1 },
        texts: ['Boils in a minute.'],
      });
      const shopper = await shoppers.open();
      await productPageShows(shopper, slug, '5 out of 5 · 1 review', ['Boils in a minute.']);

      // Among the hidden ones, restored: back on the page and in the rating.
      await supportPage.getByLabel('Show').selectOption({ label: 'Hidden' });
      await supportPage.getByLabel('Rating').selectOption({ label: 'Any rating' });
      await entry.getByRole('button', { name: /^Restore/ }).click();
      await supportPage
        .getByRole('status')
        .filter({ hasText: `Review by Grumpy G. of ${name} restored to the product page.` })
        .waitFor(VISIBLE);
      // Read again under "Hidden": it has left the list.
      await expect.poll(() => entry.count(), VISIBLE).toBe(0);
      await productPageShows(shopper, slug, '3.5 out of 5 · 2 reviews', [complaint, 'Boils in a minute.']);
      expect((await apiReviews(productId)).rating).toEqual({ average: 3.5, count: 2 });

      // One product's reviews (the link on its back-office page): both of them, and no other product's.
      await supportPage.goto(`/admin/reviews?product=${encodeURIComponent(productId)}`);
      await supportPage.getByText(`The reviews of ${name} only.`).waitFor(VISIBLE);
      await expect
        .poll(() => supportPage.getByRole('listitem', { name: /^Review by / }).allInnerTexts(), VISIBLE)
        .toHaveLength(2);
      await listed(supportPage, 'Grumpy G.', name).waitFor(VISIBLE);
      await listed(supportPage, 'a verified buyer', name).waitFor(VISIBLE);
    },
    JOURNEY_TIMEOUT,
  );

  it(
    'a customer cannot open the moderation page, and is offered no back office',
    async () => {
      shoppers.screenshotsOnFailure('review-moderation-refused');
      const customer = await world.sg.customer('Curious');
      const page = await shoppers.open();
      await signIn(page, customer.email, customer.password);
      await expect(page.getByRole('link', { name: 'Back office' }).count()).resolves.toBe(0);
      await page.goto('/admin/reviews');
      await page.getByText('This part of the back office is not open to your account.').waitFor(VISIBLE);
      await expect(page.getByRole('heading', { name: 'Reviews', level: 1 }).count()).resolves.toBe(0);
      await expect(page.getByRole('button', { name: /^(Hide|Restore)/ }).count()).resolves.toBe(0);
      // The API refuses it too, whatever a page shows.
      const answer = await world.sg.query(
        '{ moderationReviews(first: 1) { edges { node { id } } } }',
        {},
        { token: customer.token },
      );
      expect(answer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    },
    JOURNEY_TIMEOUT,
  );
});
