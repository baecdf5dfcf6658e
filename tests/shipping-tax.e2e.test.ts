import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandStats } from '@novamart/kit';
import { seedShipping } from '../scripts/lib/seed-shipping';
import { HARNESS_ADMIN, startSupergraph, type SignedInUser, type Supergraph } from './support/supergraph';
import { SHIPPING_CHECKOUT_SUBGRAPHS } from './support/subgraphs';
import {
  awaitPayment,
  createPaymentIntent,
  createProduct,
  mustSucceed,
  orderReaches,
} from './support/storefront';

/**
 * Shipping methods and tax through the gateway: a German customer (EUR, prices include 19% VAT)
 * and a Californian one (USD, 7.25% added) each choose express shipping; cart, order and payment
 * agree to the cent with the sums written out below. A method that does not ship to the address
 * is refused and writes nothing. The shop is `npm run seed`'s (scripts/lib/seed-shipping.ts),
 * loaded twice: the second run changes nothing.
 */

const GERMANY = { name: 'Erika', line1: 'Hauptstr. 1', city: 'Berlin', postalCode: '10115', country: 'DE' };
const CALIFORNIA = {
  name: 'Ada',
  line1: '1 Market St',
  city: 'San Francisco',
  region: 'CA',
  postalCode: '94105',
  country: 'US',
};

const CART_TOTALS = `query($a: AddressInput!, $m: String) { cart {
  subtotal { amount currency }
  shippingOptions(address: $a) { code name carrier type price { amount currency } }
  taxLines(address: $a, shippingMethodCode: $m) { name rate amount { amount } }
  taxTotal(address: $a, shippingMethodCode: $m) { amount }
  pricesIncludeTax(address: $a, shippingMethodCode: $m)
  total(address: $a, shippingMethodCode: $m) { amount currency }
} }`;

const ORDER_FIELDS = `id status subtotal { amount currency } shippingCost { amount }
  shippingMethod { code name carrier } pricesIncludeTax
  taxLines { name rate amount { amount } } taxTotal { amount } total { amount currency }`;

