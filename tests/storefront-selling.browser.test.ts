/**
 * The storefront selling what the supergraph sells beyond a plain product (issue 14): variants
 * picked on the product page, discount codes on the cart, a shipping method chosen at checkout.
 * As tests/storefront.browser.test.ts: a real browser on one real supergraph (here with
 * promotions and shipping), journeys acting as a person does and waiting for visible state, and
 * what the API stored read back through the gateway.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { type Page } from 'playwright-core';
import { HARNESS_ADMIN } from './support/supergraph';
import { seedShipping } from '../scripts/lib/seed-shipping';
import { ALL_SUBGRAPHS } from './support/subgraphs';
import { mustSucceed } from './support/storefront';
import { seriousAxeViolations, useStorefront } from './support/browser';
import { addToCart, checkoutFromCart, fillAddress, status } from './support/shopper-steps';

const JOURNEY_TIMEOUT = 120_000;

const world = useStorefront({ subgraphs: ALL_SUBGRAPHS });
const { shoppers } = world;

async function asAdmin(query: string, variables: Record<string, unknown>, what: string) {
  const admin = await world.sg.admin();
  return mustSucceed(await world.sg.query(query, variables, { token: admin.token }), what);
}

/**
 * A T-shirt in sizes S, M, L and colours Red, Blue (L costs more), as tests/variants.e2e.test.ts
 * makes it; every variant gets 3 units but Red / M (5) and Blue / L (none).
 */
async function createTshirt(sku: string) {
  const SIZES = ['S', 'M', 'L'];
  const COLOURS = ['Red', 'Blue'];
  const created = (
    await asAdmin(
      `mutation($input: ProductInput!) { createProduct(input: $input) {
        id slug name variants { id title }
      } }`,
      {
        input: {
          sku,
          name: 'Crew T-shirt',
          description: 'Cotton, in three sizes and two colours.',
          priceAmount: 1_900,
          categorySlug: 'apparel',
          options: [
            { name: 'Size', values: SIZES },
            { name: 'Colour', values: COLOURS },
          ],
          variants: COLOURS.flatMap((colour) =>
            SIZES.map((size) => ({
              sku: `${sku}-${colour.toUpperCase()}-${size}`,
              options: [
                { name: 'Size', value: size },
                { name: 'Colour', value: colour },
              ],
              ...(size === 'L' ? { priceAmount: 2_100 } : {}),
            })),
          ),
        },
      },
      'createProduct',
    )
  ).createProduct as { id: string; slug: string; name: string; variants: { id: string; title: string }[] };
  const stock: Record<string, number> = { 'M / Red': 5, 'L / Blue': 0 };
  for (const variant of created.variants) {
    const units = stock[variant.title] ?? 3;
    if (units > 0)
      await asAdmin(
        'mutation($p: ID!, $v: ID, $d: Int!) { adjustStock(productId: $p, variantId: $v, delta: $d, reason: PURCHASE) { available } }',
        { p: created.id, v: variant.id, d: units },
        'adjustStock',
      );
  }
  const variantId = (title: string) => created.variants.find((v) => v.title === title)!.id;
  return { ...created, variantId };
}

const CREATE_PLAIN = 'mutation($input: ProductInput!) { createProduct(input: $input) { slug } }';
/** A product without options, priced $12.50, in good stock. */
const PLAIN_PRODUCT = { description: 'For the selling journeys.', priceAmount: 1_250, initialStock: 50 };

const CREATE_PROMOTION = 'mutation($input: PromotionInput!) { createPromotion(input: $input) { id } }';
/** Codes only (no automatic promotion): the other journeys' carts stay undiscounted. */
const PROMOTIONS = [
  { name: 'Five off', kind: 'FIXED_AMOUNT', amountOff: 500, currency: 'USD', codes: ['SAVE5'] },
  { name: 'Ten percent', kind: 'PERCENTAGE', percentOff: 10, codes: ['TENPCT'] },
  {
    name: 'Big spender',
    kind: 'FIXED_AMOUNT',
    amountOff: 1000,
    currency: 'USD',
    minSubtotal: 50_000,
    codes: ['BIG10'],
  },
];

/** The page as it is now has no serious accessibility violation (axe-core). */
async function expectAccessible(page: Page, what: string) {
  expect(await seriousAxeViolations(page), what).toEqual([]);
}

const CALIFORNIA = {
  name: 'Ada Lovelace',
  line1: '1 Market St',
  city: 'San Francisco',
  region: 'CA',
  postalCode: '94105',
  country: 'US',
};

