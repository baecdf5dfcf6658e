/**
 * The storefront paying through Stripe Elements when the shop has a publishable key: the payments
 * subgraph talks to Stripe's API (the local server speaking it that the payments tests use), and
 * the browser loads Stripe.js from https://js.stripe.com under the gateway's real
 * Content-Security-Policy. Stripe.js cannot be fetched here (nothing outside the npm registry
 * is reachable), so the browser is answered with a small stand-in implementing the part of
 * Stripe.js's documented API the storefront calls (Stripe(), elements().create('card'),
 * mount/on/destroy, createPaymentMethod, handleNextAction): card numbers map to Stripe's test
 * payment methods as Stripe test mode does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import { recommendationsSubgraph } from '@novamart/recommendations';
import { startFakeStripe, type FakeStripe } from '../subgraphs/payments/test/support/fake-stripe-server';
import { type Supergraph } from './support/supergraph';
import { CHECKOUT_SUBGRAPHS } from './support/subgraphs';
import { Shoppers, startStorefront, stopStorefront } from './support/browser';
import { addToCart, checkoutFromCart, status } from './support/shopper-steps';
import { createProduct } from './support/storefront';

const JOURNEY_TIMEOUT = 120_000;

/** Stripe.js as far as the storefront uses it; the card field is an input in the mount point. */
const STRIPE_JS_STAND_IN = `
(() => {
  const methods = { '4242424242424242': 'pm_card_visa', '4000000000000002': 'pm_card_chargeDeclined' };
  function Stripe(publishableKey) {
    if (!/^pk_test_/.test(publishableKey)) throw new Error('stand-in: test keys only');
    window.__stripePublishableKey = publishableKey;
    return {
      _registerWrapper() {},
      elements() {
        return {
          create(type) {
            let input;
            const listeners = [];
            return {
              mount(node) {
                input = document.createElement('input');
                input.setAttribute('aria-label', 'Card number');
                input.setAttribute('inputmode', 'numeric');
                input.addEventListener('input', () => {
                  const complete = input.value.replace(/\\s/g, '').length === 16;
                  for (const listener of listeners)
                    listener({ elementType: type, complete, error: undefined });
                });
                node.appendChild(input);
              },
              on(event, listener) { if (event === 'change') listeners.push(listener); },
              destroy() { input?.remove(); },
              get value() { return input.value.replace(/\\s/g, ''); },
            };
          },
        };
      },
      async createPaymentMethod({ type, card }) {
        if (type !== 'card') throw new Error('stand-in: cards only');
        if (card.value.length < 16) return { error: { type: 'validation_error', message: 'Your card number is incomplete.' } };
        const id = methods[card.value];
        if (!id) return { error: { type: 'card_error', message: 'Your card number is invalid.' } };
        return { paymentMethod: { id, type: 'card' } };
      },
      async handleNextAction() { return { error: { message: 'stand-in: no 3-D Secure' } }; },
    };
  }
  Stripe.version = 'endive';
  window.Stripe = Stripe;
})();
`;

let sg: Supergraph;
let stripe: FakeStripe;
let browser: Browser;
let base: string;
const shoppers = new Shoppers(() => ({ browser, base }));

/** A shopper whose browser enforces the gateway's CSP (no bypass) and reaches "js.stripe.com". */
async function stripeShopper(violations: string[]): Promise<Page> {
  const page = await shoppers.open({ enforceCSP: true });
  await page
    .context()
    .route('https://js.stripe.com/**', (route) =>
      route.fulfill({ status: 200, contentType: 'application/javascript', body: STRIPE_JS_STAND_IN }),
    );
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
  });
  return page;
}

describe('storefront with Stripe Elements', () => {
  beforeAll(async () => {
    stripe = await startFakeStripe();
    ({ sg, browser, base } = await startStorefront({
      // The product page asks recommendations for "frequently bought together".
      subgraphs: [...CHECKOUT_SUBGRAPHS, recommendationsSubgraph],
      env: {
        STRIPE_SECRET_KEY: 'sk_test_storefront',
        STRIPE_PUBLISHABLE_KEY: 'pk_test_storefront',
        STRIPE_API_URL: stripe.url,
      },
    }));
  }, 180_000);

  afterAll(async () => {
    await stopStorefront(shoppers, { sg, browser });
    await stripe?.close();
  });

  it(
    'collects the card with Stripe Elements: a typo stays in the browser, a decline says why, then PAID live',
    async () => {
      shoppers.screenshotsOnFailure('stripe-elements');
      const settings = await sg.query('{ paymentSettings { provider stripePublishableKey } }');
      expect(settings.data).toEqual({
        paymentSettings: { provider: 'STRIPE', stripePublishableKey: 'pk_test_storefront' },
      });
      const productId = await createProduct(sg, 'STRIPE-LAMP', 4_500, 5);
      const slug = (await sg.query('query($id: ID!) { product(id: $id) { slug } }', { id: productId })).data!
        .product.slug;

      const violations: string[] = [];
      const page = await stripeShopper(violations);
      await addToCart(page, slug, 1);
      const orderId = await checkoutFromCart(page, 'elements@novamart.test');
      const cardNumber = page.getByLabel('Card number');
      await cardNumber.waitFor();
      expect(await page.evaluate(() => (window as any).__stripePublishableKey)).toBe('pk_test_storefront');

      // Incomplete: Stripe.js refuses it in the browser, and the shop is asked nothing.
      await cardNumber.fill('4242 4242');
      await page.getByRole('button', { name: /^Pay/ }).click();
      await page.getByRole('alert').filter({ hasText: 'Your card number is incomplete.' }).waitFor();
      expect(stripe.effects).toEqual([]);

      await cardNumber.fill('4000 0000 0000 0002');
      await page.getByRole('button', { name: /^Pay/ }).click();
      await page.getByTestId('decline').waitFor();
      expect(await page.getByTestId('decline').textContent()).toMatch(/Payment declined/);

      await cardNumber.fill('4242 4242 4242 4242');
      await page.getByRole('button', { name: 'Try again' }).click();
      await status(page, 'PAID');

      // The charge went through Stripe, once, for the catalog's price.
      const [intent] = [...stripe.intents.values()];
      expect(stripe.intents.size).toBe(1);
      expect(intent).toMatchObject({
        amount: expect.any(Number),
        status: 'succeeded',
        payment_method: 'pm_card_visa',
      });
      const order = await sg.query('query($id: ID!) { order(id: $id) { total { amount } } }', {
        id: orderId,
      });
      expect(order.data?.order.total.amount).toBe(intent!.amount);
      expect(violations).toEqual([]);
    },
    JOURNEY_TIMEOUT,
  );
});
