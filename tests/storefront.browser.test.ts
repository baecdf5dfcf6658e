/**
 * The storefront in a real browser (Debian's Chromium through playwright-core) on one real
 * supergraph: every subgraph, the gateway serving the built storefront, and the API underneath.
 * Tests act as a person does (labels, buttons, visible text) and wait for visible state; none
 * retries a mutation or sleeps. One browser and one supergraph for the whole file; each journey
 * gets its own browser context (an empty profile: no localStorage, no cookies).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import { notificationsSubgraph } from '@novamart/notifications';
import { recommendationsSubgraph } from '@novamart/recommendations';
import { HARNESS_ADMIN, type Supergraph } from './support/supergraph';
import { seriousAxeViolations, Shoppers, startStorefront, stopStorefront } from './support/browser';
import { addToCart, checkoutFromCart, fillAddress, pay, signIn, status } from './support/shopper-steps';
import { CHECKOUT_SUBGRAPHS } from './support/subgraphs';

const JOURNEY_TIMEOUT = 120_000;
/** Set to a folder (e.g. docs) to keep the README's screenshots from a passing run. */
const KEEP_SCREENSHOTS = process.env.STOREFRONT_SCREENSHOTS;

let sg: Supergraph;
let browser: Browser;
let base: string;
const shoppers = new Shoppers(() => ({ browser, base }));
const products: Record<string, { id: string; slug: string; name: string }> = {};

async function createProduct(
  sku: string,
  name: string,
  priceAmount: number,
  initialStock: number,
  categorySlug: string,
) {
  const admin = await sg.admin();
  const res = await sg.query(
    'mutation($input: ProductInput!) { createProduct(input: $input) { id slug name } }',
    {
      input: {
        sku,
        name,
        description: `${name}, for the browser tests.`,
        priceAmount,
        initialStock,
        categorySlug,
      },
    },
    { token: admin.token },
  );
  if (!res.data) throw new Error(`createProduct: ${JSON.stringify(res.errors)}`);
  products[sku] = res.data.createProduct;
  return res.data.createProduct as { id: string; slug: string; name: string };
}

async function keepScreenshot(page: Page, file: string) {
  if (!KEEP_SCREENSHOTS) return;
  mkdirSync(KEEP_SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(KEEP_SCREENSHOTS, file) });
}

