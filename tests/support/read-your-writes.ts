import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { productsSubgraph } from '@novamart/products';
import { inventorySubgraph } from '@novamart/inventory';
import { cartSubgraph } from '@novamart/cart';
import { ordersSubgraph } from '@novamart/orders';
import { mustSucceed, SHIPPING_ADDRESS } from './storefront';
import { startSupergraph, type Supergraph } from './supergraph';

// Read your own writes (issue 9): every request below is sent once, right after the previous one
// answered. Nothing sleeps, nothing is retried; a request that does not see what the one before
// it did fails the test. 200 pairs of each kind in a row, on both transports.
// RYW_PAIRS lowers it for a quick local run; CI runs 200.
const PAIRS = Number(process.env.RYW_PAIRS ?? 200);

const CART_LINES = '{ id items { product { id } quantity unitPrice { amount currency } } }';
const ORDER_LINES = '{ id status items { product { id } quantity unitPrice { amount currency } } }';

interface Line {
  product: { id: string };
  quantity: number;
  unitPrice: { amount: number; currency: string };
}

const sorted = (lines: Line[]) => [...lines].sort((a, b) => a.product.id.localeCompare(b.product.id));

/**
 * The read-your-writes suite on one transport. Each transport's run is a test file of its own
 * (tests/read-your-writes*.e2e.test.ts), so that the two, the longest of the e2e suites, run side
 * by side on vitest's workers instead of one after the other.
 */
