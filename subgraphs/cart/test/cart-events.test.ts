import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumerHandler, createEvent, PROCESSED_EVENTS_COLLECTION } from '@novamart/events';
import { cartOrderConsumer } from '../src/events/handlers';
import { customer, eventually, failure, startCartHarness, type CartHarness } from './support';

let h: CartHarness;

beforeAll(async () => {
  h = await startCartHarness();
});

afterAll(async () => {
  await h?.close();
});

const stock = (productId: string, available: number) => ({
  productId,
  available,
  onHand: available,
  reserved: 0,
  reorderLevel: 0,
});

describe('catalog projection', () => {
  it('prices lines at the current catalog price, and a late, older price event changes nothing', async () => {
    const product = await h.stockedProduct({ productId: 'p-price', priceAmount: 1000 });
    const t0 = Date.now();
    const at = (seconds: number) => new Date(t0 + seconds * 1000);
    await h.publish(
      'product.price_changed',
      product.productId,
      { productId: product.productId, previousAmount: 1000, amount: 1500, currency: 'USD' },
      at(60),
    );
    expect((await h.catalog.load([product.productId])).get(product.productId)?.priceAmount).toBe(1500);

    await h.publish(
      'product.price_changed',
      product.productId,
      { productId: product.productId, previousAmount: 900, amount: 1000, currency: 'USD' },
      at(10),
    );
    expect((await h.catalog.load([product.productId])).get(product.productId)?.priceAmount).toBe(1500);

    // An update older than the price change takes the name but keeps the newer price.
    await h.publish(
      'product.updated',
      product.productId,
      { ...product, name: 'Renamed', priceAmount: 1 },
      at(30),
    );
    const known = (await h.catalog.load([product.productId])).get(product.productId);
    expect(known).toMatchObject({ name: 'Renamed', priceAmount: 1500 });
  });

  it('stock can arrive before the product, and the product is only known once the catalog said so', async () => {
    await h.publish('inventory.stock_changed', 'p-early', stock('p-early', 4));
    expect((await h.catalog.load(['p-early'])).size).toBe(0);
    expect(
      (await failure(h.carts.addItem(null, { productId: 'p-early', quantity: 1 }))).extensions.code,
    ).toBe('NOT_FOUND');
    await h.publish('product.created', 'p-early', {
      productId: 'p-early',
      sku: 'E',
      slug: 'e',
      name: 'Early',
      priceAmount: 100,
      currency: 'USD',
      categorySlug: null,
      active: true,
      initialStock: null,
    });
    expect((await h.catalog.load(['p-early'])).get('p-early')?.available).toBe(4);
  });
});

describe('archived products', () => {
  it('drop out of every cart holding them, the cart says so, and a redelivered archive changes nothing twice', async () => {
    const product = await h.stockedProduct({ productId: 'p-arch', name: 'Retired mug' });
    await h.stockedProduct({ productId: 'p-keep' });
    const guest = await h.carts.addItem(null, { productId: 'p-arch', quantity: 2 });
    await h.carts.addItem(null, { cartId: guest._id, productId: 'p-keep', quantity: 1 });
    const mine = await h.carts.addItem(customer('u-arch'), { productId: 'p-arch', quantity: 1 });

    const archived = await h.publish('product.archived', product.productId, { ...product, active: false });
    const guestAfter = await h.carts.get(null, guest._id);
    expect(guestAfter?.items.map((line) => line.productId)).toEqual(['p-keep']);
    expect(guestAfter?.removedItems).toEqual([
      expect.objectContaining({ productId: 'p-arch', name: 'Retired mug', quantity: 2, reason: 'ARCHIVED' }),
    ]);
    expect((await h.carts.get(customer('u-arch')))?.items).toEqual([]);

    const updates = await eventually(async () => {
      const found = h.published.filter(
        (e) =>
          e.type === 'cart.updated' &&
          [guest._id, mine._id].includes(e.aggregateId) &&
          !e.payload.lines.some((line: { productId: string }) => line.productId === 'p-arch'),
      );
      return found.length >= 2 ? found : null;
    });
    expect(updates.find((e) => e.aggregateId === guest._id)?.payload.lines).toEqual([
      { productId: 'p-keep', quantity: 1 },
    ]);

    // The same event again (a redelivery) is recognised and skipped.
    const revision = guestAfter?.revision;
    await h.bus.publish(archived);
    await h.settled();
    const again = await h.carts.get(null, guest._id);
    expect(again?.revision).toBe(revision);
    expect(again?.removedItems).toHaveLength(1);

    // The owner's next change clears the notice.
    const changed = await h.carts.addItem(null, { cartId: guest._id, productId: 'p-keep', quantity: 1 });
    expect(changed.removedItems).toEqual([]);
  });
});

