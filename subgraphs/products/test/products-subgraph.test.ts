import { randomUUID } from 'node:crypto';
import {
  commandStats,
  connectMongo,
  createSubgraphRuntime,
  loadConfig,
  startSubgraph,
  type RunningSubgraph,
} from '@novamart/kit';
import {
  createTestTokens,
  startEmbeddedMongoForTests,
  tamper,
  uniqueDbName,
  type TestMongo,
  type TestTokens,
} from '@novamart/kit/testing';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProductsServices, productsSubgraph } from '../src/index';
import { productInput } from './support';

let mongo: TestMongo;
let conn: Connection;
let server: RunningSubgraph;
let closeRuntime: () => Promise<void>;
let tokens: TestTokens;
let admin: string;
let customer: string;

interface GqlResult {
  data?: Record<string, any> | null;
  errors?: { message: string; path?: string[]; extensions?: Record<string, unknown> }[];
}

async function gql(
  query: string,
  variables: Record<string, unknown> = {},
  auth?: string,
  requestId = randomUUID(),
) {
  const res = await fetch(server.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-request-id': requestId,
      ...(auth ? { authorization: auth } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as GqlResult;
  return { ...body, requestId, commands: () => commandStats.forRequest(requestId, { database: conn.name }) };
}

beforeAll(async () => {
  tokens = await createTestTokens();
  admin = await tokens.bearer({ id: 'admin-1', role: 'ADMIN' });
  customer = await tokens.bearer({ id: 'customer-1', role: 'CUSTOMER' });
  mongo = await startEmbeddedMongoForTests();
  conn = await connectMongo({ url: mongo.uri, dbName: uniqueDbName('products_http') });
  const config = loadConfig(productsSubgraph.configShape, { NODE_ENV: 'test', LOG_LEVEL: 'silent' });
  const { runtime, close } = await createSubgraphRuntime(productsSubgraph, { config, mongo: conn });
  closeRuntime = close;
  server = await startSubgraph(productsSubgraph, runtime, {
    port: 0,
    host: '127.0.0.1',
    verifier: tokens.verifier,
  });

  const { catalog } = createProductsServices(conn);
  for (let i = 0; i < 60; i += 1) {
    await catalog.createProduct(
      productInput({ categorySlug: i % 2 ? 'odd-things' : 'even-things', priceAmount: 500 + i }),
    );
  }
});

afterAll(async () => {
  await server?.stop();
  await closeRuntime?.();
  await conn?.close();
  await mongo?.stop();
});

const CREATE = /* GraphQL */ `
  mutation Create($input: ProductInput!) {
    createProduct(input: $input) {
      id
      sku
      slug
      name
      price {
        amount
        currency
        formatted
      }
      category {
        slug
        name
      }
      active
      createdAt
    }
  }
`;

describe('products subgraph over HTTP', () => {
  it('lets an admin create a product and returns it as the contract shapes it', async () => {
    const result = await gql(
      CREATE,
      {
        input: productInput({
          sku: 'HTTP-1',
          name: 'Espresso Cups',
          priceAmount: 2999,
          categorySlug: 'kitchen',
        }),
      },
      admin,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?.createProduct).toMatchObject({
      sku: 'HTTP-1',
      slug: 'espresso-cups',
      price: { amount: 2999, currency: 'USD', formatted: '$29.99' },
      category: { slug: 'kitchen', name: 'Kitchen' },
      active: true,
    });
    expect(new Date(result.data?.createProduct.createdAt).toISOString()).toBe(
      result.data?.createProduct.createdAt,
    );
  });

  it('is FORBIDDEN for a customer and UNAUTHENTICATED without or with a tampered token, writing nothing', async () => {
    const before = await conn.db!.collection('products').countDocuments();
    const asCustomer = await gql(CREATE, { input: productInput() }, customer);
    expect(asCustomer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const anonymous = await gql(CREATE, { input: productInput() });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const tampered = await gql(
      CREATE,
      { input: productInput() },
      `Bearer ${tamper(customer.slice('Bearer '.length))}`,
    );
    expect(tampered.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(await conn.db!.collection('products').countDocuments()).toBe(before);
  });

  it('answers bad input with BAD_USER_INPUT naming the field', async () => {
    const result = await gql(CREATE, { input: productInput({ priceAmount: -100 }) }, admin);
    expect(result.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.priceAmount',
    });
    const tooMany = await gql('{ products(first: 1000) { totalCount } }');
    expect(tooMany.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
  });

  it('serves a page of 50 in at most 2 MongoDB commands: find and count, or find and one batched category find', async () => {
    const page = await gql(`{
      products(first: 50) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id name price { formatted } images { url } } } }
    }`);
    expect(page.errors).toBeUndefined();
    expect(page.data?.products.edges).toHaveLength(50);
    const plain = page.commands();
    expect(plain.total).toBeLessThanOrEqual(2);

    const withCategories = await gql('{ products(first: 50) { edges { node { id category { name } } } } }');
    expect(withCategories.data?.products.edges).toHaveLength(50);
    expect(withCategories.commands().total).toBeLessThanOrEqual(2);
    console.warn(
      `[figures] products page of 50: ${plain.total} commands ${JSON.stringify(plain.byCommand)}; with category: ${withCategories.commands().total}`,
    );
  });

  it('answers what a page selects, through fragments, whether it reads some fields or the whole document', async () => {
    const named = await gql(`
      fragment Card on Product { slug price { amount currency } }
      { products(first: 5) { edges { node { id name ...Card ... on Product { description } } } } }`);
    const whole = await gql(`{
      products(first: 5) { edges { node { id name slug description price { amount currency } defaultVariant { sku } } } }
    }`);
    expect(named.errors).toBeUndefined();
    expect(whole.errors).toBeUndefined();
    const pick = (node: Record<string, unknown>) => ({
      id: node.id,
      name: node.name,
      slug: node.slug,
      description: node.description,
      price: node.price,
    });
    const nodes = (result: GqlResult) =>
      (result.data?.products.edges as { node: Record<string, any> }[]).map((edge) => edge.node);
    expect(nodes(named)).toEqual(nodes(whole).map(pick));
    expect(nodes(whole).every((node) => typeof node.defaultVariant.sku === 'string')).toBe(true);
  });

  it('resolves 50 entity references in one find', async () => {
    const ids = (
      (await gql('{ products(first: 50) { edges { node { id } } } }')).data?.products.edges as {
        node: { id: string };
      }[]
    ).map((e) => e.node.id);
    const result = await gql(
      `query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on Product { id name sku price { amount } } } }`,
      { representations: ids.map((id) => ({ __typename: 'Product', id })) },
    );
    expect(result.errors).toBeUndefined();
    expect((result.data?._entities as { id: string }[]).map((p) => p.id)).toEqual(ids);
    expect(result.commands()).toMatchObject({ total: 1, byCommand: { find: 1 } });
  });

  it('finds by slug or id, keeps archived products resolvable, and takes them out of lists', async () => {
    const created = (
      await gql(CREATE, { input: productInput({ name: 'Vintage Radio', categorySlug: 'vintage' }) }, admin)
    ).data?.createProduct;
    const archived = await gql(
      'mutation ($id: ID!) { archiveProduct(id: $id) { id active } }',
      { id: created.id },
      admin,
    );
    expect(archived.data?.archiveProduct).toEqual({ id: created.id, active: false });

    const bySlug = await gql('{ product(slug: "vintage-radio") { id name active } }');
    expect(bySlug.data?.product).toEqual({ id: created.id, name: 'Vintage Radio', active: false });
    const entity = await gql(
      'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Product { name } } }',
      {
        r: [{ __typename: 'Product', id: created.id }],
      },
    );
    expect(entity.data?._entities).toEqual([{ name: 'Vintage Radio' }]);
    const list = await gql('{ products(filter: { categorySlug: "vintage" }) { totalCount } }');
    expect(list.data?.products.totalCount).toBe(0);

    const neither = await gql('{ product { id } }');
    expect(neither.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((await gql('{ product(id: "000000000000000000000000") { id } }')).data?.product).toBeNull();
  });

  it('lists categories created on demand', async () => {
    const result = await gql('{ categories { id slug name } }');
    expect(result.data?.categories.map((c: { slug: string }) => c.slug)).toEqual(
      expect.arrayContaining(['even-things', 'odd-things', 'kitchen']),
    );
  });

  it('updates a product as admin', async () => {
    const created = (await gql(CREATE, { input: productInput({ priceAmount: 1000 }) }, admin)).data
      ?.createProduct;
    const result = await gql(
      'mutation ($id: ID!, $input: ProductUpdateInput!) { updateProduct(id: $id, input: $input) { price { amount } description } }',
      { id: created.id, input: { priceAmount: 1200, description: 'Now with a better description.' } },
      admin,
    );
    expect(result.data?.updateProduct).toEqual({
      price: { amount: 1200 },
      description: 'Now with a better description.',
    });
  });
});