export function readYourWritesSuite({ transport, redis }: { transport: string; redis: boolean }): void {
  describe(`read your own writes across subgraphs (${transport})`, () => {
    let sg: Supergraph;
    let adminToken: string;
    let sequence = 0;

    beforeAll(async () => {
      sg = await startSupergraph({
        subgraphs: [productsSubgraph, inventorySubgraph, cartSubgraph, ordersSubgraph],
        redis,
      });
      adminToken = await sg.tokenFor({ id: 'ryw-admin', role: 'ADMIN' });
    });
    afterAll(async () => {
      await sg?.stop();
    });

    const unique = (label: string) => `${label}-${redis ? 'r' : 'p'}-${++sequence}`;

    async function createProduct(priceAmount: number, initialStock: number): Promise<string> {
      const sku = unique('RYW');
      const created = mustSucceed(
        await sg.query(
          'mutation($i: ProductInput!) { createProduct(input: $i) { id } }',
          {
            i: {
              sku,
              name: `Product ${sku}`,
              description: 'read your own writes',
              priceAmount,
              initialStock,
            },
          },
          { token: adminToken },
        ),
        'createProduct',
      );
      return created.createProduct.id;
    }

    async function addToCart(productId: string, quantity: number, cartId?: string, token?: string) {
      return sg.query(
        `mutation($c: ID, $p: ID!, $q: Int!) { addToCart(cartId: $c, productId: $p, quantity: $q) ${CART_LINES} }`,
        { c: cartId ?? null, p: productId, q: quantity },
        token ? { token } : {},
      );
    }

    async function guestCheckout(cartId: string) {
      return mustSucceed(
        await sg.query(`mutation($i: CheckoutInput!) { checkout(input: $i) ${ORDER_LINES} }`, {
          i: {
            cartId,
            email: 'guest@novamart.test',
            idempotencyKey: unique('key'),
            shippingAddress: SHIPPING_ADDRESS,
          },
        }),
        'checkout',
      ).checkout;
    }

    /** The order holds exactly the lines, quantities and prices the last cart mutation answered. */
    function expectOrderOf(order: { status: string; items: Line[] }, cart: { items: Line[] }) {
      expect(order.status).toBe('PENDING');
      expect(sorted(order.items)).toEqual(sorted(cart.items));
    }

    let a: string;
    let b: string;
    beforeAll(async () => {
      a = await createProduct(1500, 1_000_000);
      b = await createProduct(2500, 1_000_000);
    });

    it(`addToCart → checkout, ${PAIRS} times`, async () => {
      for (let i = 0; i < PAIRS; i++) {
        const cart = mustSucceed(await addToCart(a, 1 + (i % 3)), 'addToCart').addToCart;
        expectOrderOf(await guestCheckout(cart.id), cart);
      }
    }, 120_000);

    it(`updateCartItem → checkout, ${PAIRS} times`, async () => {
      for (let i = 0; i < PAIRS; i++) {
        const first = mustSucceed(await addToCart(a, 1), 'addToCart').addToCart;
        const cart = mustSucceed(
          await sg.query(
            `mutation($c: ID, $p: ID!, $q: Int!) { updateCartItem(cartId: $c, productId: $p, quantity: $q) ${CART_LINES} }`,
            { c: first.id, p: a, q: 2 + (i % 5) },
          ),
          'updateCartItem',
        ).updateCartItem;
        expectOrderOf(await guestCheckout(cart.id), cart);
      }
    }, 120_000);

    it(`removeFromCart → checkout, ${PAIRS} times`, async () => {
      for (let i = 0; i < PAIRS; i++) {
        const first = mustSucceed(await addToCart(a, 1), 'addToCart').addToCart;
        mustSucceed(await addToCart(b, 1, first.id), 'addToCart');
        const cart = mustSucceed(
          await sg.query(
            `mutation($c: ID, $p: ID!) { removeFromCart(cartId: $c, productId: $p) ${CART_LINES} }`,
            {
              c: first.id,
              p: i % 2 ? a : b,
            },
          ),
          'removeFromCart',
        ).removeFromCart;
        expect(cart.items).toHaveLength(1);
        expectOrderOf(await guestCheckout(cart.id), cart);
      }
    }, 120_000);

    it(`mergeCart → checkout, ${PAIRS} times`, async () => {
      for (let i = 0; i < PAIRS; i++) {
        const token = await sg.tokenFor({ id: unique('customer'), role: 'CUSTOMER' });
        mustSucceed(await addToCart(b, 1, undefined, token), 'addToCart');
        const guest = mustSucceed(await addToCart(a, 2), 'addToCart').addToCart;
        const cart = mustSucceed(
          await sg.query(
            `mutation($g: ID!) { mergeCart(guestCartId: $g) ${CART_LINES} }`,
            { g: guest.id },
            { token },
          ),
          'mergeCart',
        ).mergeCart;
        expect(cart.items).toHaveLength(2);
        const order = mustSucceed(
          await sg.query(
            `mutation($i: CheckoutInput!) { checkout(input: $i) ${ORDER_LINES} }`,
            {
              i: {
                email: 'customer@novamart.test',
                idempotencyKey: 'merge',
                shippingAddress: SHIPPING_ADDRESS,
              },
            },
            { token },
          ),
          'checkout',
        ).checkout;
        expectOrderOf(order, cart);
      }
    }, 180_000);

    it(`createProduct(initialStock) → Product.inventory and → addToCart, ${PAIRS} times each`, async () => {
      for (let i = 0; i < PAIRS; i++) {
        const stock = 1 + (i % 7);
        const product = await createProduct(1000 + i, stock);
        const read = mustSucceed(
          await sg.query('query($id: ID) { product(id: $id) { inventory { available } } }', { id: product }),
          'product',
        );
        expect(read.product.inventory.available).toBe(stock);

        const next = await createProduct(2000 + i, stock);
        const cart = mustSucceed(await addToCart(next, stock), 'addToCart').addToCart;
        expect(cart.items).toEqual([
          { product: { id: next }, quantity: stock, unitPrice: { amount: 2000 + i, currency: 'USD' } },
        ]);
      }
    }, 180_000);

    it(`updateProduct(price) → addToCart at the new price, ${PAIRS} times`, async () => {
      const product = await createProduct(500, 1_000_000);
      for (let i = 0; i < PAIRS; i++) {
        const price = 600 + i;
        mustSucceed(
          await sg.query(
            'mutation($id: ID!, $i: ProductUpdateInput!) { updateProduct(id: $id, input: $i) { id } }',
            { id: product, i: { priceAmount: price } },
            { token: adminToken },
          ),
          'updateProduct',
        );
        const cart = mustSucceed(await addToCart(product, 1), 'addToCart').addToCart;
        expect(cart.items[0].unitPrice.amount).toBe(price);
      }
    }, 120_000);

    it(`archiveProduct → addToCart refuses, ${PAIRS} times`, async () => {
      for (let i = 0; i < PAIRS; i++) {
        const product = await createProduct(700, 10);
        mustSucceed(
          await sg.query(
            'mutation($id: ID!) { archiveProduct(id: $id) { id } }',
            { id: product },
            { token: adminToken },
          ),
          'archiveProduct',
        );
        const refused = await addToCart(product, 1);
        expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', reason: 'ARCHIVED' });
      }
    }, 120_000);

    it(`adjustStock → Product.inventory, ${PAIRS} times`, async () => {
      const product = await createProduct(800, 5);
      let expected = 5;
      for (let i = 0; i < PAIRS; i++) {
        const delta = i % 2 ? -1 : 2;
        expected += delta;
        mustSucceed(
          await sg.query(
            'mutation($p: ID!, $d: Int!) { adjustStock(productId: $p, delta: $d, reason: ADJUSTMENT) { available } }',
            { p: product, d: delta },
            { token: adminToken },
          ),
          'adjustStock',
        );
        const read = mustSucceed(
          await sg.query('query($id: ID) { product(id: $id) { inventory { available } } }', { id: product }),
          'product',
        );
        expect(read.product.inventory.available).toBe(expected);
      }
    }, 120_000);

    it(`checkout → order query and the order's subscription, ${PAIRS} times`, async () => {
      const statuses = new Set(['PENDING', 'AWAITING_PAYMENT', 'CANCELLED']);
      for (let i = 0; i < PAIRS; i++) {
        const token = await sg.tokenFor({ id: `ryw-buyer-${randomUUID()}`, role: 'CUSTOMER' });
        mustSucceed(await addToCart(a, 1, undefined, token), 'addToCart');
        const order = mustSucceed(
          await sg.query(
            'mutation($i: CheckoutInput!) { checkout(input: $i) { id } }',
            { i: { email: 'buyer@novamart.test', idempotencyKey: 'k', shippingAddress: SHIPPING_ADDRESS } },
            { token },
          ),
          'checkout',
        ).checkout;
        const read = mustSucceed(
          await sg.query('query($id: ID!) { order(id: $id) { id status } }', { id: order.id }, { token }),
          'order',
        );
        expect(statuses.has(read.order.status)).toBe(true);
        // The gateway accepts the subscription only once `order(id:)` finds the order as this caller.
        const live = await sg.subscribe(
          'subscription($id: ID!) { orderStatusChanged(orderId: $id) { status } }',
          { id: order.id },
          { token },
        );
        expect(live.error).toBeUndefined();
        await live.close();
      }
    }, 180_000);
  });
}
