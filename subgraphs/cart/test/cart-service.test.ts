import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeadlinePassedError, runWithRequestId } from '@novamart/kit';
import { MAX_LINE_QUANTITY } from '../src/services/cart-rules';
import { DAY_MS, customer, eventually, failure, startCartHarness, type CartHarness } from './support';

let h: CartHarness;

beforeAll(async () => {
  h = await startCartHarness();
  await h.stockedProduct({ productId: 'p-mug', name: 'Mug', priceAmount: 1299 }, 10);
  await h.stockedProduct({ productId: 'p-tee', name: 'Tee', priceAmount: 2500 }, 3);
  await h.stockedProduct({ productId: 'p-none', name: 'Sold out' }, 0);
  await h.stockedProduct({ productId: 'p-eur', name: 'Euro thing', currency: 'EUR' }, 5);
  // Within MAX_ORDER_TOTAL (100,000,000) alone, above it twice.
  await h.stockedProduct({ productId: 'p-gold', name: 'Gold bar', priceAmount: 60_000_000 }, 10);
});

afterAll(async () => {
  await h?.close();
});

describe('guest carts', () => {
  it('adding without a cart id makes a guest cart with an unguessable id that expires 7 days after its last change', async () => {
    const cart = await h.carts.addItem(null, { productId: 'p-mug', quantity: 2 });
    expect(cart._id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(cart.userId).toBeUndefined();
    expect(cart.items).toEqual([expect.objectContaining({ productId: 'p-mug', quantity: 2 })]);
    expect(cart.expiresAt?.getTime()).toBe(h.clock.now().getTime() + 7 * DAY_MS);

    h.clock.advance(DAY_MS);
    const again = await h.carts.addItem(null, { cartId: cart._id, productId: 'p-mug', quantity: 1 });
    expect(again._id).toBe(cart._id);
    expect(again.items[0]?.quantity).toBe(3);
    expect(again.expiresAt?.getTime()).toBe(h.clock.now().getTime() + 7 * DAY_MS);

    const other = await h.carts.addItem(null, { productId: 'p-mug', quantity: 1 });
    expect(other._id).not.toBe(cart._id);
  });

  it('is readable by whoever holds its id, until it expires', async () => {
    const cart = await h.carts.addItem(null, { productId: 'p-mug', quantity: 1 });
    expect((await h.carts.get(null, cart._id))?._id).toBe(cart._id);
    expect((await h.carts.get(customer('someone'), cart._id))?._id).toBe(cart._id);
    h.clock.advance(7 * DAY_MS + 1);
    expect((await failure(h.carts.get(null, cart._id))).extensions.code).toBe('NOT_FOUND');
    expect(
      (await failure(h.carts.addItem(null, { cartId: cart._id, productId: 'p-mug', quantity: 1 }))).extensions
        .code,
    ).toBe('NOT_FOUND');
  });

  it('has a TTL index on expiresAt, so that the database deletes expired guest carts', async () => {
    const indexes = await h.conn.collection('carts').indexes();
    expect(indexes).toContainEqual(expect.objectContaining({ key: { expiresAt: 1 }, expireAfterSeconds: 0 }));
    expect(indexes).toContainEqual(expect.objectContaining({ key: { userId: 1 }, unique: true }));
  });

  it("changes nothing when the caller's deadline has passed by the time the change would commit", async () => {
    const cart = await h.carts.addItem(null, { productId: 'p-mug', quantity: 1 });
    const late = runWithRequestId(
      'late-1',
      () => h.carts.addItem(null, { cartId: cart._id, productId: 'p-mug', quantity: 2 }),
      Date.now() - 1,
    );
    await expect(late).rejects.toBeInstanceOf(DeadlinePassedError);
    expect(
      (await h.carts.addItem(null, { cartId: cart._id, productId: 'p-mug', quantity: 0 + 1 })).items,
    ).toEqual([expect.objectContaining({ productId: 'p-mug', quantity: 2 })]);
  });

  it('needs a cart id for changes other than adding', async () => {
    const error = await failure(h.carts.updateItem(null, { productId: 'p-mug', quantity: 1 }));
    expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'cartId' });
  });
});

