/**
 * The back office's promotions, driven as a merchant does in a real browser on one real supergraph
 * (users, products, inventory, cart and promotions: what a cart's discount needs). An ADMIN creates
 * a promotion with a code, meets a taken code on the form (and nothing is created), switches the
 * promotion off and on, adds a code and edits its usage limit; a shopper's cart takes the code off
 * until the merchant switches the promotion off; a leaked code is deleted. The list pages through
 * older promotions. A SUPPORT user has no Promotions section. What
 * the API stored is read back through the gateway.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { type Page } from 'playwright-core';
import { usersSubgraph } from '@novamart/users';
import { productsSubgraph } from '@novamart/products';
import { inventorySubgraph } from '@novamart/inventory';
import { cartSubgraph } from '@novamart/cart';
import { promotionsSubgraph } from '@novamart/promotions';
import { HARNESS_ADMIN } from './support/supergraph';
import { mustSucceed } from './support/storefront';
import { seriousAxeViolations, useStorefront } from './support/browser';
import { signIn } from './support/shopper-steps';
import { backOffice, expectFieldError, expectSectionClosed } from './support/back-office';

const JOURNEY_TIMEOUT = 120_000;

const world = useStorefront({
  subgraphs: [usersSubgraph, productsSubgraph, inventorySubgraph, cartSubgraph, promotionsSubgraph],
});
const { shoppers } = world;

async function asAdmin(query: string, variables: Record<string, unknown>, what: string) {
  const admin = await world.sg.admin();
  return mustSucceed(await world.sg.query(query, variables, { token: admin.token }), what);
}

/** Every promotion as the API lists it, newest first. */
async function storedPromotions() {
  return (
    await asAdmin(
      '{ promotions(first: 100) { id name active usageLimit amountOff { amount currency } codes { code } } }',
      {},
      'promotions',
    )
  ).promotions as {
    id: string;
    name: string;
    active: boolean;
    usageLimit: number | null;
    amountOff: { amount: number; currency: string } | null;
    codes: { code: string }[];
  }[];
}

async function expectAccessible(page: Page, what: string) {
  expect(await seriousAxeViolations(page), what).toEqual([]);
}

