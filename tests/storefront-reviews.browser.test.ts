/**
 * Reviews on the storefront's product page: the rating and the reviews newest first, "More
 * reviews" by cursor, and writing one. As tests/storefront-paging.browser.test.ts: a real browser
 * on one real supergraph, acting as a person does and waiting for visible state. Purchases and the
 * other customers' reviews are made through the API (the journeys are not about them); what the
 * page shows is checked against what the API answers.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type Locator, type Page } from 'playwright-core';
import { type SignedInUser } from './support/supergraph';
import { ALL_SUBGRAPHS } from './support/subgraphs';
import { mustSucceed } from './support/storefront';
import { seriousAxeViolations, useStorefront } from './support/browser';
import { signIn } from './support/shopper-steps';
import { apiReviews as apiReviewsOf, buyer as buyerOf } from './support/reviews';

const JOURNEY_TIMEOUT = 120_000;
/** The storefront's page of reviews (REVIEWS_PAGE in storefront/src/pages/Reviews.tsx). */
const PAGE = 5;

const world = useStorefront({ subgraphs: ALL_SUBGRAPHS });
const { shoppers } = world;
const buyer = (productId: string, name: string) => buyerOf(world.sg, productId, name);
const apiReviews = (productId: string) => apiReviewsOf(world.sg, productId);

async function createProduct(name: string): Promise<{ id: string; slug: string }> {
  const admin = await world.sg.admin();
  const sku = `REV-${randomUUID().slice(0, 8)}`;
  const created = mustSucceed(
    await world.sg.query(
      'mutation($input: ProductInput!) { createProduct(input: $input) { id slug } }',
      {
        input: { sku, name, description: 'For the reviews journeys.', priceAmount: 2_500, initialStock: 20 },
      },
      { token: admin.token },
    ),
    'createProduct',
  );
  return created.createProduct;
}

async function addReview(customer: SignedInUser, productId: string, rating: number, text: string) {
  mustSucceed(
    await world.sg.query(
      'mutation($i: ReviewInput!) { addReview(input: $i) { id } }',
      { i: { productId, rating, text } },
      { token: customer.token },
    ),
    'addReview',
  );
}

const section = (page: Page) => page.getByRole('region', { name: 'Reviews' });
/** The texts of the reviews the section shows, top first. */
const shownTexts = (page: Page) => section(page).locator('.review-text').allInnerTexts();
/** Waits until the section's rating summary reads `text`. */
const summaryReads = (page: Page, text: string) =>
  section(page).getByTestId('rating').filter({ hasText: text }).waitFor();
const ratingField = (page: Page): Locator => page.getByRole('group', { name: 'Your rating' });
// Exact: "Name shown with your review" holds the words too.
const reviewText = (page: Page) => page.getByLabel('Your review', { exact: true });
/** "by <name>" (or "by a verified buyer") of each review the section lists, top first. */
const shownAuthors = (page: Page) => section(page).locator('.review-author').allInnerTexts();
const ownReview = (page: Page) => section(page).locator('.my-review');

/** The customer's own review as the API answers it, and its date as the page's locale writes it. */
async function apiOwnReview(page: Page, customer: SignedInUser, productId: string) {
  const answer = mustSucceed(
    await world.sg.query(
      'query($id: ID!) { product(id: $id) { myReview { text authorName hidden createdAt } } }',
      { id: productId },
      { token: customer.token },
    ),
    'myReview',
  );
  const review = answer.product.myReview as { text: string; hidden: boolean; createdAt: string };
  const date = await page.evaluate((at) => new Date(at).toLocaleDateString(), review.createdAt);
  return { ...review, date };
}