describe('customer carts', () => {
  it('a signed-in customer has exactly one cart, even when requests race', async () => {
    const viewer = customer('u-race');
    expect(await h.carts.get(viewer)).toBeNull();
    const carts = await Promise.all(
      Array.from({ length: 6 }, () => h.carts.addItem(viewer, { productId: 'p-mug', quantity: 1 })),
    );
    expect(new Set(carts.map((cart) => cart._id)).size).toBe(1);
    const cart = await h.carts.get(viewer);
    expect(cart?.items).toEqual([expect.objectContaining({ productId: 'p-mug', quantity: 6 })]);
    expect(cart?.expiresAt).toBeUndefined();
    expect(await h.conn.collection('carts').countDocuments({ userId: 'u-race' })).toBe(1);
  });

  it("another customer's cart is NOT_FOUND, by id or by any change", async () => {
    const mine = await h.carts.addItem(customer('u-owner'), { productId: 'p-mug', quantity: 1 });
    for (const attempt of [
      h.carts.get(customer('u-other'), mine._id),
      h.carts.get(null, mine._id),
      h.carts.addItem(customer('u-other'), { cartId: mine._id, productId: 'p-mug', quantity: 1 }),
      h.carts.clear(null, mine._id),
    ]) {
      expect((await failure(attempt)).extensions.code).toBe('NOT_FOUND');
    }
    expect((await h.carts.get(customer('u-owner'), mine._id))?.items[0]?.quantity).toBe(1);
  });
});

describe('line rules', () => {
  it('refuses more than is available with OUT_OF_STOCK and the available quantity, writing nothing', async () => {
    const cart = await h.carts.addItem(null, { productId: 'p-tee', quantity: 2 });
    const error = await failure(h.carts.addItem(null, { cartId: cart._id, productId: 'p-tee', quantity: 2 }));
    expect(error.extensions).toMatchObject({ code: 'OUT_OF_STOCK', productId: 'p-tee', available: 3 });
    const after = await h.carts.get(null, cart._id);
    expect(after?.items[0]?.quantity).toBe(2);
    expect(after?.revision).toBe(cart.revision);

    const soldOut = await failure(h.carts.addItem(null, { productId: 'p-none', quantity: 1 }));
    expect(soldOut.extensions).toMatchObject({ code: 'OUT_OF_STOCK', available: 0 });
  });

  it('takes 1 to 99 units per line', async () => {
    for (const quantity of [0, -1, 100, 1.5]) {
      const error = await failure(h.carts.addItem(null, { productId: 'p-mug', quantity }));
      expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'quantity' });
    }
    await h.publish('inventory.stock_changed', 'p-mug', {
      productId: 'p-mug',
      available: 500,
      onHand: 500,
      reserved: 0,
      reorderLevel: 0,
    });
    const cart = await h.carts.addItem(null, { productId: 'p-mug', quantity: 60 });
    const tooMany = await failure(
      h.carts.addItem(null, { cartId: cart._id, productId: 'p-mug', quantity: 40 }),
    );
    expect(tooMany.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'quantity',
      max: MAX_LINE_QUANTITY,
    });
    await h.publish('inventory.stock_changed', 'p-mug', {
      productId: 'p-mug',
      available: 10,
      onHand: 10,
      reserved: 0,
      reorderLevel: 0,
    });
  });

  it('an unknown product is NOT_FOUND; so is an archived one, with the reason', async () => {
    expect(
      (await failure(h.carts.addItem(null, { productId: 'p-nope', quantity: 1 }))).extensions,
    ).toMatchObject({
      code: 'NOT_FOUND',
      productId: 'p-nope',
    });
    await h.stockedProduct({ productId: 'p-old', active: false });
    expect(
      (await failure(h.carts.addItem(null, { productId: 'p-old', quantity: 1 }))).extensions,
    ).toMatchObject({
      code: 'NOT_FOUND',
      reason: 'ARCHIVED',
    });
  });

  it('keeps one currency per cart', async () => {
    const cart = await h.carts.addItem(null, { productId: 'p-mug', quantity: 1 });
    const error = await failure(h.carts.addItem(null, { cartId: cart._id, productId: 'p-eur', quantity: 1 }));
    expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'productId' });
  });

  it('updateCartItem sets a quantity, 0 removes the line, raising checks stock and lowering never does', async () => {
    const cart = await h.carts.addItem(null, { productId: 'p-tee', quantity: 3 });
    await h.publish('inventory.stock_changed', 'p-tee', {
      productId: 'p-tee',
      available: 1,
      onHand: 1,
      reserved: 0,
      reorderLevel: 0,
    });
    const lowered = await h.carts.updateItem(null, { cartId: cart._id, productId: 'p-tee', quantity: 2 });
    expect(lowered.items[0]?.quantity).toBe(2);
    expect(
      (await failure(h.carts.updateItem(null, { cartId: cart._id, productId: 'p-tee', quantity: 3 })))
        .extensions,
    ).toMatchObject({
      code: 'OUT_OF_STOCK',
      available: 1,
    });
    expect(
      (await failure(h.carts.updateItem(null, { cartId: cart._id, productId: 'p-mug', quantity: 1 })))
        .extensions.code,
    ).toBe('NOT_FOUND');
    const emptied = await h.carts.updateItem(null, { cartId: cart._id, productId: 'p-tee', quantity: 0 });
    expect(emptied.items).toEqual([]);
    await h.publish('inventory.stock_changed', 'p-tee', {
      productId: 'p-tee',
      available: 3,
      onHand: 3,
      reserved: 0,
      reorderLevel: 0,
    });
  });

  it('removeFromCart and clearCart', async () => {
    const cart = await h.carts.addItem(null, { productId: 'p-tee', quantity: 1 });
    await h.carts.addItem(null, { cartId: cart._id, productId: 'p-mug', quantity: 2 });
    const removed = await h.carts.removeItem(null, { cartId: cart._id, productId: 'p-tee' });
    expect(removed.items.map((line) => line.productId)).toEqual(['p-mug']);
    const cleared = await h.carts.clear(null, cart._id);
    expect(cleared.items).toEqual([]);
  });
});