describe('mergeCart', () => {
  it('sums quantities capped by what is available, reports what it could not take, and deletes the guest cart', async () => {
    await h.stockedProduct({ productId: 'm-a' }, 5);
    await h.stockedProduct({ productId: 'm-b' }, 10);
    await h.stockedProduct({ productId: 'm-c' }, 2);
    const viewer = customer('u-merge');
    await h.carts.addItem(viewer, { productId: 'm-a', quantity: 3 });
    const guest = await h.carts.addItem(null, { productId: 'm-a', quantity: 4 });
    await h.carts.addItem(null, { cartId: guest._id, productId: 'm-b', quantity: 2 });
    await h.carts.addItem(null, { cartId: guest._id, productId: 'm-c', quantity: 2 });
    await h.publish('inventory.stock_changed', 'm-c', stock('m-c', 0));

    const merged = await h.carts.merge(viewer, guest._id);
    expect(merged.userId).toBe('u-merge');
    expect(merged.items.map(({ productId, quantity }) => ({ productId, quantity }))).toEqual([
      { productId: 'm-a', quantity: 5 },
      { productId: 'm-b', quantity: 2 },
    ]);
    expect(merged.removedItems).toEqual([
      expect.objectContaining({ productId: 'm-c', quantity: 2, reason: 'OUT_OF_STOCK' }),
    ]);
    expect(await h.conn.collection('carts').countDocuments({ _id: guest._id } as never)).toBe(0);
    const deleted = await eventually(async () =>
      h.published.find((e) => e.type === 'cart.deleted' && e.aggregateId === guest._id),
    );
    expect(deleted.payload).toMatchObject({ cartId: guest._id, userId: null, reason: 'MERGED' });

    // The guest cart is gone: merging it again is NOT_FOUND, and the customer's cart is unchanged.
    expect((await failure(h.carts.merge(viewer, guest._id))).extensions.code).toBe('NOT_FOUND');
    expect((await h.carts.get(viewer))?.revision).toBe(merged.revision);
  });

  it('never lowers a line the customer already had, and makes the customer a cart when they had none', async () => {
    await h.stockedProduct({ productId: 'm-d' }, 3);
    const had = customer('u-had');
    await h.carts.addItem(had, { productId: 'm-d', quantity: 3 });
    await h.publish('inventory.stock_changed', 'm-d', stock('m-d', 1));
    const guest = await h.carts.addItem(null, { productId: 'm-d', quantity: 1 });
    const merged = await h.carts.merge(had, guest._id);
    expect(merged.items[0]?.quantity).toBe(3);

    const fresh = customer('u-fresh');
    const guest2 = await h.carts.addItem(null, { productId: 'm-d', quantity: 1 });
    const created = await h.carts.merge(fresh, guest2._id);
    expect(created.userId).toBe('u-fresh');
    expect(created.items[0]?.quantity).toBe(1);
  });

  it('needs a signed-in caller and a guest cart', async () => {
    await h.stockedProduct({ productId: 'm-e' }, 3);
    const guest = await h.carts.addItem(null, { productId: 'm-e', quantity: 1 });
    expect((await failure(h.carts.merge(null, guest._id))).extensions.code).toBe('UNAUTHENTICATED');
    const own = await h.carts.addItem(customer('u-self'), { productId: 'm-e', quantity: 1 });
    expect((await failure(h.carts.merge(customer('u-self'), own._id))).extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'guestCartId',
    });
    expect((await failure(h.carts.merge(customer('u-x'), own._id))).extensions.code).toBe('NOT_FOUND');
  });
});

/** `order.placed` for one unit of `productId` from the cart. */
const oneUnitOrdered = (orderId: string, userId: string, cartId: string, productId: string) =>
  createEvent('order.placed', orderId, {
    orderId,
    userId,
    email: 'a@example.com',
    cartId,
    lines: [{ productId, sku: productId, name: productId, quantity: 1, unitAmount: 1000 }],
    subtotal: 1000,
    shippingCost: 0,
    total: 1000,
    currency: 'USD',
  });