async function fillCaliforniaAddress(page: Page) {
  await page.getByLabel('Full name').fill(CALIFORNIA.name);
  await page.getByLabel('Address', { exact: true }).fill(CALIFORNIA.line1);
  await page.getByLabel('City').fill(CALIFORNIA.city);
  await page.getByLabel('State or region (optional)').fill(CALIFORNIA.region);
  await page.getByLabel('Postal code').fill(CALIFORNIA.postalCode);
  await page.getByLabel('Country').selectOption(CALIFORNIA.country);
}

/** What the API quotes for the page's guest cart shipped to California with the method. */
async function quotedTotal(page: Page, method: string) {
  const cartId = await page.evaluate(() => (globalThis as any).localStorage.getItem('novamart.guestCartId'));
  return mustSucceed(
    await world.sg.query(
      `query($id: ID, $a: AddressInput!, $m: String) { cart(id: $id) {
        total(address: $a, shippingMethodCode: $m) { amount currency formatted }
        taxTotal(address: $a, shippingMethodCode: $m) { amount }
      } }`,
      { id: cartId, a: CALIFORNIA, m: method },
    ),
    'cart',
  ).cart as { total: { amount: number; currency: string; formatted: string }; taxTotal: { amount: number } };
}

/** An order as the API stored it (a guest order: its id is the key). */
async function storedOrder(id: string) {
  return mustSucceed(
    await world.sg.query(
      `query($id: ID!) { order(id: $id) {
        items { variantId quantity variantTitle selectedOptions { name value } }
        discounts { code } discountTotal { amount } shippingMethod { code name }
        shippingCost { amount } taxTotal { amount } total { amount currency }
      } }`,
      { id },
    ),
    'order',
  ).order;
}

