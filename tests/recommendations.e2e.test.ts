import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@novamart/kit/testing';
import { recommendationsSubgraph } from '@novamart/recommendations';
import { startSupergraph, type SignedInUser, type Supergraph } from './support/supergraph';
import { CHECKOUT_SUBGRAPHS } from './support/subgraphs';

// Recommendations through the gateway, fed by the real checkout: customers buy products together,
// the catalog and stock come from the products and inventory subgraphs' events.
describe('recommendations through the gateway', () => {
  let sg: Supergraph;

  beforeAll(async () => {
    sg = await startSupergraph({
      subgraphs: [...CHECKOUT_SUBGRAPHS, recommendationsSubgraph],
    });
  });
  afterAll(async () => {
    await sg?.stop();
  });

  async function createProduct(name: string, initialStock: number): Promise<string> {
    const admin = await sg.admin();
    const created = await sg.query(
      'mutation($input: ProductInput!) { createProduct(input: $input) { id } }',
      {
        input: {
          sku: `RECO-${randomUUID().slice(0, 8)}`,
          name,
          description: `${name} for the recommendations test`,
          priceAmount: 1500,
          currency: 'USD',
          initialStock,
        },
      },
      { token: admin.token },
    );
    expect(created.errors).toBeUndefined();
    return created.data.createProduct.id;
  }

  /** A signed-in customer puts the products in their cart, checks out and pays. */
  async function buy(customer: SignedInUser, productIds: string[]) {
    for (const p of productIds) {
      const added = await sg.query(
        'mutation($p: ID!) { addToCart(productId: $p, quantity: 1) { id } }',
        { p },
        { token: customer.token },
      );
      expect(added.errors).toBeUndefined();
    }
    const input = {
      shippingAddress: {
        name: 'Ada',
        line1: '1 Main St',
        city: 'Springfield',
        postalCode: '12345',
        country: 'US',
      },
      idempotencyKey: randomUUID(),
    };
    const placed = await sg.query(
      'mutation($input: CheckoutInput!) { checkout(input: $input) { id } }',
      { input },
      { token: customer.token },
    );
    expect(placed.errors).toBeUndefined();
    const orderId = placed.data.checkout.id;
    const intent = await sg.query(
      'mutation($o: ID!) { createPaymentIntent(orderId: $o) { id } }',
      { o: orderId },
      { token: customer.token },
    );
    expect(intent.errors).toBeUndefined();
    const confirmed = await sg.query(
      'mutation($p: ID!) { confirmPayment(paymentId: $p, paymentMethodId: "pm_card_visa") { status } }',
      { p: intent.data.createPaymentIntent.id },
      { token: customer.token },
    );
    expect(confirmed.errors).toBeUndefined();
  }

  const BOUGHT_TOGETHER =
    'query($id: ID!) { product(id: $id) { name frequentlyBoughtTogether(first: 5) { product { id name inventory { inStock } } score reason } } }';
  const MINE =
    '{ recommendations(first: 10) { product { id name } reason } me { recommendations(first: 10) { product { id } reason } } }';

  it('learns co-purchases from paid orders, explains them, and forgets archived products', async () => {
    const x = await createProduct('Pour-over Kettle', 10);
    const y = await createProduct('Paper Filters', 10);
    const z = await createProduct('Scale', 10);
    const [a, b, c] = [await sg.customer('Ada'), await sg.customer('Bob'), await sg.customer('Cy')];
    await buy(a, [x, y]);
    await buy(b, [x, y]);
    await buy(c, [x, z]);

    const together = await eventually(
      () => sg.query(BOUGHT_TOGETHER, { id: x }),
      (r) => r.data?.product?.frequentlyBoughtTogether?.length === 2,
      { timeoutMs: 15_000 },
    );
    expect(together.errors).toBeUndefined();
    expect(together.data.product.frequentlyBoughtTogether).toEqual([
      {
        product: { id: y, name: 'Paper Filters', inventory: { inStock: true } },
        score: 2 / 3,
        reason: 'bought together with Pour-over Kettle',
      },
      {
        product: { id: z, name: 'Scale', inventory: { inStock: true } },
        score: 1 / 3,
        reason: 'bought together with Pour-over Kettle',
      },
    ]);

    // A new customer views the kettle: personal recommendations follow, on Query and on User.
    const dana = await sg.customer('Dana');
    const recorded = await sg.query(
      'mutation($i: InteractionInput!) { recordInteraction(input: $i) }',
      { i: { productId: x, type: 'VIEW', idempotencyKey: 'dana-view-1' } },
      { token: dana.token },
    );
    expect(recorded).toEqual({ data: { recordInteraction: true } });
    const mine = await sg.query(MINE, {}, { token: dana.token });
    expect(mine.errors).toBeUndefined();
    expect(mine.data.recommendations.slice(0, 2)).toEqual([
      { product: { id: y, name: 'Paper Filters' }, reason: 'bought together with Pour-over Kettle' },
      { product: { id: z, name: 'Scale' }, reason: 'bought together with Pour-over Kettle' },
    ]);
    expect(mine.data.me.recommendations).toEqual(
      mine.data.recommendations.map((r: any) => ({ product: { id: r.product.id }, reason: r.reason })),
    );

    // Anonymous callers get the popular list; the buyers' purchases put the kettle first.
    const popular = await sg.query('{ recommendations(first: 3) { product { id } reason } }');
    expect(popular.data.recommendations[0]).toEqual({ product: { id: x }, reason: 'popular' });

    // Archived, the filters leave every list.
    const admin = await sg.admin();
    const archived = await sg.query(
      'mutation($id: ID!) { archiveProduct(id: $id) { active } }',
      { id: y },
      { token: admin.token },
    );
    expect(archived.errors).toBeUndefined();
    const after = await eventually(
      () => sg.query(BOUGHT_TOGETHER, { id: x }),
      (r) => r.data?.product?.frequentlyBoughtTogether?.length === 1,
      { timeoutMs: 15_000 },
    );
    expect(after.data.product.frequentlyBoughtTogether.map((r: any) => r.product.id)).toEqual([z]);
    const mineAfter = await sg.query(MINE, {}, { token: dana.token });
    const popularAfter = await sg.query('{ recommendations(first: 50) { product { id } } }');
    for (const list of [
      mineAfter.data.recommendations,
      mineAfter.data.me.recommendations,
      popularAfter.data.recommendations,
    ]) {
      expect(list.map((r: any) => r.product.id)).not.toContain(y);
    }
  });

  it('refuses anonymous interactions; admins read anyone’s list, customers only their own', async () => {
    const anonymous = await sg.query(
      'mutation { recordInteraction(input: { productId: "p", type: VIEW, idempotencyKey: "k" }) }',
    );
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const eve = await sg.customer('Eve');
    const own = await sg.query('{ me { recommendations(first: 2) { reason } } }', {}, { token: eve.token });
    expect(own.errors).toBeUndefined();
    expect(own.data.me.recommendations.every((r: any) => r.reason === 'popular')).toBe(true);
    const admin = await sg.admin();
    const listed = await sg.query(
      '{ users(first: 100) { id recommendations(first: 2) { reason } } }',
      {},
      { token: admin.token },
    );
    expect(listed.errors).toBeUndefined();
    expect(listed.data.users.find((u: any) => u.id === eve.userId)?.recommendations).toEqual(
      own.data.me.recommendations,
    );
  });
});
