import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvent, type DomainEvent } from '@novamart/events';
import { commandStats, type RunningSubgraph, type SubgraphRuntime } from '@novamart/kit';
import { startSubgraphForTests, type TestSubgraph, type TestTokens } from '@novamart/kit/testing';
import { type Connection } from 'mongoose';
import { cartSubgraph, type CartConfig } from '../src/index';
import { eventually } from './support';

let conn: Connection;
let runtime: SubgraphRuntime<CartConfig>;
let running: RunningSubgraph;
let tokens: TestTokens;
let sub: TestSubgraph;

async function gql(
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
) {
  const response = await fetch(running.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as {
    data?: any;
    errors?: { message: string; extensions?: Record<string, any> }[];
  };
}

async function publishAndWait(event: DomainEvent): Promise<void> {
  await runtime.bus.publish(event);
  // Stock changes go to the cart's direct consumer, which keeps no processed record: its
  // effect is the row stamped with the event's time.
  await eventually(() =>
    event.type === 'inventory.stock_changed'
      ? conn
          .collection('catalog_products')
          .findOne({ _id: event.aggregateId, stockAt: new Date(event.occurredAt) } as never)
      : conn.collection('processed_events').findOne({ _id: `cart:${event.id}` } as never),
  );
}

async function product(productId: string, priceAmount: number, available: number): Promise<void> {
  await publishAndWait(
    createEvent('product.created', productId, {
      productId,
      sku: `SKU-${productId}`,
      slug: productId,
      name: `Name ${productId}`,
      priceAmount,
      currency: 'USD',
      categorySlug: null,
      active: true,
      initialStock: available,
    }),
  );
  await publishAndWait(
    createEvent('inventory.stock_changed', productId, {
      productId,
      available,
      onHand: available,
      reserved: 0,
      reorderLevel: 0,
    }),
  );
}

const CART_FIELDS = `
  id itemCount updatedAt expiresAt
  subtotal { amount currency formatted }
  items { product { id } quantity unitPrice { amount formatted } lineTotal { amount } }
  removedItems { product { id } name quantity reason }
`;

beforeAll(async () => {
  sub = await startSubgraphForTests(cartSubgraph);
  ({ conn, running, tokens } = sub);
  runtime = sub.runtime as SubgraphRuntime<CartConfig>;
  await product('g-1', 1999, 5);
  await product('g-2', 500, 50);
});

afterAll(async () => {
  await sub?.stop();
});

describe('cart over GraphQL', () => {
  it('a guest adds to a new cart and reads it back by id, priced from the catalog', async () => {
    const added = await gql(`mutation { addToCart(productId: "g-1", quantity: 2) { ${CART_FIELDS} } }`);
    expect(added.errors).toBeUndefined();
    const cart = added.data.addToCart;
    expect(cart).toMatchObject({
      itemCount: 2,
      subtotal: { amount: 3998, currency: 'USD', formatted: '$39.98' },
      items: [
        {
          product: { id: 'g-1' },
          quantity: 2,
          unitPrice: { amount: 1999, formatted: '$19.99' },
          lineTotal: { amount: 3998 },
        },
      ],
      removedItems: [],
    });
    expect(typeof cart.expiresAt).toBe('string');

    const read = await gql(`query($id: ID) { cart(id: $id) { ${CART_FIELDS} } }`, { id: cart.id });
    expect(read.data.cart).toEqual(cart);
    expect((await gql(`{ cart { id } }`)).data.cart).toBeNull();
  });

  it('a signed-in customer uses their own cart without an id; errors carry the contract codes', async () => {
    const auth = { authorization: await tokens.bearer({ id: 'gql-user', role: 'CUSTOMER' }) };
    const added = await gql(
      `mutation { addToCart(productId: "g-2", quantity: 3) { id expiresAt } }`,
      {},
      auth,
    );
    expect(added.data.addToCart.expiresAt).toBeNull();
    const mine = await gql(`{ cart { id items { quantity } } }`, {}, auth);
    expect(mine.data.cart).toEqual({ id: added.data.addToCart.id, items: [{ quantity: 3 }] });

    const tooMany = await gql(`mutation { addToCart(productId: "g-1", quantity: 6) { id } }`, {}, auth);
    expect(tooMany.errors?.[0]?.extensions).toMatchObject({
      code: 'OUT_OF_STOCK',
      productId: 'g-1',
      available: 5,
    });
    const badQuantity = await gql(
      `mutation { updateCartItem(productId: "g-2", quantity: 100) { id } }`,
      {},
      auth,
    );
    expect(badQuantity.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'quantity' });
    const stranger = await gql(`query($id: ID) { cart(id: $id) { id } }`, { id: added.data.addToCart.id });
    expect(stranger.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('reading a cart of many lines costs a constant number of database commands', async () => {
    const ids = Array.from({ length: 20 }, (_, i) => `bulk-${i}`);
    for (const id of ids) await product(id, 100 + ids.indexOf(id), 10);
    let cartId: string | null = null;
    for (const id of ids) {
      const result = await gql(
        `mutation($cartId: ID, $p: ID!) { addToCart(cartId: $cartId, productId: $p, quantity: 1) { id } }`,
        { cartId, p: id },
      );
      cartId = result.data.addToCart.id;
    }
    const requestId = `cart-batch-${Date.now()}`;
    const read = await gql(
      `query($id: ID) { cart(id: $id) { ${CART_FIELDS} } }`,
      { id: cartId },
      { 'x-request-id': requestId },
    );
    expect(read.data.cart.items).toHaveLength(20);
    // One read of the cart, one $in over the catalog projection for every line and the subtotal.
    expect(commandStats.forRequest(requestId, { database: conn.name })).toMatchObject({
      total: 2,
      byCommand: { find: 2 },
    });
  });
});