describe('back-office promotions', () => {
  let mugId: string;

  beforeAll(async () => {
    mugId = (
      await asAdmin(
        'mutation($input: ProductInput!) { createProduct(input: $input) { id } }',
        {
          input: {
            sku: 'PROMO-MUG',
            name: 'Promo Mug',
            description: 'For the promotions journey.',
            priceAmount: 1_250,
            initialStock: 50,
          },
        },
        'createProduct',
      )
    ).createProduct.id;
    // Two older promotions, by code (the shopper's cart stays theirs alone), for the list's words.
    for (const input of [
      { name: 'Mug deal', kind: 'BUY_X_GET_Y', buyProductId: mugId, buyQuantity: 2, codes: ['MUGDEAL'] },
      { name: 'Ship free', kind: 'FREE_SHIPPING', minSubtotal: 5_000, currency: 'USD', codes: ['SHIPFREE'] },
    ])
      await asAdmin(
        'mutation($input: PromotionInput!) { createPromotion(input: $input) { id } }',
        { input },
        'createPromotion',
      );
  }, 60_000);

  it(
    'an admin creates, lists, switches, extends and edits a promotion; a shopper’s cart applies its code until it is off',
    async () => {
      shoppers.screenshotsOnFailure('promotions');
      const admin = await shoppers.open();
      await signIn(admin, HARNESS_ADMIN.email, HARNESS_ADMIN.password);
      await admin.getByRole('link', { name: 'Back office' }).click();
      await backOffice(admin).getByRole('link', { name: 'Promotions' }).click();
      await admin.getByRole('heading', { name: 'Promotions', level: 1 }).waitFor();
      await expect(
        backOffice(admin).getByRole('link', { name: 'Promotions' }).getAttribute('aria-current'),
      ).resolves.toBe('page');

      // A percentage off the order, by code, at most 5 uses.
      await admin.getByRole('link', { name: 'New promotion' }).click();
      await admin.getByLabel('Name').fill('Spring sale');
      await admin.getByLabel('Percent off').fill('15');
      await admin.getByLabel('Usage limit').fill('5');
      await admin.getByLabel('Discount codes').fill('spring15');
      await expectAccessible(admin, 'new promotion form');
      await admin.getByRole('button', { name: 'Create promotion' }).click();
      await admin.getByRole('heading', { name: 'Spring sale', level: 1 }).waitFor();
      await admin.getByText('Created Spring sale.').waitFor();

      await backOffice(admin).getByRole('link', { name: 'Promotions' }).click();
      const row = admin.getByRole('row').filter({ has: admin.getByRole('link', { name: 'Spring sale' }) });
      await row.filter({ hasText: '15% off the order' }).filter({ hasText: 'SPRING15' }).waitFor();
      await row.filter({ hasText: '0 of 5 used' }).filter({ hasText: 'By code, combinable' }).waitFor();
      const rowOf = (name: string) =>
        admin.getByRole('row').filter({ has: admin.getByRole('link', { name }) });
      await rowOf('Mug deal').filter({ hasText: 'Buy 2 get 1 free' }).waitFor();
      await rowOf('Ship free').filter({ hasText: 'Free shipping, on a subtotal from $50.00' }).waitFor();
      await expectAccessible(admin, 'promotions list');

      // A code another promotion holds: CONFLICT on the codes field, and nothing created; without
      // it, the amount typed in euros is created as minor units.
      await admin.getByRole('link', { name: 'New promotion' }).click();
      await admin.getByLabel('Name').fill('Copycat');
      await admin.getByLabel('Kind').selectOption('FIXED_AMOUNT');
      await admin.getByLabel('Amount off').fill('5');
      await admin.getByLabel('Currency').selectOption('EUR');
      await admin.getByLabel('Discount codes').fill('copycat5, SPRING15');
      await admin.getByRole('button', { name: 'Create promotion' }).click();
      await expectFieldError(admin.getByLabel('Discount codes'), 'This discount code is already taken');
      await admin.getByRole('heading', { name: 'New promotion', level: 1 }).waitFor();
      expect((await storedPromotions()).map((p) => p.name)).toEqual(['Spring sale', 'Ship free', 'Mug deal']);
      await admin.getByLabel('Discount codes').fill('copycat5');
      await admin.getByRole('button', { name: 'Create promotion' }).click();
      await admin.getByRole('heading', { name: 'Copycat', level: 1 }).waitFor();
      await admin.getByText('€5.00 off the order').waitFor();
      const stored = await storedPromotions();
      expect(stored.map((p) => p.name)).toEqual(['Copycat', 'Spring sale', 'Ship free', 'Mug deal']);
      expect(stored[0]!.amountOff).toEqual({ amount: 500, currency: 'EUR' });
      const promotionId = stored[1]!.id;
      const spring = async () => (await storedPromotions()).find((p) => p.id === promotionId)!;

      // Off and on: the list shows the API's answer, and the API agrees.
      await backOffice(admin).getByRole('link', { name: 'Promotions' }).click();
      await row.getByRole('button', { name: 'Switch off Spring sale' }).click();
      await admin.getByRole('status').filter({ hasText: 'Spring sale is off' }).waitFor();
      await row.filter({ hasText: 'INACTIVE' }).waitFor();
      expect((await spring()).active).toBe(false);
      await row.getByRole('button', { name: 'Switch on Spring sale' }).click();
      await admin.getByRole('status').filter({ hasText: 'Spring sale is on' }).waitFor();
      await row.getByRole('button', { name: 'Switch off Spring sale' }).waitFor();
      expect((await spring()).active).toBe(true);

      // Its page: another code (a taken one refused on the field), and a new usage limit.
      await row.getByRole('link', { name: 'Spring sale' }).click();
      await admin.getByRole('heading', { name: 'Spring sale', level: 1 }).waitFor();
      const codes = admin.getByRole('list', { name: 'Codes of this promotion' });
      await admin.getByLabel('New code').fill('spring15');
      await admin.getByRole('button', { name: 'Add code' }).click();
      await expectFieldError(admin.getByLabel('New code'), 'This discount code is already taken');
      await admin.getByLabel('New code').fill('bloom');
      await admin.getByRole('button', { name: 'Add code' }).click();
      await admin.getByRole('status').filter({ hasText: 'Code BLOOM added.' }).waitFor();
      await codes.getByRole('listitem').filter({ hasText: 'BLOOM' }).waitFor();
      await admin
        .getByText('What it takes off (its kind, target, amounts and products) cannot change')
        .waitFor();
      await admin.getByLabel('Usage limit').fill('3');
      await admin.getByRole('button', { name: 'Save changes' }).click();
      await admin.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
      await admin.getByText('0 of 3 used').waitFor();
      await expectAccessible(admin, 'promotion page');
      const edited = await spring();
      expect(edited.usageLimit).toBe(3);
      expect(edited.codes.map((c) => c.code).sort()).toEqual(['BLOOM', 'SPRING15']);

      // The first code leaked: deleted (after the browser's confirmation), the promotion keeps BLOOM.
      admin.once('dialog', (dialog) => void dialog.accept());
      await codes.getByRole('button', { name: 'Delete code SPRING15' }).click();
      await admin.getByRole('status').filter({ hasText: 'Code SPRING15 deleted.' }).waitFor();
      await expect(codes.getByRole('listitem').allInnerTexts()).resolves.toEqual([
        expect.stringContaining('BLOOM'),
      ]);
      expect((await spring()).codes).toEqual([{ code: 'BLOOM' }]);

      // A shopper's cart of $25.00 (set up through the API) takes the code: 15% off.
      const cartId = mustSucceed(
        await world.sg.query('mutation($p: ID!) { addToCart(productId: $p, quantity: 2) { id } }', {
          p: mugId,
        }),
        'addToCart',
      ).addToCart.id as string;
      const shopper = await shoppers.open();
      await shopper.addInitScript((id) => localStorage.setItem('novamart.guestCartId', id), cartId);
      await shopper.goto('/cart');
      await shopper.getByTestId('cart-subtotal').filter({ hasText: '$25.00' }).waitFor();
      await shopper.getByLabel('Discount code', { exact: true }).fill('bloom');
      await shopper.getByRole('button', { name: 'Apply' }).click();
      await shopper.getByRole('status').filter({ hasText: 'Code BLOOM applied.' }).waitFor();
      await shopper.getByText('−$3.75').waitFor();
      await shopper.getByTestId('cart-discounted-subtotal').filter({ hasText: '$21.25' }).waitFor();

      // Switched off in the back office, the promotion no longer applies to the cart.
      await admin.getByRole('button', { name: 'Switch off Spring sale' }).click();
      await admin.getByRole('button', { name: 'Switch on Spring sale' }).waitFor();
      await shopper.reload();
      const applied = shopper.getByRole('list', { name: 'Applied discount codes' });
      await applied.getByText('gives nothing on this cart now').waitFor();
      await expect(shopper.getByTestId('cart-discounted-subtotal').count()).resolves.toBe(0);
      expect((await spring()).active).toBe(false);
    },
    JOURNEY_TIMEOUT,
  );

  it(
    'the list pages through older promotions, 25 a page, newest first',
    async () => {
      shoppers.screenshotsOnFailure('promotions-pages');
      for (let i = 1; i <= 26; i++)
        await asAdmin(
          'mutation($input: PromotionInput!) { createPromotion(input: $input) { id } }',
          { input: { name: `Bulk ${String(i).padStart(2, '0')}`, kind: 'PERCENTAGE', percentOff: 1 } },
          'createPromotion',
        );
      const all = (await storedPromotions()).map((p) => p.name);
      expect(all.length).toBeGreaterThan(26);
      const admin = await shoppers.open();
      await signIn(admin, HARNESS_ADMIN.email, HARNESS_ADMIN.password);
      await admin.goto('/admin/promotions');
      const names = () => admin.locator('tbody tr td:first-child').allInnerTexts();
      await admin.getByText('Page 1, newest first').waitFor();
      await expect(names()).resolves.toEqual(all.slice(0, 25));
      await admin.getByRole('button', { name: 'Next page' }).click();
      await admin.getByText('Page 2, newest first').waitFor();
      await expect(names()).resolves.toEqual(all.slice(25, 50));
      await admin.getByRole('button', { name: 'Previous page' }).click();
      await admin.getByText('Page 1, newest first').waitFor();
      await expect(names()).resolves.toEqual(all.slice(0, 25));
    },
    JOURNEY_TIMEOUT,
  );

  it(
    'a SUPPORT user has no Promotions section, and its address is not open to them',
    async () => {
      shoppers.screenshotsOnFailure('promotions-support');
      await expectSectionClosed(world, {
        role: 'SUPPORT',
        sections: ['Returns', 'Reviews'],
        path: '/admin/promotions',
        heading: 'Promotions',
      });
    },
    JOURNEY_TIMEOUT,
  );
});
