import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usersSubgraph } from '@novamart/users';
import { productsSubgraph } from '@novamart/products';
import { inventorySubgraph } from '@novamart/inventory';
import { startSupergraph, type Supergraph } from './support/supergraph';

// The real users, products and inventory subgraphs behind the gateway: the harness works end to
// end and a page of products resolves across two subgraphs.
describe('supergraph smoke: users, products, inventory', () => {
  let sg: Supergraph;

  beforeAll(async () => {
    sg = await startSupergraph({ subgraphs: [usersSubgraph, productsSubgraph, inventorySubgraph] });
  });
  afterAll(async () => {
    await sg?.stop();
  });

  it('signs a customer in and answers me through the gateway', async () => {
    const customer = await sg.customer('Ada');
    const me = await sg.query('{ me { id email name role } }', {}, { token: customer.token });
    expect(me).toEqual({
      data: { me: { id: customer.userId, email: customer.email, name: 'Ada', role: 'CUSTOMER' } },
    });
  });

  it('lets the admin create a product whose stock the inventory subgraph adds to the page', async () => {
    const admin = await sg.admin();
    const created = await sg.query(
      'mutation Create($input: ProductInput!) { createProduct(input: $input) { id name price { amount currency formatted } } }',
      {
        input: {
          sku: 'SMOKE-1',
          name: 'Smoke Lamp',
          description: 'A lamp for smoke tests',
          priceAmount: 2999,
          currency: 'USD',
          initialStock: 7,
        },
      },
      { token: admin.token },
    );
    expect(created.errors).toBeUndefined();
    const id = created.data.createProduct.id;
    expect(created.data.createProduct).toMatchObject({
      name: 'Smoke Lamp',
      price: { amount: 2999, currency: 'USD' },
    });

    // Opening stock travels as product.created over the event bus: poll until inventory has it.
    let page: any;
    const deadline = Date.now() + 10_000;
    do {
      page = await sg.query(
        '{ products(first: 20) { totalCount edges { node { id name inventory { available inStock } } } } }',
      );
      const node = page.data?.products.edges.find((e: any) => e.node.id === id)?.node;
      if (node?.inventory.available === 7) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    } while (Date.now() < deadline);
    expect(page.errors).toBeUndefined();
    expect(page.data.products.edges).toContainEqual({
      node: { id, name: 'Smoke Lamp', inventory: { available: 7, inStock: true } },
    });
  });

  it('refuses a customer creating a product with FORBIDDEN from the products subgraph', async () => {
    const customer = await sg.customer();
    const result = await sg.query(
      'mutation { createProduct(input: { sku: "NOPE-1", name: "Nope", description: "no", priceAmount: 100 }) { id } }',
      {},
      { token: customer.token },
    );
    expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('exposes each subgraph with its url, runtime and instance', () => {
    const products = sg.subgraph('products');
    expect(products.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/graphql$/);
    expect(products.runtime.mongo.name).toMatch(/^products_/);
    expect(products.instance.typeDefs.kind).toBe('Document');
  });
});
