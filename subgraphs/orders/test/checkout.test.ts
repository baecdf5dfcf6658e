import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandStats, DeadlinePassedError, runWithRequestId } from '@novamart/kit';
import {
  address,
  checkoutInput,
  customer,
  eventually,
  failure,
  startOrdersHarness,
  type OrdersHarness,
} from './support';

let h: OrdersHarness;
let cartSeq = 0;
const newCartId = () => `cart-${++cartSeq}-${Math.random().toString(36).slice(2, 8)}`;

beforeAll(async () => {
  h = await startOrdersHarness();
  await h.product('p-book', 1250);
  await h.product('p-lamp', 4500);
  await h.product('p-gone', 999, { active: false });
});

afterAll(async () => {
  await h?.close();
});

describe('guest checkout', () => {
  it('snapshots the lines at the projected prices, charges flat shipping below the threshold and announces order.placed', async () => {
    const cartId = await h.cart(newCartId(), [
      { productId: 'p-book', quantity: 2 },
      { productId: 'p-lamp', quantity: 0 + 1 },
    ]);
    // The catalog price changes after the cart was filled: the order takes the current price.
    await h.publish('product.price_changed', 'p-book', {
      productId: 'p-book',
      previousAmount: 1250,
      amount: 1000,
      currency: 'USD',
    });

    const order = await h.checkout.checkout(null, checkoutInput({ cartId, email: ' Ada@Example.COM ' }));
    expect(order).toMatchObject({
      email: 'ada@example.com',
      status: 'PENDING',
      currency: 'USD',
      subtotal: 6500,
      shippingCost: 0,
      total: 6500,
      shippingAddress: { ...address, country: 'GB', line2: null, region: null, phone: null },
      items: [
        { productId: 'p-book', sku: 'SKU-p-book', name: 'Name p-book', quantity: 2, unitAmount: 1000 },
        { productId: 'p-lamp', sku: 'SKU-p-lamp', name: 'Name p-lamp', quantity: 1, unitAmount: 4500 },
      ],
    });
    expect(order.userId).toBeUndefined();
    expect(order._id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(order.statusHistory).toEqual([{ status: 'PENDING', reason: 'Order placed', at: order.createdAt }]);

    const [placed] = await eventually(() =>
      h.eventsOf(order._id, 'order.placed').length ? h.eventsOf(order._id, 'order.placed') : null,
    );
    expect(placed?.payload).toEqual({
      orderId: order._id,
      userId: null,
      email: 'ada@example.com',
      cartId,
      lines: [
        // Products without options: their default variant, whose id is the product's.
        {
          productId: 'p-book',
          variantId: 'p-book',
          variantTitle: 'Default',
          selectedOptions: [],
          sku: 'SKU-p-book',
          name: 'Name p-book',
          quantity: 2,
          unitAmount: 1000,
        },
        {
          productId: 'p-lamp',
          variantId: 'p-lamp',
          variantTitle: 'Default',
          selectedOptions: [],
          sku: 'SKU-p-lamp',
          name: 'Name p-lamp',
          quantity: 1,
          unitAmount: 4500,
        },
      ],
      subtotal: 6500,
      shippingCost: 0,
      // Untaxed (no shipping subgraph here): the fields are there, at 0 and false.
      taxTotal: 0,
      pricesIncludeTax: false,
      total: 6500,
      currency: 'USD',
    });
  });

  it("places nothing when the caller's deadline has passed by the time the order would commit", async () => {
    const cartId = await h.cart(newCartId(), [{ productId: 'p-lamp', quantity: 1 }]);
    const input = checkoutInput({ cartId, email: 'late@example.com' });
    const late = runWithRequestId('late-1', () => h.checkout.checkout(null, input), Date.now() - 1);
    await expect(late).rejects.toBeInstanceOf(DeadlinePassedError);
    expect(await h.conn.collection('orders').countDocuments({ idempotencyKey: input.idempotencyKey })).toBe(
      0,
    );
    // In time, the same checkout places the order.
    expect(await h.checkout.checkout(null, input)).toMatchObject({ status: 'PENDING', total: 4999 });
  });

  it('charges the flat rate below the free-shipping threshold', async () => {
    const cartId = await h.cart(newCartId(), [{ productId: 'p-lamp', quantity: 1 }]);
    const order = await h.checkout.checkout(null, checkoutInput({ cartId, email: 'b@example.com' }));
    expect(order).toMatchObject({ subtotal: 4500, shippingCost: 499, total: 4999 });
  });

  it('requires an email and a cart id; refuses an empty cart and a malformed address, writing nothing', async () => {
    const cartId = await h.cart(newCartId(), [{ productId: 'p-book', quantity: 1 }]);
    expect((await failure(h.checkout.checkout(null, checkoutInput({ cartId })))).extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.email',
    });
    expect(
      (await failure(h.checkout.checkout(null, checkoutInput({ email: 'a@b.co' })))).extensions,
    ).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.cartId' });
    expect(
      (await failure(h.checkout.checkout(null, checkoutInput({ cartId, email: 'not-an-email' })))).extensions,
    ).toMatchObject({ field: 'input.email' });
    expect(
      (
        await failure(
          h.checkout.checkout(
            null,
            checkoutInput({ cartId, email: 'a@b.co', shippingAddress: { ...address, country: 'GBR' } }),
          ),
        )
      ).extensions,
    ).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.shippingAddress.country' });
    expect(
      (
        await failure(
          h.checkout.checkout(
            null,
            checkoutInput({ cartId, email: 'a@b.co', shippingAddress: { ...address, line1: '  ' } }),
          ),
        )
      ).extensions,
    ).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.shippingAddress.line1' });
    expect(
      (
        await failure(
          h.checkout.checkout(null, checkoutInput({ cartId, email: 'a@b.co', idempotencyKey: ' ' })),
        )
      ).extensions,
    ).toMatchObject({
      field: 'input.idempotencyKey',
    });
    const empty = await h.cart(newCartId(), []);
    expect(
      (await failure(h.checkout.checkout(null, checkoutInput({ cartId: empty, email: 'a@b.co' }))))
        .extensions,
    ).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.cartId',
    });
    expect(await h.conn.collection('orders').countDocuments({ cartId: { $in: [cartId, empty] } })).toBe(0);
  });

  it("refuses a postal code that is not its country's format, naming the address it is in and writing nothing", async () => {
    const cartId = await h.cart(newCartId(), [{ productId: 'p-book', quantity: 1 }]);
    const published = h.published.length;
    const us = { ...address, city: 'San Francisco', country: 'US' };
    const shipping = await failure(
      h.checkout.checkout(
        null,
        checkoutInput({ cartId, email: 'a@b.co', shippingAddress: { ...us, postalCode: 'SW1Y 4JH' } }),
      ),
    );
    expect(shipping.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.shippingAddress.postalCode',
    });
    expect(shipping.message).toBe('postalCode: expected a US ZIP code such as 94103 or 94103-1234');
    const billing = await failure(
      h.checkout.checkout(
        null,
        checkoutInput({ cartId, email: 'a@b.co', billingAddress: { ...address, postalCode: '94103' } }),
      ),
    );
    expect(billing.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.billingAddress.postalCode',
    });
    expect(billing.message).toBe('postalCode: expected a UK postcode such as SW1A 1AA');
    expect(await h.conn.collection('orders').countDocuments({ cartId })).toBe(0);
    expect(h.published.slice(published).filter((event) => event.type.startsWith('order.'))).toEqual([]);
  });

  it('refuses a country code ISO 3166-1 does not assign, naming the address it is in and writing nothing', async () => {
    const cartId = await h.cart(newCartId(), [{ productId: 'p-book', quantity: 1 }]);
    const published = h.published.length;
    const berlin = { ...address, city: 'Berlin', postalCode: '10117' };
    const refusal = async (input: Parameters<typeof checkoutInput>[0]) => {
      const error = await failure(
        h.checkout.checkout(null, checkoutInput({ cartId, email: 'a@b.co', ...input })),
      );
      return { message: error.message, ...error.extensions };
    };
    const refused = {
      message: 'country must be an ISO 3166-1 alpha-2 code such as US',
      code: 'BAD_USER_INPUT',
    };
    // Two capital letters that name no country: user-assigned (ZZ, XX, QQ), or not assigned (UK).
    for (const country of ['ZZ', ' xx ', 'QQ', 'UK']) {
      expect(await refusal({ shippingAddress: { ...berlin, country } }), country).toMatchObject({
        ...refused,
        field: 'input.shippingAddress.country',
      });
    }
    expect(await refusal({ billingAddress: { ...berlin, country: 'ZZ' } })).toMatchObject({
      ...refused,
      field: 'input.billingAddress.country',
    });
    expect(await h.conn.collection('orders').countDocuments({ cartId })).toBe(0);
    expect(h.published.slice(published).filter((event) => event.type.startsWith('order.'))).toEqual([]);

    const order = await h.checkout.checkout(
      null,
      checkoutInput({ cartId, email: 'a@b.co', shippingAddress: { ...berlin, country: 'de' } }),
    );
    expect(order.shippingAddress).toMatchObject({ country: 'DE', postalCode: '10117' });
  });

  it('stores each postal code the way its country writes it', async () => {
    const cartId = await h.cart(newCartId(), [{ productId: 'p-book', quantity: 1 }]);
    const order = await h.checkout.checkout(
      null,
      checkoutInput({
        cartId,
        email: 'a@b.co',
        shippingAddress: { ...address, postalCode: ' sw1y4jh ' },
        billingAddress: { ...address, city: 'Toronto', postalCode: 'm5v3l9', country: 'ca' },
      }),
    );
    expect(order.shippingAddress.postalCode).toBe('SW1Y 4JH');
    expect(order.billingAddress?.postalCode).toBe('M5V 3L9');
    const stored = await h.conn.collection('orders').findOne({ cartId });
    expect(stored).toMatchObject({
      shippingAddress: { postalCode: 'SW1Y 4JH' },
      billingAddress: { postalCode: 'M5V 3L9', country: 'CA' },
    });
    // Hong Kong has no postal codes: none given is stored as "".
    const hongKong = { ...address, city: 'Hong Kong', postalCode: ' ', country: 'HK' };
    const other = await h.cart(newCartId(), [{ productId: 'p-book', quantity: 1 }]);
    await h.checkout.checkout(
      null,
      checkoutInput({ cartId: other, email: 'a@b.co', shippingAddress: hongKong }),
    );
    expect(await h.conn.collection('orders').findOne({ cartId: other })).toMatchObject({
      shippingAddress: { postalCode: '', country: 'HK' },
    });
  });

  it('an unknown or archived product blocks checkout with the product named', async () => {
    const unknown = await h.cart(newCartId(), [
      { productId: 'p-book', quantity: 1 },
      { productId: 'p-ghost', quantity: 1 },
    ]);
    expect(
      (await failure(h.checkout.checkout(null, checkoutInput({ cartId: unknown, email: 'a@b.co' }))))
        .extensions,
    ).toMatchObject({
      code: 'NOT_FOUND',
      productId: 'p-ghost',
    });
    const archived = await h.cart(newCartId(), [{ productId: 'p-gone', quantity: 1 }]);
    const error = await failure(
      h.checkout.checkout(null, checkoutInput({ cartId: archived, email: 'a@b.co' })),
    );
    expect(error.extensions).toMatchObject({ code: 'NOT_FOUND', productId: 'p-gone', reason: 'ARCHIVED' });
    expect(error.message).toContain('Name p-gone');
  });

  it("a deleted cart, or another customer's cart, is NOT_FOUND", async () => {
    const theirs = await h.cart(newCartId(), [{ productId: 'p-book', quantity: 1 }], { userId: 'u-them' });
    expect(
      (
        await failure(
          h.checkout.checkout(customer('u-me'), checkoutInput({ cartId: theirs, email: 'a@b.co' })),
        )
      ).extensions.code,
    ).toBe('NOT_FOUND');
    expect(
      (await failure(h.checkout.checkout(null, checkoutInput({ cartId: theirs, email: 'a@b.co' }))))
        .extensions.code,
    ).toBe('NOT_FOUND');
    const merged = await h.cart(newCartId(), [{ productId: 'p-book', quantity: 1 }], { revision: 1 });
    await h.publish('cart.deleted', merged, { cartId: merged, userId: null, revision: 2, reason: 'MERGED' });
    expect(
      (await failure(h.checkout.checkout(null, checkoutInput({ cartId: merged, email: 'a@b.co' }))))
        .extensions.code,
    ).toBe('NOT_FOUND');
  });
});