describe('storefront product reviews', () => {
  it(
    'a guest is asked to sign in; a customer who did not buy the product is refused, nothing added',
    async () => {
      shoppers.screenshotsOnFailure('reviews-refused');
      const product = await createProduct('Unreviewed Lamp');
      const stranger = await world.sg.customer('Stranger');
      const page = await shoppers.open();
      await page.goto(`/products/${product.slug}`);
      await summaryReads(page, 'No reviews yet');
      await expect(page.getByRole('heading', { name: 'Write a review' }).count()).resolves.toBe(0);

      // The guest's link comes back here once signed in.
      await section(page).getByRole('link', { name: 'Sign in to write a review' }).click();
      await page.getByLabel('Email').fill(stranger.email);
      await page.getByLabel('Password').fill(stranger.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(new RegExp(`/products/${product.slug}$`));
      await page.getByRole('heading', { name: 'Write a review' }).waitFor();

      // The rating is a radio group the arrow keys move through.
      await page.getByLabel('5 stars').focus();
      await page.keyboard.press('Space');
      await page.keyboard.press('ArrowDown');
      expect(await page.getByLabel('4 stars').isChecked()).toBe(true);
      await reviewText(page).fill('Looks nice in the shop window.');
      await page.getByRole('button', { name: 'Submit review' }).click();
      await section(page)
        .getByRole('alert')
        .filter({ hasText: 'Not allowed: Only a customer who bought this product may review it' })
        .waitFor();
      await summaryReads(page, 'No reviews yet');
      expect(await shownTexts(page)).toEqual([]);
      expect(await apiReviews(product.id)).toEqual({ rating: { average: null, count: 0 }, texts: [] });
    },
    JOURNEY_TIMEOUT,
  );

  it(
    "the API's refusal of a field is shown by that field",
    async () => {
      shoppers.screenshotsOnFailure('reviews-field-errors');
      const product = await createProduct('Fussy Kettle');
      const customer = await buyer(product.id, 'Hasty');
      const page = await shoppers.open();
      await signIn(page, customer.email, customer.password);
      await page.goto(`/products/${product.slug}`);
      // No rating chosen: the API's rule is shown in the rating's fieldset.
      await reviewText(page).fill('Forgot the stars.');
      await page.getByRole('button', { name: 'Submit review' }).click();
      await ratingField(page).getByText('rating must be a whole number from 1 to 5').waitFor();
      // Only spaces: the text's rule by the text, the rating's message gone.
      await page.getByLabel('3 stars').check();
      await reviewText(page).fill('   ');
      await page.getByRole('button', { name: 'Submit review' }).click();
      await page.getByText('text is required').waitFor();
      expect(await reviewText(page).getAttribute('aria-invalid')).toBe('true');
      await expect(ratingField(page).locator('.field-error').count()).resolves.toBe(0);
      expect((await apiReviews(product.id)).texts).toEqual([]);
    },
    JOURNEY_TIMEOUT,
  );

  it(
    'a buyer reads their review, with the name they chose, at once and after a reload instead of the form; other buyers\' reviews page in with "More reviews", each once',
    async () => {
      shoppers.screenshotsOnFailure('reviews-written');
      const product = await createProduct('Reviewed Teapot');
      const [first, second, ...others] = await Promise.all(
        ['First', 'Second', 'Third', 'Fourth', 'Fifth', 'Sixth'].map((name) => buyer(product.id, name)),
      );
      const page = await shoppers.open();
      const dialogs: string[] = [];
      page.on('dialog', (dialog) => {
        dialogs.push(dialog.message());
        void dialog.dismiss();
      });
      await signIn(page, first!.email, first!.password);
      await page.goto(`/products/${product.slug}`);
      await summaryReads(page, 'No reviews yet');

      // Marks this document: a reload would lose it.
      await page.evaluate(() => Object.assign(window, { sameDocument: true }));
      await ratingField(page).getByLabel('4 stars').check();
      await reviewText(page).fill('Pours without dripping.\nKeeps the tea hot.');
      await page.getByText('42 of 5000 characters').waitFor();
      await page.getByLabel('Name shown with your review').fill('  Ada L. ');
      await page.getByRole('button', { name: 'Submit review' }).click();
      await page.getByRole('status').filter({ hasText: 'Thanks for your review' }).waitFor();
      await summaryReads(page, '4 out of 5 · 1 review');
      expect(await shownTexts(page)).toEqual(['Pours without dripping.\nKeeps the tea hot.']);
      expect(await shownAuthors(page)).toEqual(['by Ada L.']);
      // With the thanks, their review as the API now answers it, and no second form.
      const own = await apiOwnReview(page, first!, product.id);
      expect(own).toMatchObject({ authorName: 'Ada L.', hidden: false });
      await ownReview(page).getByText(`You reviewed this product on ${own.date}`, { exact: true }).waitFor();
      expect(await ownReview(page).locator('.my-review-text').innerText()).toBe(own.text);
      await expect(page.getByRole('heading', { name: 'Write a review' }).count()).resolves.toBe(0);
      await section(page).getByRole('img', { name: '4 out of 5 stars', exact: true }).waitFor();
      await page.getByRole('link', { name: 'Rated 4 out of 5, 1 review' }).waitFor();
      expect(await page.evaluate(() => 'sameDocument' in window)).toBe(true);

      // After a reload: their review instead of the form ("You have already reviewed" otherwise).
      await page.reload();
      await summaryReads(page, '4 out of 5 · 1 review');
      expect(await shownTexts(page)).toEqual(['Pours without dripping.\nKeeps the tea hot.']);
      await ownReview(page).getByText(`You reviewed this product on ${own.date}`, { exact: true }).waitFor();
      await ownReview(page).getByRole('img', { name: 'You rated it 4 out of 5 stars' }).waitFor();
      await ownReview(page).getByText('Shown as Ada L.').waitFor();
      expect(await ownReview(page).locator('.my-review-text').innerText()).toBe(own.text);
      await expect(page.getByRole('heading', { name: 'Write a review' }).count()).resolves.toBe(0);
      await expect(page.getByRole('button', { name: 'Submit review' }).count()).resolves.toBe(0);

      await addReview(second!, product.id, 5, 'Lovely.');
      await page.reload();
      await summaryReads(page, '4.5 out of 5 · 2 reviews');
      // By the price, compact; its accessible name says it in words.
      const compact = page.getByRole('link', { name: 'Rated 4.5 out of 5, 2 reviews' });
      expect(await compact.locator('[aria-hidden="true"]').innerText()).toBe('★ 4.5 (2)');
      expect(await shownTexts(page)).toEqual(['Lovely.', 'Pours without dripping.\nKeeps the tea hot.']);
      // Given through the API without a name: every review is a buyer's.
      expect(await shownAuthors(page)).toEqual(['by a verified buyer', 'by Ada L.']);
      await expect(page.getByRole('button', { name: 'More reviews' }).count()).resolves.toBe(0);

      // More than a page: the rest come with "More reviews", none twice, in the API's order.
      const more = ['Too small for four.', '<script>alert(1)</script>', 'Fine.', 'The lid rattles.'];
      for (const [i, customer] of others.entries())
        await addReview(customer, product.id, [3, 5, 4, 2][i]!, more[i]!);
      const api = await apiReviews(product.id);
      expect(api.texts).toHaveLength(PAGE + 1);
      await page.reload();
      await summaryReads(page, '3.8 out of 5 · 6 reviews');
      await expect.poll(() => shownTexts(page)).toEqual(api.texts.slice(0, PAGE));
      // Paging asks for the reviews only, never the product again.
      const sent: string[] = [];
      page.on('request', (request) => {
        if (request.method() === 'POST' && new URL(request.url()).pathname === '/graphql')
          sent.push((request.postDataJSON() as { operationName?: string }).operationName ?? '?');
      });
      await page.getByRole('button', { name: 'More reviews' }).click();
      await expect.poll(() => shownTexts(page)).toEqual(api.texts);
      expect(sent).toEqual(['ProductReviews']);
      await expect(page.getByRole('button', { name: 'More reviews' }).count()).resolves.toBe(0);

      // A review's text is text: the markup shows as written and runs nothing.
      await section(page).getByText('<script>alert(1)</script>', { exact: true }).waitFor();
      await expect(section(page).locator('.review-text script').count()).resolves.toBe(0);
      expect(dialogs).toEqual([]);
      expect(await seriousAxeViolations(page), 'the product page with reviews').toEqual([]);

      // Under the shop's Content-Security-Policy (no inline styles) the stars still fill to the
      // average: 23 stars from 6 reviews.
      const guarded = await shoppers.open({ enforceCSP: true });
      await guarded.goto(`/products/${product.slug}`);
      await summaryReads(guarded, '3.8 out of 5 · 6 reviews');
      const [filled, all] = await Promise.all(
        ['.rating-summary .stars-filled', '.rating-summary .stars'].map(
          async (selector) => (await guarded.locator(selector).boundingBox())!.width,
        ),
      );
      expect(filled! / all!).toBeCloseTo(23 / 30, 2);

      // Hidden by a moderator: gone from the list, still shown to its author, who is told.
      const admin = await world.sg.admin();
      const ownId = mustSucceed(
        await world.sg.query(
          'query($id: ID!) { product(id: $id) { myReview { id } } }',
          { id: product.id },
          { token: first!.token },
        ),
        'myReview',
      ).product.myReview.id;
      mustSucceed(
        await world.sg.query(
          'mutation($id: ID!) { hideReview(id: $id) { id } }',
          { id: ownId },
          { token: admin.token },
        ),
        'hideReview',
      );
      await page.reload();
      await summaryReads(page, '3.8 out of 5 · 5 reviews');
      await ownReview(page).getByText('Hidden by the shop').waitFor();
      expect(await ownReview(page).locator('.my-review-text').innerText()).toBe(own.text);
      expect(await shownTexts(page)).not.toContain(own.text);
    },
    JOURNEY_TIMEOUT,
  );
});