describe('storefront in a browser', () => {
  beforeAll(async () => {
    ({ sg, browser, base } = await startStorefront({
      subgraphs: [...CHECKOUT_SUBGRAPHS, notificationsSubgraph, recommendationsSubgraph],
      env: { NOTIFY_POLL_INTERVAL_MS: '100', LOGIN_MAX_FAILURES_PER_ACCOUNT: '2' },
    }));
    await createProduct('LAMP-1', 'Brass Desk Lamp', 4_500, 20, 'lighting');
    await createProduct('BULB-1', 'Warm LED Bulb', 799, 50, 'lighting');
    await createProduct('MUG-1', 'Stoneware Mug', 1_250, 2, 'kitchen');
  }, 180_000);

  // A failed test's screenshots show its own pages only.
  beforeEach(() => shoppers.closeAll());

  afterAll(() => stopStorefront(shoppers, { sg, browser }));

  it(
    'a shopper goes from an empty cart to a PAID order watched live, then sees it ship',
    async () => {
      shoppers.screenshotsOnFailure('journey');
      const customer = await sg.customer('Ada');
      const page = await shoppers.open();
      // What the subscription socket delivers: the page learns of each change there, not by reloading.
      const frames: string[] = [];
      page.on('websocket', (ws) =>
        ws.on('framereceived', ({ payload }) => void frames.push(String(payload))),
      );
      await signIn(page, customer.email, customer.password);
      await page.getByRole('link', { name: 'Cart, 0 items' }).waitFor();

      // Browse: search, then the category filter, then the product.
      await page.getByRole('link', { name: 'Shop' }).click();
      await page.getByLabel('Search products').fill('lamp');
      await page.getByRole('button', { name: 'Search' }).click();
      await page.getByRole('link', { name: 'Brass Desk Lamp' }).waitFor();
      await page.getByLabel('Search products').fill('');
      await page.getByRole('button', { name: 'Search' }).click();
      await page.getByLabel('Category').selectOption('lighting');
      await page.getByText('2 products').waitFor();
      await keepScreenshot(page, 'storefront.png');
      await page.getByRole('link', { name: 'Brass Desk Lamp' }).click();
      await page.getByTestId('stock').filter({ hasText: '20 in stock' }).waitFor();
      await page.getByLabel('Quantity').fill('2');
      await page.getByRole('button', { name: 'Add to cart' }).click();
      await page.getByText('Added 2 × Brass Desk Lamp to your cart (2 items, subtotal $90.00)').waitFor();
      await page.getByRole('link', { name: 'Cart, 2 items' }).click();
      await page.getByTestId('cart-subtotal').filter({ hasText: '$90.00' }).waitFor();

      const orderId = await checkoutFromCart(page);
      // Totals come from the order the server priced: free shipping from $50.
      await page.getByTestId('order-total').filter({ hasText: '$90.00' }).waitFor();

      // From here on the page is never reloaded: a marker in the window proves it.
      await page.evaluate(() => ((globalThis as any).__sameDocument = true));
      await pay(page, /succeeds/);
      await status(page, 'PAID');
      await page.getByText('Thank you! Your payment was received').waitFor();
      await keepScreenshot(page, 'order-live.png');

      const admin = await sg.admin();
      const shipped = await sg.query(
        'mutation($id: ID!) { markOrderShipped(id: $id, carrier: "DHL", trackingNumber: "JD0142") { status } }',
        { id: orderId },
        { token: admin.token },
      );
      expect(shipped.errors).toBeUndefined();
      await status(page, 'SHIPPED');
      await page.getByText('On its way with DHL, tracking number JD0142.').waitFor();
      // Nothing but the subscription tells the page about a shipment made elsewhere.
      expect(frames.some((f) => f.includes('"status":"SHIPPED"'))).toBe(true);
      expect(await page.evaluate(() => (globalThis as any).__sameDocument)).toBe(true);

      // Order history and the messages the shop sent about it.
      await page.getByRole('link', { name: 'Orders' }).click();
      await page.getByRole('link', { name: orderId.slice(-8).toUpperCase() }).waitFor();
      await page.getByRole('link', { name: 'Messages' }).click();
      await page
        .getByText(/shipped/i)
        .first()
        .waitFor();
    },
    JOURNEY_TIMEOUT,
  );

  it(
    'a declined card shows the reason and lets the customer pay with another card',
    async () => {
      shoppers.screenshotsOnFailure('declined');
      const page = await shoppers.open();
      await addToCart(page, products['BULB-1']!.slug, 3);
      await checkoutFromCart(page, 'guest-buyer@novamart.test');
      await page.getByTestId('order-total').filter({ hasText: '$28.96' }).waitFor(); // 3 × $7.99 + $4.99 shipping

      await pay(page, /insufficient funds/);
      const decline = page.getByTestId('decline');
      await decline.filter({ hasText: 'Your card has insufficient funds.' }).waitFor();
      await decline.filter({ hasText: 'Choose another card and try again.' }).waitFor();
      await status(page, 'AWAITING_PAYMENT');

      await pay(page, /succeeds/);
      await status(page, 'PAID');
      await expect(page.getByTestId('decline').count()).resolves.toBe(0);
    },
    JOURNEY_TIMEOUT,
  );

  it(
    'an administrator creates a product in the back office, and a shopper buys it',
    async () => {
      shoppers.screenshotsOnFailure('admin-product');
      const adminPage = await shoppers.open();
      await signIn(adminPage, HARNESS_ADMIN.email, HARNESS_ADMIN.password);
      await adminPage.getByRole('link', { name: 'Back office' }).click();
      await adminPage.getByRole('link', { name: 'New product' }).click();
      await adminPage.getByLabel('Name').fill('Walnut Serving Board');
      await adminPage.getByLabel('SKU').fill('BOARD-1');
      await adminPage.getByLabel('Description').fill('Oiled walnut, 40 cm.');
      await adminPage.getByLabel('Price').fill('12,5');
      await adminPage.getByLabel('Category (slug, optional)').fill('kitchen');
      await adminPage.getByLabel('Opening stock').fill('4');
      await adminPage.getByRole('button', { name: 'Create product' }).click();
      await adminPage.getByRole('heading', { name: 'Walnut Serving Board' }).waitFor();
      // The opening stock is booked by the inventory subgraph from the product.created event: the
      // page shows it once it is there (the page re-reads stock; the test only waits).
      await adminPage.getByTestId('available').filter({ hasText: /^4$/ }).waitFor();
      // Stock arrives: +6 units.
      await adminPage.getByLabel('Change (units)').fill('6');
      await adminPage.getByRole('button', { name: 'Adjust stock' }).click();
      await adminPage.getByText('Stock updated: 10 available.').waitFor();
      // Its reviews are one link away: the back office's moderation narrowed to this product (the
      // page itself is the review-moderation journey's; this supergraph runs no reviews subgraph).
      const productId = /\/admin\/products\/([^/?#]+)/.exec(adminPage.url())![1]!;
      await expect(
        adminPage.getByRole('link', { name: 'moderate its reviews' }).getAttribute('href'),
      ).resolves.toBe(`/admin/reviews?product=${productId}`);

      const page = await shoppers.open();
      await page.goto('/products?q=walnut');
      await page.getByRole('link', { name: 'Walnut Serving Board' }).click();
      await page.getByText('$12.50').first().waitFor();
      await page.getByTestId('stock').filter({ hasText: '10 in stock' }).waitFor();
      await page.getByRole('button', { name: 'Add to cart' }).click();
      await page.getByText(/Added 1 × Walnut Serving Board/).waitFor();
      await checkoutFromCart(page, 'board-buyer@novamart.test');
      await pay(page, /succeeds/);
      await status(page, 'PAID');

      // The sale shows in the back office: the order is listed as PAID for that customer.
      await adminPage
        .getByRole('navigation', { name: 'Back office' })
        .getByRole('link', { name: 'Orders' })
        .click();
      await adminPage.getByLabel('Customer email').fill('board-buyer@novamart.test');
      await adminPage.getByRole('button', { name: 'Filter' }).click();
      await adminPage.getByText('1 orders').waitFor();
      await adminPage.getByText('board-buyer@novamart.test').waitFor();
    },
    JOURNEY_TIMEOUT,
  );

  it(
    'a guest cart survives a reload and merges into the account on sign-in after registering',
    async () => {
      shoppers.screenshotsOnFailure('guest-merge');
      const page = await shoppers.open();
      await addToCart(page, products['LAMP-1']!.slug, 1);
      await page.reload();
      await page.getByRole('link', { name: 'Cart, 1 item' }).waitFor();

      // Asking for more than is left names the product and what is left.
      await page.goto(`/products/${products['MUG-1']!.slug}`);
      await page.getByLabel('Quantity').fill('5');
      await page.getByRole('button', { name: 'Add to cart' }).click();
      await page.getByRole('alert').filter({ hasText: 'Only 2 of Stoneware Mug available' }).waitFor();
      await page.getByLabel('Quantity').fill('2');
      await page.getByRole('button', { name: 'Add to cart' }).click();
      await page.getByRole('link', { name: 'Cart, 3 items' }).waitFor();

      const email = `merge-${Date.now()}@novamart.test`;
      const password = 'Merge-Passw0rd';
      // The header's link: the product page also offers "Sign in to save this product" and "Sign in to write a review".
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sign in' }).click();
      await page.getByRole('link', { name: 'Create an account' }).click();
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.getByRole('heading', { name: 'Verify your email' }).waitFor();
      await page.getByRole('link', { name: 'development mailbox' }).click();
      const body = page.locator('.message-body').filter({ hasText: /verification code is \d{6}/ });
      await body.first().waitFor();
      const code = /verification code is (\d{6})/.exec((await body.first().textContent()) ?? '')![1]!;
      await page.getByRole('link', { name: /Enter a verification code/ }).click();
      await page.getByLabel('Verification code').fill(code);
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.getByRole('heading', { name: 'Email verified' }).waitFor();
      await page.getByRole('link', { name: 'Sign in' }).last().click();
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByText('Your cart now holds 3 items.').waitFor();
      await page.getByRole('link', { name: 'Cart, 3 items' }).click();
      await page.getByRole('link', { name: 'Brass Desk Lamp' }).waitFor();
      await page.getByRole('link', { name: 'Stoneware Mug' }).waitFor();
      expect(
        await page.evaluate(() => (globalThis as any).localStorage.getItem('novamart.guestCartId')),
      ).toBeNull();

      // Signed out, the cart is the guest's again: empty.
      await page.getByRole('button', { name: /Sign out/ }).click();
      await page.getByRole('link', { name: 'Cart, 0 items' }).waitFor();
    },
    JOURNEY_TIMEOUT,
  );

  it(
    'the main pages have no serious accessibility violation and fit a phone-width screen',
    async () => {
      shoppers.screenshotsOnFailure('a11y');
      const page = await shoppers.open({ phone: true });
      const lamp = products['LAMP-1']!.slug;
      const checks: [string, () => Promise<unknown>][] = [
        ['/', () => page.getByRole('heading', { name: 'Welcome to NovaMart' }).waitFor()],
        ['/products', () => page.getByRole('link', { name: 'Brass Desk Lamp' }).waitFor()],
        [`/products/${lamp}`, () => page.getByRole('button', { name: 'Add to cart' }).waitFor()],
        ['/signin', () => page.getByRole('heading', { name: 'Sign in' }).waitFor()],
        ['/register', () => page.getByRole('heading', { name: 'Create an account' }).waitFor()],
      ];
      const report: Record<string, unknown> = {};
      for (const [path, ready] of checks) {
        await page.goto(path);
        await ready();
        report[path] = {
          violations: await seriousAxeViolations(page),
          overflow: await page.evaluate(
            () => (globalThis as any).document.documentElement.scrollWidth > (globalThis as any).innerWidth,
          ),
        };
      }
      // Cart, checkout and the order page, with something in them.
      await addToCart(page, lamp, 1);
      for (const [path, ready] of [
        ['/cart', () => page.getByTestId('cart-subtotal').waitFor()],
        ['/checkout', () => page.getByRole('button', { name: 'Place order' }).waitFor()],
      ] as const) {
        await page.goto(path);
        await ready();
        report[path] = {
          violations: await seriousAxeViolations(page),
          overflow: await page.evaluate(
            () => (globalThis as any).document.documentElement.scrollWidth > (globalThis as any).innerWidth,
          ),
        };
      }
      await fillAddress(page, 'phone@novamart.test');
      await page.getByRole('button', { name: 'Place order' }).click();
      await status(page, 'AWAITING_PAYMENT');
      report['/orders/:id'] = {
        violations: await seriousAxeViolations(page),
        overflow: await page.evaluate(
          () => (globalThis as any).document.documentElement.scrollWidth > (globalThis as any).innerWidth,
        ),
      };
      // The back office, signed in as the administrator.
      await signIn(page, HARNESS_ADMIN.email, HARNESS_ADMIN.password);
      await page.goto('/admin/products');
      await page.getByRole('heading', { name: 'Products' }).waitFor();
      await page.getByRole('link', { name: 'Brass Desk Lamp' }).waitFor();
      report['/admin/products'] = { violations: await seriousAxeViolations(page), overflow: false };
      const failing = Object.entries(report).filter(
        ([, r]: [string, any]) => r.violations.length > 0 || r.overflow,
      );
      expect(failing, JSON.stringify(failing, null, 2)).toEqual([]);
    },
    JOURNEY_TIMEOUT,
  );

  it(
    'runs under a strict Content-Security-Policy: no inline script, a purchase works',
    async () => {
      shoppers.screenshotsOnFailure('csp');
      // Not newShopper, which bypasses CSP for axe: this context enforces it.
      const strict = await browser.newContext({ baseURL: base });
      shoppers.contexts.push(strict);
      const csp =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'";
      await strict.route(
        (url) => !url.pathname.startsWith('/graphql') && !url.pathname.startsWith('/assets/'),
        async (route) => {
          const response = await route.fetch();
          await route.fulfill({
            response,
            headers: { ...response.headers(), 'content-security-policy': csp },
          });
        },
      );
      const violations: string[] = [];
      const page = await strict.newPage();
      const frames: string[] = [];
      page.on('websocket', (ws) =>
        ws.on('framereceived', ({ payload }) => void frames.push(String(payload))),
      );
      page.on('console', (message) => {
        if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
      });
      onTestFailed(() => console.error('CSP violations:', violations));
      await page.goto(`/products/${products['BULB-1']!.slug}`);
      await page.getByRole('button', { name: 'Add to cart' }).click();
      await page.getByText(/Added 1 × Warm LED Bulb/).waitFor();
      await checkoutFromCart(page, 'csp@novamart.test');
      await pay(page, /succeeds/);
      await status(page, 'PAID');
      expect(violations).toEqual([]);
    },
    JOURNEY_TIMEOUT,
  );

  it(
    'a wrong password says so, and too many say when to try again',
    async () => {
      shoppers.screenshotsOnFailure('rate-limited');
      const customer = await sg.customer('Grace');
      const page = await shoppers.open();
      await page.goto('/signin');
      await page.getByLabel('Email').fill(customer.email);
      for (const attempt of [1, 2]) {
        await page.getByLabel('Password').fill(`Wrong-Passw0rd-${attempt}`);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.getByRole('alert').filter({ hasText: 'Invalid email or password.' }).waitFor();
      }
      await page.getByLabel('Password').fill(customer.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page
        .getByRole('alert')
        .filter({ hasText: /^Too many attempts\. Please try again in \d+ (seconds?|minutes?) \(after / })
        .waitFor();
    },
    JOURNEY_TIMEOUT,
  );

  it(
    'keyboard: the skip link and the add-to-cart form work without a mouse',
    async () => {
      shoppers.screenshotsOnFailure('keyboard');
      const page = await shoppers.open();
      await page.goto(`/products/${products['BULB-1']!.slug}`);
      await page.getByRole('button', { name: 'Add to cart' }).waitFor();
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => (globalThis as any).document.activeElement?.textContent)).toBe(
        'Skip to content',
      );
      await page.keyboard.press('Enter');
      await page.getByLabel('Quantity').focus();
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => (globalThis as any).document.activeElement?.textContent)).toBe(
        'Add to cart',
      );
      await page.keyboard.press('Enter');
      await page.getByRole('link', { name: 'Cart, 1 item' }).waitFor();
    },
    JOURNEY_TIMEOUT,
  );
});
