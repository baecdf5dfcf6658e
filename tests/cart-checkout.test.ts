import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@novamart/kit/testing';
import { startSupergraph, type Supergraph } from './support/supergraph';
import { CHECKOUT_SUBGRAPHS } from './support/subgraphs';

// A storefront's checkout through the gateway: a guest fills a cart, registers, merges the cart,
// checks out, watches the order through a subscription, and pays.
describe.each([
  { transport: 'in-process buses', redis: false },
  { transport: 'Redis Streams and pub/sub', redis: true },
])('guest cart → register → merge → checkout → pay ($transport)', ({ redis }) => {
  let sg: Supergraph;

  beforeAll(async () => {
    sg = await startSupergraph({
      subgraphs: CHECKOUT_SUBGRAPHS,
      redis,
    });
  });
  afterAll(async () => {
    await sg?.stop();
  });

  async function createProduct(
    sku: string,
    name: string,
    priceAmount: number,
    initialStock: number,
  ): Promise<string> {
    const admin = await sg.admin();
    const created = await sg.query(
      'mutation($input: ProductInput!) { createProduct(input: $input) { id } }',
      {
        input: {
          sku,
          name,
          description: `${name} for the checkout test`,
          priceAmount,
          currency: 'USD',
          initialStock,
        },
      },
      { token: admin.token },
    );
    expect(created.errors).toBeUndefined();
    return created.data.createProduct.id;
  }

  it('goes from a guest cart to a paid order, with every step visible through the supergraph', async () => {
    const lamp = await createProduct('E2E-LAMP', 'Desk Lamp', 2999, 5);
    const mug = await createProduct('E2E-MUG', 'Coffee Mug', 1250, 10);

    // The guest's first add makes the cart, right after the products were created: the cart asks
    // products and inventory, so it needs no event to have arrived.
    const first = await sg.query('mutation($p: ID!) { addToCart(productId: $p, quantity: 1) { id } }', {
      p: lamp,
    });
    expect(first.errors).toBeUndefined();
    const guestCartId: string = first.data.addToCart.id;
    const second = await sg.query(
      'mutation($c: ID, $p: ID!) { addToCart(cartId: $c, productId: $p, quantity: 2) { id } }',
      { c: guestCartId, p: mug },
    );
    expect(second.errors).toBeUndefined();

    const guestCart = await sg.query(
      'query($id: ID) { cart(id: $id) { itemCount subtotal { formatted } items { quantity unitPrice { amount } product { name inventory { available } } } } }',
      { id: guestCartId },
    );
    expect(guestCart.errors).toBeUndefined();
    expect(guestCart.data.cart).toEqual({
      itemCount: 3,
      subtotal: { formatted: '$54.99' },
      items: [
        {
          quantity: 1,
          unitPrice: { amount: 2999 },
          product: { name: 'Desk Lamp', inventory: { available: 5 } },
        },
        {
          quantity: 2,
          unitPrice: { amount: 1250 },
          product: { name: 'Coffee Mug', inventory: { available: 10 } },
        },
      ],
    });

    const customer = await sg.customer('Grace');
    const merged = await sg.query(
      'mutation($g: ID!) { mergeCart(guestCartId: $g) { id itemCount items { product { id } quantity } } }',
      { g: guestCartId },
      { token: customer.token },
    );
    expect(merged.errors).toBeUndefined();
    expect(merged.data.mergeCart.itemCount).toBe(3);
    expect(merged.data.mergeCart.id).not.toBe(guestCartId);
    expect(
      (await sg.query('query($id: ID) { cart(id: $id) { id } }', { id: guestCartId })).errors?.[0]?.extensions
        ?.code,
    ).toBe('NOT_FOUND');

    const updates = await sg.subscribe(
      'subscription { myOrderUpdates { status previousStatus order { id total { formatted } items { name product { name } } customer { email } } } }',
      {},
      { token: customer.token },
    );

    const input = {
      shippingAddress: {
        name: 'Grace Hopper',
        line1: '1 Navy Way',
        city: 'Arlington',
        postalCode: '22202',
        country: 'US',
      },
      idempotencyKey: 'e2e-checkout-1',
    };
    const checkout = () =>
      sg.query(
        'mutation($input: CheckoutInput!) { checkout(input: $input) { id status email total { amount } shippingCost { amount } customer { id } } }',
        { input },
        { token: customer.token },
      );
    // Right after the merge: checkout asks the cart subgraph for the caller's cart.
    const placed = await checkout();
    expect(placed.errors).toBeUndefined();
    const order = placed.data.checkout;
    expect(order).toMatchObject({
      status: 'PENDING',
      email: customer.email,
      total: { amount: 5499 },
      shippingCost: { amount: 0 },
      customer: { id: customer.userId },
    });
    // A retried checkout is the same order.
    expect((await checkout()).data.checkout.id).toBe(order.id);

    const reserved = await updates.next();
    expect(reserved.errors).toBeUndefined();
    expect(reserved.data.myOrderUpdates).toEqual({
      status: 'AWAITING_PAYMENT',
      previousStatus: 'PENDING',
      order: {
        id: order.id,
        total: { formatted: '$54.99' },
        items: [
          { name: 'Desk Lamp', product: { name: 'Desk Lamp' } },
          { name: 'Coffee Mug', product: { name: 'Coffee Mug' } },
        ],
        customer: { email: customer.email },
      },
    });

    // The order took the lines out of the customer's cart.
    const emptied = await eventually(
      () => sg.query('{ cart { itemCount } }', {}, { token: customer.token }),
      (cart) => cart.data?.cart?.itemCount === 0,
      { what: 'the ordered lines to leave the cart', timeoutMs: 20_000 },
    );
    expect(emptied.data.cart.itemCount).toBe(0);

    const intent = await sg.query(
      'mutation($o: ID!) { createPaymentIntent(orderId: $o) { id status } }',
      { o: order.id },
      { token: customer.token },
    );
    expect(intent.errors).toBeUndefined();
    const confirmed = await sg.query(
      'mutation($p: ID!) { confirmPayment(paymentId: $p, paymentMethodId: "pm_card_visa") { status } }',
      { p: intent.data.createPaymentIntent.id },
      { token: customer.token },
    );
    expect(confirmed.errors).toBeUndefined();
    const paid = await updates.next();
    expect(paid.data.myOrderUpdates).toMatchObject({
      status: 'PAID',
      previousStatus: 'AWAITING_PAYMENT',
      order: { id: order.id },
    });
    await updates.close();

    const history = await sg.query(
      '{ me { orders(first: 5) { totalCount edges { node { id status statusHistory { status reason } } } } } }',
      {},
      { token: customer.token },
    );
    expect(history.errors).toBeUndefined();
    expect(history.data.me.orders.totalCount).toBe(1);
    expect(history.data.me.orders.edges[0].node).toEqual({
      id: order.id,
      status: 'PAID',
      statusHistory: [
        { status: 'PENDING', reason: 'Order placed' },
        { status: 'AWAITING_PAYMENT', reason: 'Stock reserved' },
        { status: 'PAID', reason: 'Payment succeeded' },
      ],
    });

    // Another customer can neither read the order nor watch it.
    const stranger = await sg.customer('Mallory');
    expect(
      (
        await sg.query(
          'query($id: ID!) { order(id: $id) { id } }',
          { id: order.id },
          { token: stranger.token },
        )
      ).errors?.[0]?.extensions?.code,
    ).toBe('FORBIDDEN');
  });

  // The concurrency case once, on the in-process buses: the Redis run above covers the transport.
  if (!redis)
    it('30 guests check out at once on a product with stock 10: 10 orders await payment, 20 are cancelled out of stock', async () => {
      const product = await createProduct('E2E-RUSH', 'Limited Print', 4000, 10);
      const carts: string[] = [];
      for (let i = 0; i < 30; i++) {
        const added = await sg.query('mutation($p: ID!) { addToCart(productId: $p, quantity: 1) { id } }', {
          p: product,
        });
        expect(added.errors).toBeUndefined();
        carts.push(added.data.addToCart.id);
      }
      const placed = await Promise.all(
        carts.map((cartId, i) =>
          sg.query('mutation($input: CheckoutInput!) { checkout(input: $input) { id } }', {
            input: {
              cartId,
              email: `rush-${i}@novamart.test`,
              idempotencyKey: `rush-${i}`,
              shippingAddress: {
                name: `Buyer ${i}`,
                line1: '1 Main St',
                city: 'Springfield',
                postalCode: '12345',
                country: 'US',
              },
            },
          }),
        ),
      );
      for (const result of placed) expect(result.errors).toBeUndefined();
      const orderIds = placed.map((result) => result.data.checkout.id as string);

      // Wait until the saga settled every order (one admin list per poll keeps the load down).
      const admin = await sg.admin();
      const mine = new Set(orderIds);
      const deadline = Date.now() + 40_000;
      let statuses: { status: string; reason: string | null }[];
      for (;;) {
        const page = await sg.query(
          '{ orders(first: 100) { edges { node { id status statusHistory { reason } } } } }',
          {},
          { token: admin.token },
        );
        statuses = page.data.orders.edges
          .filter((edge: any) => mine.has(edge.node.id))
          .map((edge: any) => ({ status: edge.node.status, reason: edge.node.statusHistory.at(-1).reason }));
        if (statuses.length === 30 && statuses.every((s) => s.status !== 'PENDING')) break;
        if (Date.now() > deadline) break;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(statuses.filter((s) => s.status === 'AWAITING_PAYMENT')).toHaveLength(10);
      const cancelled = statuses.filter((s) => s.status === 'CANCELLED');
      expect(cancelled).toHaveLength(20);
      for (const s of cancelled) expect(s.reason).toBe('Out of stock: Limited Print');

      const stock = await sg.query(
        'query($id: ID) { product(id: $id) { inventory { available reserved onHand } } }',
        { id: product },
        { token: admin.token },
      );
      expect(stock.data.product.inventory).toEqual({ available: 0, reserved: 10, onHand: 10 });
    }, 90_000);
});