describe('signed-in checkout', () => {
  it("uses the customer's own cart and account email by default", async () => {
    await h.registered('u-ann', 'Ann@Example.com');
    const cartId = await h.cart(newCartId(), [{ productId: 'p-book', quantity: 1 }], { userId: 'u-ann' });
    const order = await h.checkout.checkout(customer('u-ann'), checkoutInput());
    expect(order).toMatchObject({ userId: 'u-ann', email: 'ann@example.com', cartId });
  });

  it('asks for an email when the account email is not known yet', async () => {
    await h.cart(newCartId(), [{ productId: 'p-book', quantity: 1 }], { userId: 'u-unknown' });
    expect(
      (await failure(h.checkout.checkout(customer('u-unknown'), checkoutInput()))).extensions,
    ).toMatchObject({ field: 'input.email' });
    const order = await h.checkout.checkout(
      customer('u-unknown'),
      checkoutInput({ email: 'given@example.com' }),
    );
    expect(order.email).toBe('given@example.com');
  });
});

describe('idempotency', () => {
  it('the same key from the same caller returns the same order and never makes a second', async () => {
    await h.registered('u-idem', 'idem@example.com');
    await h.cart(newCartId(), [{ productId: 'p-book', quantity: 1 }], { userId: 'u-idem' });
    const input = checkoutInput({ idempotencyKey: 'same-key' });
    const first = await h.checkout.checkout(customer('u-idem'), input);
    const again = await h.checkout.checkout(customer('u-idem'), input);
    expect(again._id).toBe(first._id);

    // The same key with different input is a client bug, not a retry.
    const changed = await failure(
      h.checkout.checkout(customer('u-idem'), { ...input, shippingAddress: { ...address, city: 'Paris' } }),
    );
    expect(changed.extensions).toMatchObject({ code: 'CONFLICT', orderId: first._id });
    // A different key for the lines already ordered is refused too, naming the order that has them.
    expect(
      (await failure(h.checkout.checkout(customer('u-idem'), checkoutInput()))).extensions,
    ).toMatchObject({
      code: 'CONFLICT',
      orderId: first._id,
    });
    // Another caller using the same key string is a different checkout.
    await h.cart(newCartId(), [{ productId: 'p-book', quantity: 1 }], { userId: 'u-other' });
    const other = await h.checkout.checkout(customer('u-other'), { ...input, email: 'o@example.com' });
    expect(other._id).not.toBe(first._id);
  });

  it('a first checkout reads no order for its key and writes only the order; a retry, refused by the key, answers it', async () => {
    await h.registered('u-first', 'first@example.com');
    await h.cart(newCartId(), [{ productId: 'p-book', quantity: 1 }], { userId: 'u-first' });
    const input = checkoutInput({ idempotencyKey: 'first-key' });
    const counted = async (requestId: string) => {
      const order = await runWithRequestId(requestId, () => h.checkout.checkout(customer('u-first'), input));
      return { order, commands: commandStats.forRequest(requestId, { database: h.conn.name }) };
    };
    const first = await counted(`first-${Date.now()}`);
    // The cart snapshot, the account email and the prices read; the order written with its
    // order.placed in one insert: no transaction, no outbox entry, no lookup of the key.
    expect(first.commands.byCommand).toEqual({ find: 3, insert: 1 });
    expect(first.commands.total).toBe(4);
    const again = await counted(`again-${Date.now()}`);
    expect(again.order._id).toBe(first.order._id);
    // The same reads, the insert the key's unique index refuses, then the key's order: nothing written.
    expect(again.commands.byCommand).toEqual({ find: 4, insert: 1 });
    expect(again.commands.total).toBe(5);
    expect(await h.conn.collection('orders').countDocuments({ userId: 'u-first' })).toBe(1);
  });

  it('concurrent duplicates make exactly one order and one order.placed', async () => {
    await h.registered('u-burst', 'burst@example.com');
    await h.cart(newCartId(), [{ productId: 'p-lamp', quantity: 2 }], { userId: 'u-burst' });
    const input = checkoutInput({ idempotencyKey: 'burst-key' });
    const orders = await Promise.all(
      Array.from({ length: 12 }, () => h.checkout.checkout(customer('u-burst'), input)),
    );
    expect(new Set(orders.map((order) => order._id)).size).toBe(1);
    expect(await h.conn.collection('orders').countDocuments({ userId: 'u-burst' })).toBe(1);
    const orderId = orders[0]!._id;
    await eventually(() => h.eventsOf(orderId, 'order.placed').length === 1);
    await h.settled();
    expect(h.eventsOf(orderId, 'order.placed')).toHaveLength(1);
  });

  it('concurrent checkouts of one guest cart with different keys make one order', async () => {
    const cartId = await h.cart(newCartId(), [{ productId: 'p-book', quantity: 3 }]);
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) =>
        h.checkout.checkout(
          null,
          checkoutInput({ cartId, email: 'g@example.com', idempotencyKey: `k-${i}` }),
        ),
      ),
    );
    const made = results.filter((result) => result.status === 'fulfilled');
    expect(made).toHaveLength(1);
    for (const result of results) {
      if (result.status === 'rejected')
        expect((result.reason as { extensions: { code: string } }).extensions.code).toBe('CONFLICT');
    }
    expect(await h.conn.collection('orders').countDocuments({ cartId })).toBe(1);
  });

  it('a cart changed after an order can be ordered again', async () => {
    const cartId = newCartId();
    await h.cart(cartId, [{ productId: 'p-book', quantity: 1 }], { revision: 1 });
    await h.checkout.checkout(null, checkoutInput({ cartId, email: 'again@example.com' }));
    await h.cart(cartId, [{ productId: 'p-lamp', quantity: 1 }], { revision: 3 });
    // A late, older state of the cart is ignored.
    await h.cart(cartId, [{ productId: 'p-book', quantity: 9 }], { revision: 2 });
    const second = await h.checkout.checkout(null, checkoutInput({ cartId, email: 'again@example.com' }));
    expect(second.items.map((item) => item.productId)).toEqual(['p-lamp']);
  });
});