describe('shipping methods and tax through the gateway', () => {
  let sg: Supergraph;
  let euroMug: string;
  let dollarMug: string;

  beforeAll(async () => {
    sg = await startSupergraph({ subgraphs: SHIPPING_CHECKOUT_SUBGRAPHS });
    const seed = { gatewayUrl: sg.gatewayUrl, email: HARNESS_ADMIN.email, password: HARNESS_ADMIN.password };
    await seedShipping(seed);
    await seedShipping(seed);
    const stamp = Date.now();
    const { token } = await sg.admin();
    euroMug = mustSucceed(
      await sg.query(
        'mutation($i: ProductInput!) { createProduct(input: $i) { id } }',
        {
          i: {
            sku: `MUG-EUR-${stamp}`,
            name: 'Becher',
            description: 'Ein Becher',
            priceAmount: 1999,
            currency: 'EUR',
            initialStock: 50,
          },
        },
        { token },
      ),
      'createProduct',
    ).createProduct.id;
    dollarMug = await createProduct(sg, `MUG-USD-${stamp}`, 1999, 50, { name: 'Mug' });
  });
  afterAll(async () => sg?.stop());

  async function fill(customer: SignedInUser, productId: string, quantity: number): Promise<void> {
    mustSucceed(
      await sg.query(
        'mutation($p: ID!, $q: Int!) { addToCart(productId: $p, quantity: $q) { itemCount } }',
        { p: productId, q: quantity },
        { token: customer.token },
      ),
      'addToCart',
    );
  }

  async function checkout(customer: SignedInUser, key: string, address: object, shippingMethodCode?: string) {
    return sg.query(
      `mutation($i: CheckoutInput!) { checkout(input: $i) { ${ORDER_FIELDS} } }`,
      {
        i: {
          idempotencyKey: key,
          shippingAddress: address,
          ...(shippingMethodCode ? { shippingMethodCode } : {}),
        },
      },
      { token: customer.token },
    );
  }

  /** The payment's amount once the customer starts paying, after the card went through: PAID. */
  async function pay(customer: SignedInUser, orderId: string) {
    await awaitPayment(sg, customer, orderId);
    const paymentId = await createPaymentIntent(sg, customer, orderId);
    mustSucceed(
      await sg.query(
        'mutation($p: ID!) { confirmPayment(paymentId: $p, paymentMethodId: "pm_card_visa") { status } }',
        { p: paymentId },
        { token: customer.token },
      ),
      'confirmPayment',
    );
    await orderReaches(sg, customer, orderId, 'PAID');
    const read = await sg.query(
      'query($id: ID!) { order(id: $id) { payment { amount { amount currency } status } } }',
      { id: orderId },
      { token: customer.token },
    );
    return read.data?.order.payment;
  }

  it('Germany, tax-inclusive EUR: express shipping; VAT is extracted, the total is the prices', async () => {
    // Hand computation (per line, half to even):
    //   3 × €19.99 = 5997; express, 0 g → the 0-2 kg band: 990
    //   VAT in 5997 = 5997 × 19/119 = 957.51 → 958; in 990 = 158.07 → 158; taxTotal 1116
    //   total = 5997 + 990 = 6987 (the tax is inside the prices)
    const customer = await sg.customer('Erika');
    await fill(customer, euroMug, 3);
    const requestId = `cart-totals-${randomUUID()}`;
    const cart = (
      await sg.query(
        CART_TOTALS,
        { a: GERMANY, m: 'EXPRESS' },
        { token: customer.token, headers: { 'x-request-id': requestId } },
      )
    ).data?.cart;
    expect(cart.subtotal).toEqual({ amount: 5997, currency: 'EUR' });
    // The cart reads itself and its prices once; shipping answers two quotes (the options, and the
    // express total the other three fields share), five finds each, whatever the number of lines.
    const commands = (name: string) =>
      commandStats.forRequest(requestId, { database: sg.subgraph(name).runtime.mongo.name }).total;
    expect([commands('cart'), commands('shipping')]).toEqual([2, 10]);
    // Germany is in the EU zone: its three methods, cheapest first (equal: by code); standard is
    // free from €50.
    expect(cart.shippingOptions).toEqual([
      {
        code: 'PICKUP',
        name: 'Pick up in Berlin',
        carrier: null,
        type: 'PICKUP',
        price: { amount: 0, currency: 'EUR' },
      },
      {
        code: 'STANDARD',
        name: 'DHL Paket',
        carrier: 'DHL',
        type: 'STANDARD',
        price: { amount: 0, currency: 'EUR' },
      },
      {
        code: 'EXPRESS',
        name: 'DHL Express',
        carrier: 'DHL',
        type: 'EXPRESS',
        price: { amount: 990, currency: 'EUR' },
      },
    ]);
    expect(cart.taxLines).toEqual([{ name: 'DE VAT 19%', rate: 19, amount: { amount: 1116 } }]);
    expect(cart.taxTotal).toEqual({ amount: 1116 });
    // German prices include VAT: the tax is inside the total, as the order will say.
    expect(cart.pricesIncludeTax).toBe(true);
    expect(cart.total).toEqual({ amount: 6987, currency: 'EUR' });

    const placed = mustSucceed(
      await checkout(customer, 'de-express', GERMANY, 'EXPRESS'),
      'checkout',
    ).checkout;
    expect(placed).toMatchObject({
      subtotal: { amount: 5997, currency: 'EUR' },
      shippingCost: { amount: 990 },
      shippingMethod: { code: 'EXPRESS', name: 'DHL Express', carrier: 'DHL' },
      pricesIncludeTax: true,
      taxLines: [{ name: 'DE VAT 19%', rate: 19, amount: { amount: 1116 } }],
      taxTotal: { amount: 1116 },
      total: { amount: 6987, currency: 'EUR' },
    });
    expect(await pay(customer, placed.id)).toEqual({
      amount: { amount: 6987, currency: 'EUR' },
      status: 'SUCCEEDED',
    });
  });

  it('California, tax-exclusive USD: express shipping; sales tax is added', async () => {
    // Hand computation (per line, half to even):
    //   3 × $19.99 = 5997; express: 1500
    //   7.25% of 5997 = 434.78 → 435; of 1500 = 108.75 → 109; taxTotal 544
    //   total = 5997 + 1500 + 544 = 8041
    const customer = await sg.customer('Ada');
    await fill(customer, dollarMug, 3);
    const cart = (await sg.query(CART_TOTALS, { a: CALIFORNIA, m: 'EXPRESS' }, { token: customer.token }))
      .data?.cart;
    // The US zone's methods (California's own zone has rates, no methods); no pickup here.
    expect(
      cart.shippingOptions.map((o: { code: string; price: { amount: number } }) => [o.code, o.price.amount]),
    ).toEqual([
      ['STANDARD', 799],
      ['EXPRESS', 1500],
    ]);
    expect(cart.taxLines).toEqual([{ name: 'CA sales tax 7.25%', rate: 7.25, amount: { amount: 544 } }]);
    expect(cart.pricesIncludeTax).toBe(false);
    expect(cart.total).toEqual({ amount: 8041, currency: 'USD' });

    const placed = mustSucceed(
      await checkout(customer, 'ca-express', CALIFORNIA, 'express'),
      'checkout',
    ).checkout;
    expect(placed).toMatchObject({
      subtotal: { amount: 5997, currency: 'USD' },
      shippingCost: { amount: 1500 },
      shippingMethod: { code: 'EXPRESS', name: 'UPS Next Day Air', carrier: 'UPS' },
      pricesIncludeTax: false,
      taxLines: [{ name: 'CA sales tax 7.25%', rate: 7.25, amount: { amount: 544 } }],
      taxTotal: { amount: 544 },
      total: { amount: 8041, currency: 'USD' },
    });
    expect(await pay(customer, placed.id)).toEqual({
      amount: { amount: 8041, currency: 'USD' },
      status: 'SUCCEEDED',
    });
  });

  it('refuses a method that does not ship to the address, with its field, and writes nothing', async () => {
    const customer = await sg.customer('Grace');
    await fill(customer, dollarMug, 1);
    const orders = sg.subgraph('orders').runtime.mongo.collection('orders');
    const before = await orders.countDocuments();

    const refused = await checkout(customer, 'ca-pickup', CALIFORNIA, 'PICKUP');
    expect(refused.data).toBeNull();
    expect(refused.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.shippingMethodCode',
      available: ['STANDARD', 'EXPRESS'],
    });
    expect(refused.errors?.[0]?.message).toMatch(/PICKUP is not available for US-CA/);
    expect(await orders.countDocuments()).toBe(before);
    // The cart says the same about its preview, and still holds the line.
    const preview = await sg.query(CART_TOTALS, { a: CALIFORNIA, m: 'PICKUP' }, { token: customer.token });
    expect(preview.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'shippingMethodCode',
    });
    const cart = await sg.query('{ cart { itemCount } }', {}, { token: customer.token });
    expect(cart.data?.cart.itemCount).toBe(1);
  });

  it('without a method, checkout charges the default flat rule as before, taxed for the address', async () => {
    // $19.99 is below the $50 free-shipping threshold: the flat $4.99 (SHIPPING_FLAT_RATE).
    //   7.25% of 1999 = 144.93 → 145; of 499 = 36.18 → 36; taxTotal 181; total 1999 + 499 + 181 = 2679
    const customer = await sg.customer('Linus');
    await fill(customer, dollarMug, 1);
    const placed = mustSucceed(await checkout(customer, 'ca-default', CALIFORNIA), 'checkout').checkout;
    expect(placed).toMatchObject({
      shippingCost: { amount: 499 },
      shippingMethod: { code: 'DEFAULT', name: 'Standard shipping', carrier: null },
      taxTotal: { amount: 181 },
      total: { amount: 2679, currency: 'USD' },
    });
  });

  it("without a method, the cart's totals show the default flat rule that checkout then charges", async () => {
    const cartTotals = async (customer: SignedInUser, address: object) =>
      mustSucceed(
        await sg.query(
          `query($a: AddressInput!) { cart {
            shippingCost(address: $a) { amount currency }
            taxTotal(address: $a) { amount }
            total(address: $a) { amount currency }
          } }`,
          { a: address },
          { token: customer.token },
        ),
        'cart',
      ).cart;
    // California, $19.99 below the $50 threshold: $4.99, both taxed (181), as the order above.
    const linus = await sg.customer('Linus Cart');
    await fill(linus, dollarMug, 1);
    expect(await cartTotals(linus, CALIFORNIA)).toEqual({
      shippingCost: { amount: 499, currency: 'USD' },
      taxTotal: { amount: 181 },
      total: { amount: 2679, currency: 'USD' },
    });
    const placed = mustSucceed(await checkout(linus, 'ca-default-cart', CALIFORNIA), 'checkout').checkout;
    expect(placed.total).toEqual({ amount: 2679, currency: 'USD' });

    // An address no zone covers (the UK): the same flat charge, untaxed, and the order agrees.
    const uk = { name: 'Ada', line1: '10 Downing St', city: 'London', postalCode: 'SW1A 2AA', country: 'GB' };
    const grace = await sg.customer('Grace Cart');
    await fill(grace, dollarMug, 1);
    expect(await cartTotals(grace, uk)).toEqual({
      shippingCost: { amount: 499, currency: 'USD' },
      taxTotal: { amount: 0 },
      total: { amount: 2498, currency: 'USD' },
    });
    const shipped = mustSucceed(await checkout(grace, 'uk-default-cart', uk), 'checkout').checkout;
    expect(shipped).toMatchObject({ shippingCost: { amount: 499 }, total: { amount: 2498 } });

    // From the threshold ($59.97 ≥ $50) shipping is free in the cart as in the order.
    const alan = await sg.customer('Alan Cart');
    await fill(alan, dollarMug, 3);
    expect((await cartTotals(alan, uk)).shippingCost).toEqual({ amount: 0, currency: 'USD' });
  });
});