describe('money bounds (MAX_ORDER_TOTAL)', () => {
  it('refuses a line or a subtotal above the limit with BAD_USER_INPUT on quantity, writing nothing', async () => {
    const cart = await h.carts.addItem(null, { productId: 'p-gold', quantity: 1 });
    const twice = await failure(
      h.carts.addItem(null, { cartId: cart._id, productId: 'p-gold', quantity: 1 }),
    );
    expect(twice.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'quantity', limit: 100_000_000 });
    expect(twice.message).toBe('2 × Gold bar of 120000000 minor units is above the limit of 100000000');
    const raised = await failure(
      h.carts.updateItem(null, { cartId: cart._id, productId: 'p-gold', quantity: 2 }),
    );
    expect(raised.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'quantity' });
    const after = await h.carts.get(null, cart._id);
    expect(after?.items).toEqual([expect.objectContaining({ productId: 'p-gold', quantity: 1 })]);
    expect(after?.revision).toBe(cart.revision);
  });

  it('refuses a merge whose result would be above the limit, on guestCartId, writing nothing', async () => {
    const guest = await h.carts.addItem(null, { productId: 'p-gold', quantity: 1 });
    const buyer = customer('u-gold');
    const own = await h.carts.addItem(buyer, { productId: 'p-gold', quantity: 1 });
    const error = await failure(h.carts.merge(buyer, guest._id));
    expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'guestCartId' });
    expect((await h.carts.get(null, guest._id))?.revision).toBe(guest.revision);
    expect((await h.carts.get(buyer))?.revision).toBe(own.revision);
  });
});

describe('events', () => {
  it('publishes cart.item_added and cart.updated (with the full lines) through the outbox', async () => {
    const viewer = customer('u-events');
    const cart = await h.carts.addItem(viewer, { productId: 'p-mug', quantity: 2 });
    const added = await eventually(async () =>
      h.published.find((e) => e.type === 'cart.item_added' && e.aggregateId === cart._id),
    );
    expect(added.payload).toEqual({ cartId: cart._id, userId: 'u-events', productId: 'p-mug', quantity: 2 });
    const updated = await eventually(async () =>
      h.published.find((e) => e.type === 'cart.updated' && e.aggregateId === cart._id),
    );
    expect(updated.payload).toEqual({
      cartId: cart._id,
      userId: 'u-events',
      revision: cart.revision,
      lines: [{ productId: 'p-mug', quantity: 2 }],
      expiresAt: null,
      updatedAt: cart.updatedAt.toISOString(),
    });
  });
});
