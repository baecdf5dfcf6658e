/** What a shopper does in the storefront, step by step, for the browser suites. */
import { type Page } from 'playwright-core';

export async function addToCart(page: Page, slug: string, quantity: number) {
  await page.goto(`/products/${slug}`);
  await page.getByLabel('Quantity').fill(String(quantity));
  await page.getByRole('button', { name: 'Add to cart' }).click();
  await page.getByText(/to your cart \(/).waitFor();
}

export async function fillAddress(page: Page, guestEmail?: string) {
  if (guestEmail) await page.getByLabel('Email').fill(guestEmail);
  await page.getByLabel('Full name').fill('Ada Lovelace');
  await page.getByLabel('Address', { exact: true }).fill('12 Analytical Row');
  await page.getByLabel('City').fill('London');
  await page.getByLabel('Postal code').fill('NW1 6XE');
  await page.getByLabel('Country').selectOption('GB');
}

/** From the cart page to the order page, as the customer clicks through. Returns the order id. */
export async function checkoutFromCart(page: Page, guestEmail?: string): Promise<string> {
  await page.goto('/cart');
  await page.getByRole('link', { name: 'Checkout' }).click();
  await page.getByRole('heading', { name: 'Checkout' }).waitFor();
  await fillAddress(page, guestEmail);
  await page.getByRole('button', { name: 'Place order' }).click();
  await page.waitForURL(/\/orders\/[^/]+$/);
  await status(page, 'AWAITING_PAYMENT');
  return new URL(page.url()).pathname.split('/').pop()!;
}

export async function status(page: Page, value: string) {
  await page
    .getByTestId('order-status')
    .filter({ hasText: new RegExp(`^${value}$`) })
    .waitFor();
}

export async function signIn(page: Page, email: string, password: string) {
  await page.goto('/signin');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: /Sign out/ }).waitFor();
}

/** Pays the order on its page with the test card whose label matches. */
export async function pay(page: Page, card: RegExp) {
  await page.getByLabel(card).check();
  await page.getByRole('button', { name: /^(Pay|Try again)/ }).click();
}
