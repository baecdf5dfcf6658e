import { randomUUID } from 'node:crypto';
import { commandStats } from '@novamart/kit';
import { inventorySubgraph } from '@novamart/inventory';
import { productsSubgraph } from '@novamart/products';
import { usersSubgraph } from '@novamart/users';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@novamart/kit/testing';
import {
  startSupergraph,
  type GraphQLResponse,
  type SignedInUser,
  type Supergraph,
} from './support/supergraph';

// The catalog and stock acceptance (issue 4) through the gateway, as a storefront calls it.
describe('catalog and stock through the gateway', () => {
  let sg: Supergraph;
  let admin: SignedInUser;

  const CREATE =
    'mutation ($input: ProductInput!) { createProduct(input: $input) { id sku name slug price { amount formatted } } }';
  const codeOf = (response: GraphQLResponse) => response.errors?.[0]?.extensions?.code;
  let skuSeq = 0;
  const input = (overrides: Record<string, unknown> = {}) => ({
    sku: `E2E-${++skuSeq}`,
    name: `E2E product ${skuSeq}`,
    description: 'A plain product made for end-to-end tests.',
    priceAmount: 1000 + skuSeq,
    currency: 'USD',
    ...overrides,
  });

  async function create(overrides: Record<string, unknown> = {}) {
    const result = await sg.query(CREATE, { input: input(overrides) }, { token: admin.token });
    if (!result.data?.createProduct)
      throw new Error(`createProduct failed: ${JSON.stringify(result.errors)}`);
    return result.data.createProduct as { id: string; sku: string; name: string };
  }

  const productCount = () =>
    sg.subgraph('products').runtime.mongo.db!.collection('products').countDocuments();

  beforeAll(async () => {
    sg = await startSupergraph({ subgraphs: [usersSubgraph, productsSubgraph, inventorySubgraph] });
    admin = await sg.admin();
  });
  afterAll(async () => {
    await sg?.stop();
  });

  it('an admin creates a product with initialStock; products lists it with its inventory; search finds it by a word of its description', async () => {
    const product = await create({
      name: 'Aurora Desk Lamp',
      description: 'Dimmable lamp with a zephyrine glass shade.',
      priceAmount: 4999,
      categorySlug: 'lighting',
      initialStock: 25,
    });
    expect(product).toMatchObject({ slug: 'aurora-desk-lamp', price: { amount: 4999, formatted: '$49.99' } });

    const LIST =
      '{ products(first: 10, filter: { categorySlug: "lighting" }) { totalCount edges { node { id name inventory { available inStock } } } } }';
    const listed = await eventually(
      () => sg.query(LIST),
      (r) => r.data?.products.edges[0]?.node.inventory.available === 25,
    );
    expect(listed.errors).toBeUndefined();
    expect(listed.data?.products).toEqual({
      totalCount: 1,
      edges: [
        { node: { id: product.id, name: 'Aurora Desk Lamp', inventory: { available: 25, inStock: true } } },
      ],
    });

    const found = await sg.query(
      '{ products(filter: { search: "zephyrine" }, sort: RELEVANCE) { edges { node { id } } } }',
    );
    expect(found.data?.products.edges).toEqual([{ node: { id: product.id } }]);
  });

  it('pages through 3 pages giving every product once: no gaps, no repeats', async () => {
    const created: string[] = [];
    for (let i = 0; i < 25; i += 1) created.push((await create({ categorySlug: 'e2e-paging' })).id);
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const page: GraphQLResponse = await sg.query(
        'query ($after: String) { products(first: 10, after: $after, filter: { categorySlug: "e2e-paging" }, sort: PRICE_ASC) { pageInfo { hasNextPage endCursor } edges { node { id } } } }',
        { after },
      );
      expect(page.errors).toBeUndefined();
      pages += 1;
      seen.push(...(page.data?.products.edges ?? []).map((e: { node: { id: string } }) => e.node.id));
      if (!page.data?.products.pageInfo.hasNextPage) break;
      after = page.data.products.pageInfo.endCursor;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(created);
  });

  it('costs each subgraph at most 2 MongoDB commands for a page of 50 products with inventory', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 50; i += 1)
      ids.push((await create({ categorySlug: 'e2e-batch', initialStock: i })).id);
    await eventually(
      () => sg.query(`{ product(id: "${ids[49]}") { inventory { onHand } } }`),
      (r) => r.data?.product?.inventory.onHand === 49,
    );

    const requestId = `catalog-e2e-${randomUUID()}`;
    const { body } = await sg.post(
      {
        query:
          '{ products(first: 50, filter: { categorySlug: "e2e-batch" }, sort: PRICE_ASC) { totalCount edges { node { id name price { formatted } inventory { available inStock lowStock } } } } }',
      },
      { headers: { 'x-request-id': requestId } },
    );
    expect(body.errors).toBeUndefined();
    expect(body.data?.products.totalCount).toBe(50);
    expect(
      body.data?.products.edges.map((e: { node: { id: string; inventory: { available: number } } }) => [
        e.node.id,
        e.node.inventory.available,
      ]),
    ).toEqual(ids.map((id, i) => [id, i]));

    const products = commandStats.forRequest(requestId, {
      database: sg.subgraph('products').runtime.mongo.name,
    });
    const inventory = commandStats.forRequest(requestId, {
      database: sg.subgraph('inventory').runtime.mongo.name,
    });
    console.warn(
      `[figures] gateway page of 50 products with inventory: products ${products.total} commands ${JSON.stringify(products.byCommand)}, ` +
        `inventory ${inventory.total} commands ${JSON.stringify(inventory.byCommand)}`,
    );
    expect(products.total).toBeGreaterThan(0);
    expect(products.total).toBeLessThanOrEqual(2);
    expect(inventory.total).toBeGreaterThan(0);
    expect(inventory.total).toBeLessThanOrEqual(2);
  });

  it('a customer calling createProduct gets FORBIDDEN and nothing is written', async () => {
    const customer = await sg.customer();
    const before = await productCount();
    const result = await sg.query(CREATE, { input: input() }, { token: customer.token });
    expect(codeOf(result)).toBe('FORBIDDEN');
    expect(codeOf(await sg.query(CREATE, { input: input() }))).toBe('UNAUTHENTICATED');
    expect(await productCount()).toBe(before);
  });

  it('bad input gets a clear error with its field and writes nothing', async () => {
    await create({ sku: 'E2E-DUPLICATE' });
    const before = await productCount();
    const cases: [Record<string, unknown>, string, string][] = [
      [{ priceAmount: -1 }, 'BAD_USER_INPUT', 'input.priceAmount'],
      [{ name: '' }, 'BAD_USER_INPUT', 'input.name'],
      [{ description: ' ' }, 'BAD_USER_INPUT', 'input.description'],
      [{ initialStock: -5 }, 'BAD_USER_INPUT', 'input.initialStock'],
      [{ currency: 'EURO' }, 'BAD_USER_INPUT', 'input.currency'],
      [{ sku: 'E2E-DUPLICATE' }, 'CONFLICT', 'input.sku'],
    ];
    for (const [overrides, code, field] of cases) {
      const result = await sg.query(
        CREATE,
        { input: input({ categorySlug: 'never-made', ...overrides }) },
        { token: admin.token },
      );
      expect(result.errors?.[0]?.extensions, JSON.stringify(overrides)).toMatchObject({ code, field });
      expect(result.errors?.[0]?.message.length).toBeGreaterThan(5);
    }
    expect(await productCount()).toBe(before);
    const categories = await sg.query('{ categories { slug } }');
    expect(categories.data?.categories.map((c: { slug: string }) => c.slug)).not.toContain('never-made');

    const tooMany = await sg.query('{ products(first: 1000) { totalCount } }');
    expect(tooMany.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
  });

  it('an admin adjusts stock and reads the ledger through the gateway; archived products leave lists but still resolve', async () => {
    const product = await create({ categorySlug: 'e2e-archive', initialStock: 3 });
    await eventually(
      () => sg.query(`{ product(id: "${product.id}") { inventory { onHand } } }`),
      (r) => r.data?.product?.inventory.onHand === 3,
    );
    const adjusted = await sg.query(
      'mutation ($p: ID!) { adjustStock(productId: $p, delta: 7, reason: PURCHASE, reference: "PO-9") { available onHand } }',
      { p: product.id },
      { token: admin.token },
    );
    expect(adjusted.data?.adjustStock).toEqual({ available: 10, onHand: 10 });
    const ledger = await sg.query(
      'query ($p: ID!) { stockMovements(productId: $p) { edges { node { delta reason product { id name } } } } }',
      { p: product.id },
      { token: admin.token },
    );
    expect(ledger.data?.stockMovements.edges.map((e: { node: unknown }) => e.node)).toEqual([
      { delta: 7, reason: 'PURCHASE', product: { id: product.id, name: product.name } },
      { delta: 3, reason: 'PURCHASE', product: { id: product.id, name: product.name } },
    ]);

    await sg.query(
      'mutation ($id: ID!) { archiveProduct(id: $id) { active } }',
      { id: product.id },
      { token: admin.token },
    );
    const list = await sg.query('{ products(filter: { categorySlug: "e2e-archive" }) { totalCount } }');
    expect(list.data?.products.totalCount).toBe(0);
    const still = await sg.query(`{ product(id: "${product.id}") { name active inventory { onHand } } }`);
    expect(still.data?.product).toEqual({ name: product.name, active: false, inventory: { onHand: 10 } });
  });
});
