import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandStats } from '@novamart/kit';
import { eventually } from '@novamart/kit/testing';
import { reviewsSubgraph } from '@novamart/reviews';
import { CHECKOUT_SUBGRAPHS } from './support/subgraphs';
import { startSupergraph, type GraphQLResponse, type Supergraph } from './support/supergraph';
import { staffMember } from './support/staff';
import {
  awaitPayment,
  checkout,
  createProduct,
  mustSucceed,
  paymentIntent,
  payWithTestCard,
} from './support/storefront';

// Issue 16 through the gateway: reviews (a buyer only, right after payment), the address book,
// billing addresses on orders and the stock back office.
describe('after-sales and the customer account through the gateway', () => {
  let sg: Supergraph;

  beforeAll(async () => {
    // reviews after orders: it learns ORDERS_URL as the harness starts the modules in order.
    sg = await startSupergraph({ subgraphs: [...CHECKOUT_SUBGRAPHS, reviewsSubgraph] });
  });
  afterAll(async () => {
    await sg?.stop();
  });

  const sku = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;
  const codeOf = (result: GraphQLResponse) => result.errors?.[0]?.extensions?.code;

  const ADD_REVIEW =
    'mutation($i: ReviewInput!) { addReview(input: $i) { id rating text hidden product { id } } }';
  const PRODUCT_REVIEWS =
    'query($id: ID!) { product(id: $id) { id rating { average count } reviews(first: 5) { edges { node { id rating text } } pageInfo { hasNextPage } } } }';

  it('a review is refused to a customer who did not buy the product and accepted from one whose order was just paid', async () => {
    const productId = await createProduct(sg, sku('REV'), 1200, 10, { name: 'Reviewed Kettle' });
    const stranger = await sg.customer('Stranger');
    const refused = await sg.query(
      ADD_REVIEW,
      { i: { productId, rating: 1, text: 'never bought it' } },
      { token: stranger.token },
    );
    expect(codeOf(refused)).toBe('FORBIDDEN');

    const buyer = await sg.customer('Buyer');
    const orderId = await checkout(sg, buyer, productId, randomUUID());
    await awaitPayment(sg, buyer, orderId);
    await payWithTestCard(sg, buyer, orderId, await paymentIntent(sg, buyer, orderId));

    // No waiting for order.paid to reach reviews: the command asks orders when it has not heard.
    const text = '<script>alert("x")</script> Boils fast & quietly';
    const added = mustSucceed(
      await sg.query(ADD_REVIEW, { i: { productId, rating: 4, text } }, { token: buyer.token }),
      'addReview',
    );
    expect(added.addReview).toMatchObject({ rating: 4, text, hidden: false, product: { id: productId } });

    const again = await sg.query(
      ADD_REVIEW,
      { i: { productId, rating: 5, text: 'twice' } },
      { token: buyer.token },
    );
    expect(codeOf(again)).toBe('CONFLICT');
    const badRating = await sg.query(
      ADD_REVIEW,
      { i: { productId, rating: 6, text: 'too good' } },
      { token: buyer.token },
    );
    expect(badRating.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.rating',
    });

    const page = mustSucceed(await sg.query(PRODUCT_REVIEWS, { id: productId }), 'product');
    expect(page.product.rating).toEqual({ average: 4, count: 1 });
    expect(page.product.reviews.edges.map((e: any) => e.node.text)).toEqual([text]);

    // Hiding is moderation: CUSTOMER and FINANCE are FORBIDDEN, SUPPORT takes it off the page and
    // out of the rating.
    const hideDoc = 'mutation($id: ID!) { hideReview(id: $id) { id hidden } }';
    const byCustomer = await sg.query(hideDoc, { id: added.addReview.id }, { token: buyer.token });
    expect(codeOf(byCustomer)).toBe('FORBIDDEN');
    const finance = await staffMember(sg, 'FINANCE');
    const byFinance = await sg.query(hideDoc, { id: added.addReview.id }, { token: finance.token });
    expect(codeOf(byFinance)).toBe('FORBIDDEN');
    const support = await staffMember(sg, 'SUPPORT');
    const hidden = mustSucceed(
      await sg.query(hideDoc, { id: added.addReview.id }, { token: support.token }),
      'hide',
    );
    expect(hidden.hideReview.hidden).toBe(true);
    const after = mustSucceed(await sg.query(PRODUCT_REVIEWS, { id: productId }), 'product');
    expect(after.product.rating).toEqual({ average: null, count: 0 });
    expect(after.product.reviews.edges).toEqual([]);
  });

  it('a purchase the projection has not heard of is taken from orders; an unpaid order does not count', async () => {
    const productId = await createProduct(sg, sku('REVF'), 800, 10, { name: 'Fallback Teapot' });
    const buyer = await sg.customer('Late');
    const orderId = await checkout(sg, buyer, productId, randomUUID());
    await awaitPayment(sg, buyer, orderId);
    await payWithTestCard(sg, buyer, orderId, await paymentIntent(sg, buyer, orderId));
    // The projection learns it from order.paid; taking it away again stands for an event still on its way.
    const purchases = sg.subgraph('reviews').runtime.mongo.collection('purchases');
    await eventually(
      () => purchases.findOne({ userId: buyer.userId, productId }),
      (doc) => doc !== null,
      { what: "reviews' projection of order.paid" },
    );
    await purchases.deleteMany({ userId: buyer.userId });
    mustSucceed(
      await sg.query(ADD_REVIEW, { i: { productId, rating: 5, text: 'lovely' } }, { token: buyer.token }),
      "addReview from orders' answer",
    );
    expect(await purchases.countDocuments({ userId: buyer.userId, productId })).toBe(1);

    const unpaid = await sg.customer('Unpaid');
    const unpaidOrder = await checkout(sg, unpaid, productId, randomUUID());
    await awaitPayment(sg, unpaid, unpaidOrder);
    const refused = await sg.query(
      ADD_REVIEW,
      { i: { productId, rating: 1, text: 'not paid' } },
      { token: unpaid.token },
    );
    expect(codeOf(refused)).toBe('FORBIDDEN');
  });

  it("a list of products with ratings, reviews and the viewer's own review costs a constant number of reviews commands", async () => {
    const category = `rev-batch-${randomUUID().slice(0, 6)}`;
    const admin = await sg.admin();
    for (let i = 0; i < 6; i++) {
      mustSucceed(
        await sg.query(
          'mutation($input: ProductInput!) { createProduct(input: $input) { id } }',
          {
            input: {
              sku: sku('RVB'),
              name: `Batch ${i}`,
              description: 'x',
              priceAmount: 100,
              categorySlug: category,
            },
          },
          { token: admin.token },
        ),
        'createProduct',
      );
    }
    const requestId = `reviews-e2e-${randomUUID()}`;
    const shopper = await sg.customer('Batch Shopper');
    const { body } = await sg.post(
      {
        query: `{ products(first: 6, filter: { categorySlug: "${category}" }) { edges { node { id rating { count } reviews(first: 3) { edges { node { id } } } myReview { id } } } } }`,
      },
      { token: shopper.token, headers: { 'x-request-id': requestId } },
    );
    expect(body.errors).toBeUndefined();
    expect(body.data.products.edges).toHaveLength(6);
    const reviews = commandStats.forRequest(requestId, {
      database: sg.subgraph('reviews').runtime.mongo.name,
    });
    // One find for the ratings, one aggregate for the pages, one find for the viewer's own
    // reviews, however many products.
    expect(reviews.byCommand).toEqual({ find: 2, aggregate: 1 });
  });

  it('an address is added, edited, set as default shipping and billing, and deleted (owner only)', async () => {
    const ada = await sg.customer('Ada');
    const other = await sg.customer('Other');
    const input = {
      name: 'Ada',
      line1: '1 Main St',
      city: 'Springfield',
      postalCode: '12345',
      country: 'us',
    };
    const added = mustSucceed(
      await sg.query(
        'mutation($i: AddressInput!) { addAddress(input: $i) { id country } }',
        { i: input },
        { token: ada.token },
      ),
      'addAddress',
    );
    const id = added.addAddress.id;
    expect(added.addAddress.country).toBe('US');

    const edit =
      'mutation($id: ID!, $i: AddressInput!) { updateAddress(id: $id, input: $i) { id line1 city } }';
    const edited = mustSucceed(
      await sg.query(
        edit,
        { id, i: { ...input, line1: '2 Elm St', city: 'Shelbyville' } },
        { token: ada.token },
      ),
      'updateAddress',
    );
    expect(edited.updateAddress).toEqual({ id, line1: '2 Elm St', city: 'Shelbyville' });
    const bad = await sg.query(edit, { id, i: { ...input, country: 'USA' } }, { token: ada.token });
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.country' });
    expect(codeOf(await sg.query(edit, { id, i: input }, { token: other.token }))).toBe('NOT_FOUND');

    const setShipping =
      'mutation($id: ID!) { setDefaultShippingAddress(id: $id) { defaultShippingAddress { id line1 } } }';
    const shipping = mustSucceed(
      await sg.query(setShipping, { id }, { token: ada.token }),
      'setDefaultShipping',
    );
    expect(shipping.setDefaultShippingAddress.defaultShippingAddress).toEqual({ id, line1: '2 Elm St' });
    expect(codeOf(await sg.query(setShipping, { id }, { token: other.token }))).toBe('NOT_FOUND');
    mustSucceed(
      await sg.query(
        'mutation($id: ID!) { setDefaultBillingAddress(id: $id) { id } }',
        { id },
        { token: ada.token },
      ),
      'setDefaultBilling',
    );
    const me = '{ me { addresses { id line1 } defaultShippingAddress { id } defaultBillingAddress { id } } }';
    expect(mustSucceed(await sg.query(me, {}, { token: ada.token }), 'me').me).toEqual({
      addresses: [{ id, line1: '2 Elm St' }],
      defaultShippingAddress: { id },
      defaultBillingAddress: { id },
    });

    const del = 'mutation($id: ID!) { deleteAddress(id: $id) }';
    expect(codeOf(await sg.query(del, { id }, { token: other.token }))).toBe('NOT_FOUND');
    expect(
      mustSucceed(await sg.query(del, { id }, { token: ada.token }), 'deleteAddress').deleteAddress,
    ).toBe(true);
    expect(mustSucceed(await sg.query(me, {}, { token: ada.token }), 'me').me).toEqual({
      addresses: [],
      defaultShippingAddress: null,
      defaultBillingAddress: null,
    });
  });

  it('an order keeps its billing address, the shipping address when none is given', async () => {
    const productId = await createProduct(sg, sku('BILL'), 900, 10);
    const customer = await sg.customer('Biller');
    const billingAddress = {
      name: 'Accounts',
      line1: '9 Ledger Rd',
      city: 'Capital',
      postalCode: 'EC2R 8AH',
      country: 'GB',
    };
    mustSucceed(
      await sg.query(
        'mutation($p: ID!) { addToCart(productId: $p, quantity: 1) { id } }',
        { p: productId },
        { token: customer.token },
      ),
      'addToCart',
    );
    const shippingAddress = {
      name: 'Home',
      line1: '1 Main St',
      city: 'Springfield',
      postalCode: '12345',
      country: 'US',
    };
    const bad = await sg.query(
      'mutation($i: CheckoutInput!) { checkout(input: $i) { id } }',
      {
        i: {
          idempotencyKey: randomUUID(),
          shippingAddress,
          billingAddress: { ...billingAddress, country: 'Britain' },
        },
      },
      { token: customer.token },
    );
    expect(bad.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.billingAddress.country',
    });
    const placed = mustSucceed(
      await sg.query(
        'mutation($i: CheckoutInput!) { checkout(input: $i) { billingAddress { name line1 country } shippingAddress { name } } }',
        { i: { idempotencyKey: randomUUID(), shippingAddress, billingAddress } },
        { token: customer.token },
      ),
      'checkout',
    );
    expect(placed.checkout.billingAddress).toEqual({ name: 'Accounts', line1: '9 Ledger Rd', country: 'GB' });

    const other = await sg.customer('Shipper');
    const orderId = await checkout(sg, other, productId, randomUUID());
    const order = await sg.query(
      'query($id: ID!) { order(id: $id) { billingAddress { line1 } } }',
      { id: orderId },
      { token: other.token },
    );
    expect(order.data?.order.billingAddress).toEqual({ line1: '1 Main St' });
  });

  it('inventoryItems filters by low stock, out of stock and SKU or name, and pages with one command a page', async () => {
    const admin = await sg.admin();
    const tag = randomUUID().slice(0, 6).toUpperCase();
    const make = async (name: string, stock: number) =>
      createProduct(sg, `INV-${tag}-${name.toUpperCase()}`, 500, stock, { name: `Stockroom ${tag} ${name}` });
    const empty = await make('empty', 0);
    const low = await make('low', 2);
    const plenty = await make('plenty', 50);
    const list = `query($f: InventoryItemFilter, $first: Int, $after: String) {
      inventoryItems(filter: $f, first: $first, after: $after) {
        edges { node { sku name product { id } inventory { available lowStock reorderQuantity } } }
        pageInfo { hasNextPage endCursor }
      } }`;
    const ids = async (filter: Record<string, unknown>) =>
      mustSucceed(await sg.query(list, { f: filter, first: 50 }, { token: admin.token }), 'inventoryItems')
        .inventoryItems.edges.map((e: any) => e.node.product.id)
        .sort();

    // Names and SKUs reach inventory with the product events.
    await eventually(
      () => ids({ search: `stockroom ${tag}` }),
      (found: string[]) => found.length === 3,
      { what: 'inventory to hear of the products' },
    );
    expect(await ids({ search: tag.toLowerCase() })).toEqual([empty, low, plenty].sort());
    expect(await ids({ search: `stockroom ${tag} plen` })).toEqual([plenty]);
    expect(await ids({ search: tag, lowStock: true })).toEqual([empty, low].sort());
    expect(await ids({ search: tag, lowStock: false })).toEqual([plenty]);
    expect(await ids({ search: tag, outOfStock: true })).toEqual([empty]);
    expect(await ids({ search: tag, lowStock: true, outOfStock: false })).toEqual([low]);

    // Paging: two a page, no repeats or gaps, each page one find in inventory's database.
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 3; page++) {
      const requestId = `inventory-items-${randomUUID()}`;
      const { body }: { body: GraphQLResponse } = await sg.post(
        { query: list, variables: { f: { search: tag }, first: 2, after } },
        { headers: { 'x-request-id': requestId, authorization: `Bearer ${admin.token}` } },
      );
      expect(body.errors).toBeUndefined();
      const stats = commandStats.forRequest(requestId, {
        database: sg.subgraph('inventory').runtime.mongo.name,
      });
      expect(stats.byCommand).toEqual({ find: 1 });
      seen.push(...body.data!.inventoryItems.edges.map((e: any) => e.node.product.id));
      after = body.data!.inventoryItems.pageInfo.endCursor;
      if (!body.data!.inventoryItems.pageInfo.hasNextPage) break;
    }
    expect(seen.sort()).toEqual([empty, low, plenty].sort());

    // reorderQuantity: validated, then listed.
    const setLevel =
      'mutation($p: ID!, $l: Int!, $q: Int) { setReorderLevel(productId: $p, reorderLevel: $l, reorderQuantity: $q) { reorderLevel reorderQuantity } }';
    const invalid = await sg.query(setLevel, { p: low, l: 3, q: 0 }, { token: admin.token });
    expect(invalid.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'reorderQuantity',
    });
    const set = mustSucceed(
      await sg.query(setLevel, { p: low, l: 3, q: 40 }, { token: admin.token }),
      'setReorderLevel',
    );
    expect(set.setReorderLevel).toEqual({ reorderLevel: 3, reorderQuantity: 40 });
    const customer = await sg.customer('Nosy');
    expect(codeOf(await sg.query(list, { f: {} }, { token: customer.token }))).toBe('FORBIDDEN');
  });
});
