/**
 * Issue 14's acceptance test, "Sell real products", through the gateway with every subgraph it
 * needs (checkout, promotions, shipping): the shop is `npm run seed`'s (featured products, shipping
 * and tax, promotions), loaded twice. A customer in Germany (EUR, prices include VAT) and one in
 * California (USD, sales tax added) each buy a red M T-shirt (a variant: STANDARD tax class,
 * 200 g) and a book (REDUCED tax class, 650 g) with the code WELCOME10 and express shipping. Every
 * total of the cart, the order and the payment agrees to the minor unit with the hand computation
 * written out in each test (literal numbers, not the code under test).
 *
 * The rules computed by hand (docs/architecture.md, "Totals"):
 * - a percentage is taken of each eligible line and rounded half to even per line;
 * - tax is per line on the line after its discounts (and on the shipping charged), half to even:
 *   inclusive prices contain amount × r / (1 + r), exclusive ones get amount × r added;
 * - total = subtotal − discounts + (shipping − shipping discount) + (tax, when prices exclude it).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandStats } from '@novamart/kit';
import { seedFeatured } from '../scripts/lib/seed-featured';
import { seedPromotions } from '../scripts/lib/seed-promotions';
import { seedShipping } from '../scripts/lib/seed-shipping';
import { HARNESS_ADMIN, startSupergraph, type SignedInUser, type Supergraph } from './support/supergraph';
import { SELLING_SUBGRAPHS } from './support/subgraphs';
import { awaitPayment, mustSucceed, paymentIntent, payWithTestCard } from './support/storefront';

const GERMANY = { name: 'Erika', line1: 'Hauptstr. 1', city: 'Berlin', postalCode: '10115', country: 'DE' };
const CALIFORNIA = {
  name: 'Ada',
  line1: '1 Market St',
  city: 'San Francisco',
  region: 'CA',
  postalCode: '94105',
  country: 'US',
};

const PRODUCT = `query($s: String!) { product(slug: $s) {
  id sku taxClass weightGrams
  variants { id sku title selectedOptions { name value } price { amount currency } taxClass weightGrams }
} }`;

const CART_TOTALS = `query($a: AddressInput!, $m: String) { cart {
  items { variant { sku title } quantity lineTotal { amount currency } }
  subtotal { amount currency }
  discounts { code description amount { amount } freeShipping }
  discountTotal { amount }
  discountedSubtotal { amount }
  shippingOptions(address: $a) { code price { amount } }
  shippingCost(address: $a, shippingMethodCode: $m) { amount }
  shippingDiscount(address: $a, shippingMethodCode: $m) { amount }
  taxLines(address: $a, shippingMethodCode: $m) { name rate amount { amount } }
  taxTotal(address: $a, shippingMethodCode: $m) { amount }
  total(address: $a, shippingMethodCode: $m) { amount currency }
} }`;

const ORDER_FIELDS = `id items { sku variantTitle quantity unitPrice { amount } }
  subtotal { amount currency } discounts { code amount { amount } shippingAmount { amount } }
  discountTotal { amount } shippingCost { amount } shippingDiscount { amount }
  shippingMethod { code } pricesIncludeTax taxLines { name rate amount { amount } } taxTotal { amount }
  total { amount currency }`;

interface Variant {
  id: string;
  sku: string;
  title: string;
  selectedOptions: { name: string; value: string }[];
  price: { amount: number; currency: string };
  taxClass: string;
  weightGrams: number | null;
}

describe('issue 14: sell real products (variants, discounts, shipping and tax agree everywhere)', () => {
  let sg: Supergraph;

  beforeAll(async () => {
    sg = await startSupergraph({ subgraphs: SELLING_SUBGRAPHS });
    const seed = { gatewayUrl: sg.gatewayUrl, email: HARNESS_ADMIN.email, password: HARNESS_ADMIN.password };
    for (let run = 0; run < 2; run++) {
      const featured = await seedFeatured(seed);
      // The second run leaves the four products (and their stock) alone.
      expect(featured).toEqual(run === 0 ? { created: 4, skipped: 0 } : { created: 0, skipped: 4 });
      await seedShipping(seed);
      await seedPromotions(seed);
    }
  }, 120_000);
  afterAll(async () => sg?.stop());

  async function productBySlug(slug: string) {
    const found = await sg.query(PRODUCT, { s: slug });
    return found.data?.product as {
      id: string;
      sku: string;
      taxClass: string;
      weightGrams: number | null;
      variants: Variant[];
    };
  }

  /** The red M T-shirt and the book of a market, in a fresh customer's cart, with WELCOME10. */
  async function fillCart(customer: SignedInUser, market: 'EU' | 'US'): Promise<void> {
    const shirt = await productBySlug(`novamart-organic-t-shirt-${market.toLowerCase()}`);
    const redM = shirt.variants.find(
      (variant) =>
        variant.selectedOptions.some((o) => o.name === 'Size' && o.value === 'M') &&
        variant.selectedOptions.some((o) => o.name === 'Colour' && o.value === 'Red'),
    )!;
    expect(redM).toMatchObject({ sku: `NM-TEE-${market}-RED-M`, taxClass: 'STANDARD', weightGrams: 200 });
    expect(shirt.variants).toHaveLength(6);
    const book = await productBySlug(`shopkeepers-handbook-${market.toLowerCase()}`);
    expect(book).toMatchObject({ sku: `NM-BOOK-${market}`, taxClass: 'REDUCED', weightGrams: 650 });
    const add =
      'mutation($p: ID!, $v: ID) { addToCart(productId: $p, variantId: $v, quantity: 1) { itemCount } }';
    mustSucceed(await sg.query(add, { p: shirt.id, v: redM.id }, { token: customer.token }), 'addToCart');
    mustSucceed(await sg.query(add, { p: book.id, v: null }, { token: customer.token }), 'addToCart');
    mustSucceed(
      await sg.query(
        'mutation { applyDiscountCode(code: "welcome10") { discountCodes } }',
        {},
        {
          token: customer.token,
        },
      ),
      'applyDiscountCode',
    );
  }

  async function cartTotals(customer: SignedInUser, address: object, requestId: string = randomUUID()) {
    return mustSucceed(
      await sg.query(
        CART_TOTALS,
        { a: address, m: 'EXPRESS' },
        { token: customer.token, headers: { 'x-request-id': requestId } },
      ),
      'cart',
    ).cart;
  }

  async function checkoutAndPay(customer: SignedInUser, key: string, address: object) {
    const order = mustSucceed(
      await sg.query(
        `mutation($i: CheckoutInput!) { checkout(input: $i) { ${ORDER_FIELDS} } }`,
        { i: { idempotencyKey: key, shippingAddress: address, shippingMethodCode: 'EXPRESS' } },
        { token: customer.token },
      ),
      'checkout',
    ).checkout;
    await awaitPayment(sg, customer, order.id);
    const paymentId = await paymentIntent(sg, customer, order.id);
    await payWithTestCard(sg, customer, order.id, paymentId);
    const paid = await sg.query(
      'query($id: ID!) { order(id: $id) { status payment { amount { amount currency } status } } }',
      { id: order.id },
      { token: customer.token },
    );
    return { order, payment: paid.data?.order.payment };
  }

  it('Germany, tax-inclusive EUR: VAT is on the discounted lines at each variant’s rate', async () => {
    // Hand computation, EUR, minor units:
    //   T-shirt Red / M 2500 (19 %, 200 g) + book 4500 (7 %, 650 g)      subtotal   7000
    //   "10% off Books" (automatic): book 4500 × 10 % = 450
    //   WELCOME10, 10 % per line: T-shirt 250, book 450 → 700
    //   discountTotal 450 + 700 = 1150; per line: T-shirt 250, book 450 + 450 = 900
    //   lines after discounts: T-shirt 2250, book 3600; goods 5850
    //   express (EU, weight bands): 850 g is in 0-2 kg → 990; no free shipping (that one is USD)
    //   VAT included (per line, half to even):
    //     T-shirt 2250 × 19/119 = 359.24 → 359; shipping 990 × 19/119 = 158.07 → 158; 19 %: 517
    //     book    3600 ×  7/107 = 235.51 → 236;                                       7 %: 236
    //   taxTotal 517 + 236 = 753 (inside the prices, not added)
    //   total = 7000 − 1150 + (990 − 0) = 6840
    const customer = await sg.customer('Erika');
    await fillCart(customer, 'EU');
    const requestId = `issue-14-cart-${randomUUID()}`;
    const cart = await cartTotals(customer, GERMANY, requestId);
    // The cart reads itself and its prices once (the variants' tax class and weight come with the
    // prices); shipping quotes twice per (address, method) asked, before and after the discounts,
    // five finds each: the options and the express totals, 4 × 5.
    const commands = (name: string) =>
      commandStats.forRequest(requestId, { database: sg.subgraph(name).runtime.mongo.name }).total;
    expect([commands('cart'), commands('shipping')]).toEqual([2, 20]);
    expect(cart.items).toEqual([
      {
        variant: { sku: 'NM-TEE-EU-RED-M', title: 'M / Red' },
        quantity: 1,
        lineTotal: { amount: 2500, currency: 'EUR' },
      },
      {
        variant: { sku: 'NM-BOOK-EU', title: 'Default' },
        quantity: 1,
        lineTotal: { amount: 4500, currency: 'EUR' },
      },
    ]);
    expect(cart.subtotal).toEqual({ amount: 7000, currency: 'EUR' });
    expect(cart.discounts).toEqual([
      { code: null, description: '10% off Books', amount: { amount: 450 }, freeShipping: false },
      {
        code: 'WELCOME10',
        description: 'Welcome: 10% off your order (code WELCOME10)',
        amount: { amount: 700 },
        freeShipping: false,
      },
    ]);
    expect(cart.discountTotal).toEqual({ amount: 1150 });
    expect(cart.discountedSubtotal).toEqual({ amount: 5850 });
    // Standard is free from €50 of goods after discounts (5850).
    expect(cart.shippingOptions).toEqual([
      { code: 'PICKUP', price: { amount: 0 } },
      { code: 'STANDARD', price: { amount: 0 } },
      { code: 'EXPRESS', price: { amount: 990 } },
    ]);
    expect(cart.shippingCost).toEqual({ amount: 990 });
    expect(cart.shippingDiscount).toEqual({ amount: 0 });
    const taxLines = [
      { name: 'DE VAT 19%', rate: 19, amount: { amount: 517 } },
      { name: 'DE VAT 7%', rate: 7, amount: { amount: 236 } },
    ];
    expect(cart.taxLines).toEqual(taxLines);
    expect(cart.taxTotal).toEqual({ amount: 753 });
    expect(cart.total).toEqual({ amount: 6840, currency: 'EUR' });

    const { order, payment } = await checkoutAndPay(customer, 'issue-14-de', GERMANY);
    expect(order).toMatchObject({
      items: [
        { sku: 'NM-TEE-EU-RED-M', variantTitle: 'M / Red', quantity: 1, unitPrice: { amount: 2500 } },
        { sku: 'NM-BOOK-EU', variantTitle: 'Default', quantity: 1, unitPrice: { amount: 4500 } },
      ],
      subtotal: { amount: 7000, currency: 'EUR' },
      discounts: [
        { code: null, amount: { amount: 450 }, shippingAmount: { amount: 0 } },
        { code: 'WELCOME10', amount: { amount: 700 }, shippingAmount: { amount: 0 } },
      ],
      discountTotal: { amount: 1150 },
      shippingCost: { amount: 990 },
      shippingDiscount: { amount: 0 },
      shippingMethod: { code: 'EXPRESS' },
      pricesIncludeTax: true,
      taxLines,
      taxTotal: { amount: 753 },
      total: { amount: 6840, currency: 'EUR' },
    });
    expect(payment).toEqual({ amount: { amount: 6840, currency: 'EUR' }, status: 'SUCCEEDED' });
  }, 120_000);

  it('California, tax-exclusive USD: sales tax on the discounted lines, express shipped free', async () => {
    // Hand computation, USD, minor units:
    //   T-shirt Red / M 2900 (STANDARD, 200 g) + book 4999 (REDUCED, 650 g)   subtotal   7899
    //   "10% off Books" (automatic): book 4999 × 10 % = 499.9 → 500
    //   WELCOME10, 10 % per line: T-shirt 290, book 499.9 → 500 → 790
    //   "Free shipping over $75" (automatic): 7899 ≥ 7500, express flat 1500 → 1500 off it
    //   discountTotal 500 + 790 = 1290; per line: T-shirt 290, book 500 + 500 = 1000
    //   lines after discounts: T-shirt 2610, book 3999; goods 6609
    //   shipping charged 1500 − 1500 = 0 (untaxed)
    //   California 7.25 % on both classes, added (per line, half to even):
    //     T-shirt 2610 × 0.0725 = 189.225 → 189; book 3999 × 0.0725 = 289.9275 → 290; taxTotal 479
    //   total = 7899 − 1290 + (1500 − 1500) + 479 = 7088
    const customer = await sg.customer('Ada');
    await fillCart(customer, 'US');
    const cart = await cartTotals(customer, CALIFORNIA);
    expect(cart.subtotal).toEqual({ amount: 7899, currency: 'USD' });
    expect(cart.discounts).toEqual([
      { code: null, description: '10% off Books', amount: { amount: 500 }, freeShipping: false },
      { code: null, description: 'Free shipping over $75', amount: { amount: 0 }, freeShipping: true },
      {
        code: 'WELCOME10',
        description: 'Welcome: 10% off your order (code WELCOME10)',
        amount: { amount: 790 },
        freeShipping: false,
      },
    ]);
    expect(cart.discountTotal).toEqual({ amount: 1290 });
    // Standard is free from $75 of goods after discounts: 6609 is not.
    expect(cart.shippingOptions).toEqual([
      { code: 'STANDARD', price: { amount: 799 } },
      { code: 'EXPRESS', price: { amount: 1500 } },
    ]);
    expect(cart.shippingCost).toEqual({ amount: 1500 });
    expect(cart.shippingDiscount).toEqual({ amount: 1500 });
    const taxLines = [{ name: 'CA sales tax 7.25%', rate: 7.25, amount: { amount: 479 } }];
    expect(cart.taxLines).toEqual(taxLines);
    expect(cart.taxTotal).toEqual({ amount: 479 });
    expect(cart.total).toEqual({ amount: 7088, currency: 'USD' });

    const { order, payment } = await checkoutAndPay(customer, 'issue-14-us', CALIFORNIA);
    expect(order).toMatchObject({
      subtotal: { amount: 7899, currency: 'USD' },
      discounts: [
        { code: null, amount: { amount: 500 }, shippingAmount: { amount: 0 } },
        { code: null, amount: { amount: 0 }, shippingAmount: { amount: 1500 } },
        { code: 'WELCOME10', amount: { amount: 790 }, shippingAmount: { amount: 0 } },
      ],
      discountTotal: { amount: 1290 },
      shippingCost: { amount: 1500 },
      shippingDiscount: { amount: 1500 },
      shippingMethod: { code: 'EXPRESS' },
      pricesIncludeTax: false,
      taxLines,
      taxTotal: { amount: 479 },
      total: { amount: 7088, currency: 'USD' },
    });
    expect(payment).toEqual({ amount: { amount: 7088, currency: 'USD' }, status: 'SUCCEEDED' });
  }, 120_000);
});