describe('storefront selling variants, discount codes and shipping methods', () => {
  let tshirt: Awaited<ReturnType<typeof createTshirt>>;
  let mugSlug: string;

  beforeAll(async () => {
    tshirt = await createTshirt('TEE-1');
    mugSlug = (
      await asAdmin(
        CREATE_PLAIN,
        { input: { ...PLAIN_PRODUCT, sku: 'MUG-2', name: 'Tea Mug' } },
        'createProduct',
      )
    ).createProduct.slug;
    for (const input of PROMOTIONS) await asAdmin(CREATE_PROMOTION, { input }, 'createPromotion');
    // The demo shop's zones, methods and tax (US: ground and next-day; California: 7.25%). The
    // other journeys ship to the UK, whose zone (the harness's) has a method in pounds only: their
    // dollar carts pay the default flat rate, no tax.
    await seedShipping({
      gatewayUrl: world.sg.gatewayUrl,
      email: HARNESS_ADMIN.email,
      password: HARNESS_ADMIN.password,
    });
  }, 180_000);

  it(
    'a shopper picks a size and a colour, sees that variant’s price and stock, and orders it',
    async () => {
      shoppers.screenshotsOnFailure('variants');
      const page = await shoppers.open();
      await page.goto(`/products/${tshirt.slug}`);
      // The default variant first: Red / S.
      await expect(page.getByLabel('Size').inputValue()).resolves.toBe('S');
      await expect(page.getByLabel('Colour').inputValue()).resolves.toBe('Red');
      await page.getByTestId('stock').filter({ hasText: '3 in stock' }).waitFor();
      await page.getByTestId('price').filter({ hasText: '$19.00' }).waitFor();

      // L costs more; Blue / L has none left, so it cannot be added.
      await page.getByLabel('Size').selectOption('L');
      await page.getByTestId('price').filter({ hasText: '$21.00' }).waitFor();
      await page.getByLabel('Colour').selectOption('Blue');
      await page.getByTestId('stock').filter({ hasText: 'Out of stock' }).waitFor();
      await expect(page.getByRole('button', { name: 'Add to cart' }).count()).resolves.toBe(0);
      await expectAccessible(page, 'product page with options');

      await page.getByLabel('Colour').selectOption('Red');
      await page.getByLabel('Size').selectOption('M');
      await page.getByTestId('stock').filter({ hasText: '5 in stock' }).waitFor();
      await page.getByText(`SKU TEE-1-RED-M`).waitFor();
      await page.getByLabel('Quantity').fill('2');
      await page.getByRole('button', { name: 'Add to cart' }).click();
      await page
        .getByText('Added 2 × Crew T-shirt (M / Red) to your cart (2 items, subtotal $38.00)')
        .waitFor();
      await page.getByLabel('Size').selectOption('L');
      await page.getByLabel('Quantity').fill('1');
      await page.getByRole('button', { name: 'Add to cart' }).click();
      await page
        .getByText('Added 1 × Crew T-shirt (L / Red) to your cart (3 items, subtotal $59.00)')
        .waitFor();

      // Each variant is a line of its own, named by its option values, changed on its own.
      await page.getByRole('link', { name: 'Cart, 3 items' }).click();
      await page.getByText('Size: M, Colour: Red').waitFor();
      await page.getByText('Size: L, Colour: Red').waitFor();
      await page.getByLabel('Quantity of Crew T-shirt (L / Red)').selectOption('2');
      await page.getByTestId('cart-subtotal').filter({ hasText: '$80.00' }).waitFor();
      await expect(page.getByLabel('Quantity of Crew T-shirt (M / Red)').inputValue()).resolves.toBe('2');
      await expectAccessible(page, 'cart with variants');

      // A line's link opens the product on the line's variant.
      await page
        .getByRole('row', { name: /Size: L, Colour: Red/ })
        .getByRole('link', { name: 'Crew T-shirt' })
        .click();
      await page.getByTestId('price').filter({ hasText: '$21.00' }).waitFor();
      await expect(page.getByLabel('Size').inputValue()).resolves.toBe('L');
      await expect(page.getByLabel('Colour').inputValue()).resolves.toBe('Red');
      await page.goBack();
      await page.getByText('Size: M, Colour: Red').waitFor();

      const orderId = await checkoutFromCart(page, 'tee-buyer@novamart.test');
      await page.getByText('(Size: M, Colour: Red)').waitFor();
      await page.getByText('(Size: L, Colour: Red)').waitFor();
      const order = await storedOrder(orderId);
      expect(
        order.items.map((i: any) => ({
          variantId: i.variantId,
          quantity: i.quantity,
          title: i.variantTitle,
        })),
      ).toEqual(
        expect.arrayContaining([
          { variantId: tshirt.variantId('M / Red'), quantity: 2, title: 'M / Red' },
          { variantId: tshirt.variantId('L / Red'), quantity: 2, title: 'L / Red' },
        ]),
      );
      expect(order.items).toHaveLength(2);
      await status(page, 'AWAITING_PAYMENT');
    },
    JOURNEY_TIMEOUT,
  );

  it(
    'a shopper applies discount codes on the cart, sees refusals and the discounted total, removes one and orders',
    async () => {
      shoppers.screenshotsOnFailure('discount-codes');
      const page = await shoppers.open();
      await addToCart(page, mugSlug, 2);
      await page.getByRole('link', { name: 'Cart, 2 items' }).click();
      await page.getByTestId('cart-subtotal').filter({ hasText: '$25.00' }).waitFor();

      // Refusals show the server's message, and mark the field.
      const code = page.getByLabel('Discount code', { exact: true });
      await code.fill('nope');
      await page.getByRole('button', { name: 'Apply' }).click();
      await page
        .getByRole('alert')
        .filter({ hasText: 'Discount code NOPE is not a discount code' })
        .waitFor();
      await expect(code.getAttribute('aria-invalid')).resolves.toBe('true');
      await code.fill('big10');
      await page.getByRole('button', { name: 'Apply' }).click();
      await page
        .getByRole('alert')
        .filter({ hasText: 'Discount code BIG10 needs a subtotal of at least $500.00' })
        .waitFor();

      await code.fill('tenpct');
      await page.getByRole('button', { name: 'Apply' }).click();
      await page.getByRole('status').filter({ hasText: 'Code TENPCT applied.' }).waitFor();
      await code.fill('SAVE5');
      await page.getByRole('button', { name: 'Apply' }).click();
      await page.getByRole('status').filter({ hasText: 'Code SAVE5 applied.' }).waitFor();
      const applied = page.getByRole('list', { name: 'Applied discount codes' });
      await applied.getByRole('listitem').filter({ hasText: 'TENPCT' }).waitFor();
      await applied
        .getByRole('listitem')
        .filter({ hasText: 'SAVE5' })
        .filter({ hasText: 'Five off' })
        .waitFor();
      await expect(page.getByRole('alert').count()).resolves.toBe(0);
      await expectAccessible(page, 'cart with discount codes');

      // Taking TENPCT off leaves SAVE5's $5.00 off $25.00.
      await page.getByRole('button', { name: 'Remove code TENPCT' }).click();
      await applied.getByRole('listitem').filter({ hasText: 'TENPCT' }).waitFor({ state: 'detached' });
      await page.getByText('−$5.00').waitFor();
      await page.getByTestId('cart-discounted-subtotal').filter({ hasText: '$20.00' }).waitFor();

      const orderId = await checkoutFromCart(page, 'code-buyer@novamart.test');
      const order = await storedOrder(orderId);
      expect(order.discounts).toEqual([{ code: 'SAVE5' }]);
      expect(order.discountTotal).toEqual({ amount: 500 });
      // $25.00 − $5.00 + the default $4.99 shipping (no zone of the shop ships to the UK).
      await page.getByText('Five off (code SAVE5)').waitFor();
      await page.getByTestId('order-shipping').filter({ hasText: '$4.99' }).waitFor();
      await page.getByTestId('order-total').filter({ hasText: '$24.99' }).waitFor();
      expect(order.total).toEqual({ amount: 2_499, currency: 'USD' });
    },
    JOURNEY_TIMEOUT,
  );

  it(
    'a shopper chooses a shipping method at checkout, sees its price, tax and total, and the order keeps them',
    async () => {
      shoppers.screenshotsOnFailure('shipping-methods');
      const page = await shoppers.open();
      await addToCart(page, mugSlug, 2);
      await page.goto('/checkout');
      const methods = page.getByRole('group', { name: 'Shipping method' });
      await methods.getByText('Enter your address to see how it can be shipped.').waitFor();

      // No zone of the shop holds the UK: the default rate, which the summary shows as the order will charge it.
      await fillAddress(page, 'ship-buyer@novamart.test');
      await methods.getByText('standard shipping rate applies').waitFor();
      const standard = page.getByRole('complementary', { name: 'Order summary' });
      await standard.getByText('Shipping (Standard shipping)').waitFor();
      // $25.00 of mugs is below the $50 threshold: $4.99, untaxed outside every zone.
      await page.getByTestId('checkout-shipping').filter({ hasText: '$4.99' }).waitFor();
      await page.getByTestId('checkout-total').filter({ hasText: '$29.99' }).waitFor();

      await fillCaliforniaAddress(page);
      await methods.getByLabel('USPS Ground Advantage: $7.99').waitFor();
      await expect(methods.getByLabel('USPS Ground Advantage: $7.99').isChecked()).resolves.toBe(true);
      const summary = page.getByRole('complementary', { name: 'Order summary' });
      await summary.getByText('Shipping (USPS Ground Advantage)').waitFor();
      await page.getByTestId('checkout-shipping').filter({ hasText: '$7.99' }).waitFor();

      await methods.getByLabel('UPS Next Day Air: $15.00').check();
      const express = await quotedTotal(page, 'EXPRESS');
      expect(express.taxTotal.amount).toBeGreaterThan(0);
      await summary.getByText('Shipping (UPS Next Day Air)').waitFor();
      await page.getByTestId('checkout-shipping').filter({ hasText: '$15.00' }).waitFor();
      await summary.getByText('CA sales tax 7.25%').waitFor();
      await page.getByTestId('checkout-total').filter({ hasText: express.total.formatted }).waitFor();
      await expectAccessible(page, 'checkout with shipping methods');

      await page.getByRole('button', { name: 'Place order' }).click();
      await page.waitForURL(/\/orders\/[^/]+$/);
      await status(page, 'AWAITING_PAYMENT');
      const orderId = new URL(page.url()).pathname.split('/').pop()!;
      await page.getByText('Shipping (UPS Next Day Air)').waitFor();
      await page.getByTestId('order-shipping').filter({ hasText: '$15.00' }).waitFor();
      await page.getByText('CA sales tax 7.25%').waitFor();
      await page.getByTestId('order-total').filter({ hasText: express.total.formatted }).waitFor();
      await expectAccessible(page, 'order with shipping method and tax');
      const order = await storedOrder(orderId);
      expect(order.shippingMethod).toEqual({ code: 'EXPRESS', name: 'UPS Next Day Air' });
      expect(order.shippingCost).toEqual({ amount: 1_500 });
      expect(order.taxTotal).toEqual(express.taxTotal);
      expect(order.total).toEqual({ amount: express.total.amount, currency: 'USD' });
    },
    JOURNEY_TIMEOUT,
  );
});