describe('bounded money and atomic errors', () => {
  it('refuses an order total above MAX_ORDER_TOTAL with BAD_USER_INPUT, writing nothing', async () => {
    await h.product('p-gold', 60_000_000);
    const cartId = await h.cart(newCartId(), [{ productId: 'p-gold', quantity: 2 }]);
    const snapshotBefore = await h.conn.collection('cart_snapshots').findOne({ _id: cartId } as never);
    const error = await failure(h.checkout.checkout(null, checkoutInput({ cartId, email: 'g@example.com' })));
    expect(error.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.cartId',
      limit: 100_000_000,
    });
    expect(await h.conn.collection('orders').countDocuments({ cartId })).toBe(0);
    expect(await h.conn.collection('cart_snapshots').findOne({ _id: cartId } as never)).toEqual(
      snapshotBefore,
    );
  });

  it('a failed order write leaves no order, no event and the cart as it was, and the cart checks out afterwards', async () => {
    const cartId = await h.cart(newCartId(), [{ productId: 'p-book', quantity: 1 }]);
    const snapshotBefore = await h.conn.collection('cart_snapshots').findOne({ _id: cartId } as never);
    const orders = h.conn.model('Order');
    const outboxBefore = await h.conn.collection('outbox').countDocuments();
    const original = orders.create.bind(orders);
    // The order's write (its only write) fails.
    orders.create = (async () => {
      throw new Error('injected fault in the order write');
    }) as never;
    try {
      const error = await failure(
        h.checkout.checkout(null, checkoutInput({ cartId, email: 'f@example.com' })),
      );
      expect(error.message).toBe('injected fault in the order write');
    } finally {
      orders.create = original;
    }
    console.warn('[atomic] injected: orders.create throws');
    await h.settled();
    expect(await h.conn.collection('orders').countDocuments({ cartId })).toBe(0);
    expect(await h.conn.collection('cart_snapshots').findOne({ _id: cartId } as never)).toEqual(
      snapshotBefore,
    );
    expect(await h.conn.collection('outbox').countDocuments()).toBe(outboxBefore);
    console.warn('[atomic] verified: no order, the cart as it was, no event');
    // And the same cart checks out afterwards, announcing its order once.
    const order = await h.checkout.checkout(null, checkoutInput({ cartId, email: 'f@example.com' }));
    expect(order.cartId).toBe(cartId);
    await h.settled();
    expect(h.eventsOf(order._id, 'order.placed')).toHaveLength(1);
  });
});