describe('order.placed', () => {
  it('takes the ordered lines out of the cart, keeps what was added since, and does it once', async () => {
    await h.stockedProduct({ productId: 'o-a' }, 10);
    await h.stockedProduct({ productId: 'o-b' }, 10);
    const viewer = customer('u-order');
    const cart = await h.carts.addItem(viewer, { productId: 'o-a', quantity: 2 });
    await h.carts.addItem(viewer, { productId: 'o-b', quantity: 1 });
    // Added after the checkout read the cart:
    await h.carts.addItem(viewer, { productId: 'o-b', quantity: 1 });

    const placed = await h.publish('order.placed', 'order-1', {
      orderId: 'order-1',
      userId: 'u-order',
      email: 'a@example.com',
      cartId: cart._id,
      lines: [
        { productId: 'o-a', sku: 'A', name: 'A', quantity: 2, unitAmount: 1000 },
        { productId: 'o-b', sku: 'B', name: 'B', quantity: 1, unitAmount: 1000 },
      ],
      subtotal: 3000,
      shippingCost: 0,
      total: 3000,
      currency: 'USD',
    });
    const after = await h.carts.get(viewer);
    expect(after?.items.map(({ productId, quantity }) => ({ productId, quantity }))).toEqual([
      { productId: 'o-b', quantity: 1 },
    ]);

    await h.bus.publish(placed);
    await h.settled();
    expect((await h.carts.get(viewer))?.revision).toBe(after?.revision);
  });

  it('records the order on the cart, without a processed record: duplicates at once and later redeliveries take the lines once', async () => {
    await h.stockedProduct({ productId: 'o-c' }, 10);
    const viewer = customer('u-order-twice');
    const cart = await h.carts.addItem(viewer, { productId: 'o-c', quantity: 3 });
    const placed = oneUnitOrdered('order-twice', 'u-order-twice', cart._id, 'o-c');
    const consume = consumerHandler(h.conn, cartOrderConsumer(h.carts));
    const quantity = async () => (await h.carts.get(viewer))?.items[0]?.quantity;

    // Two consumers at once: one commits, the other loses the compare-and-set (or its transaction
    // runs again) and, delivered again as the bus would, finds the order recorded.
    const outcomes = await Promise.allSettled([consume(placed), consume(placed)]);
    for (const outcome of outcomes) if (outcome.status === 'rejected') await consume(placed);
    expect(await quantity()).toBe(2);
    const taken = await h.carts.get(viewer);
    expect(taken?.ordersTaken?.map((order) => order.orderId)).toEqual(['order-twice']);
    expect(
      await h.conn.collection(PROCESSED_EVENTS_COLLECTION).findOne({ _id: `cart:${placed.id}` } as never),
    ).toBeNull();

    // A redelivery after the holder added more of the product takes nothing and writes nothing.
    await h.carts.addItem(viewer, { productId: 'o-c', quantity: 1 });
    const before = await h.carts.get(viewer);
    await consume(placed);
    expect(await h.carts.get(viewer)).toEqual(before);
    expect(await quantity()).toBe(3);
  });

  it('records an order whose lines the holder had already removed, without changing the cart', async () => {
    await h.stockedProduct({ productId: 'o-d' }, 10);
    const viewer = customer('u-order-gone');
    const cart = await h.carts.addItem(viewer, { productId: 'o-d', quantity: 1 });
    await h.carts.removeItem(viewer, { productId: 'o-d' });
    const placed = oneUnitOrdered('order-gone', 'u-order-gone', cart._id, 'o-d');
    const consume = consumerHandler(h.conn, cartOrderConsumer(h.carts));
    await consume(placed);
    const after = await h.carts.get(viewer);
    expect(after?.revision).toBe(2);
    expect(after?.ordersTaken?.map((order) => order.orderId)).toEqual(['order-gone']);

    // Added again later: a redelivery of the order does not take it.
    await h.carts.addItem(viewer, { productId: 'o-d', quantity: 1 });
    await consume(placed);
    expect((await h.carts.get(viewer))?.items.map((line) => line.quantity)).toEqual([1]);
  });
});
