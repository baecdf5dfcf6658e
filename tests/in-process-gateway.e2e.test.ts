// The gateway calling subgraphs in its own process (what `npm start` does): no HTTP request reaches
// a subgraph, yet tokens, request ids, error codes and batching behave exactly as over HTTP.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandStats } from '@novamart/kit';
import { inventorySubgraph } from '@novamart/inventory';
import { productsSubgraph } from '@novamart/products';
import { usersSubgraph } from '@novamart/users';
import { tamper } from '@novamart/kit/testing';
import { startSupergraph, type Supergraph } from './support/supergraph';
import { eventually } from '@novamart/kit/testing';

let sg: Supergraph;
let httpRequests = 0;

beforeAll(async () => {
  sg = await startSupergraph({
    subgraphs: [usersSubgraph, productsSubgraph, inventorySubgraph],
    inProcess: true,
  });
  for (const name of ['users', 'products', 'inventory'])
    sg.subgraph(name).running.httpServer.on('request', (req: { url?: string }) => {
      if (req.url?.startsWith('/graphql')) httpRequests++;
    });
}, 120_000);
afterAll(() => sg?.stop());

const CREATE = 'mutation($input: ProductInput!) { createProduct(input: $input) { id } }';
const input = (n: number) => ({
  sku: `INPROC-${n}-${randomUUID().slice(0, 8)}`,
  name: `In-process product ${n}`,
  description: 'Served without HTTP between the gateway and its subgraphs',
  priceAmount: 1_000 + n,
  currency: 'USD',
  initialStock: 5 + n,
});

describe('a gateway with in-process subgraphs', () => {
  it('serves a page across products and inventory in a constant number of commands, without HTTP', async () => {
    const admin = await sg.admin();
    const ids: string[] = [];
    for (let n = 0; n < 3; n++) {
      const created = await sg.query(CREATE, { input: input(n) }, { token: admin.token });
      expect(created.errors).toBeUndefined();
      ids.push(created.data.createProduct.id);
    }
    const before = httpRequests;
    const requestId = `in-process-${randomUUID()}`;
    const page = await eventually(
      async () =>
        (
          await sg.post(
            { query: '{ products(first: 3) { totalCount edges { node { id inventory { available } } } } }' },
            { headers: { 'x-request-id': requestId } },
          )
        ).body,
      (body) =>
        body.data?.products.edges.every(
          (e: { node: { inventory: { available: number } } }) => e.node.inventory.available > 0,
        ),
      { what: 'the opening stock on the page', timeoutMs: 20_000 },
    );
    expect(page.errors).toBeUndefined();
    expect(page.data.products.edges.map((e: { node: { id: string } }) => e.node.id).sort()).toEqual(
      [...ids].sort(),
    );
    expect(httpRequests).toBe(before);
    // The request id reached both subgraphs: their commands are attributed to it.
    const products = commandStats.forRequest(requestId, {
      database: sg.subgraph('products').runtime.mongo.name,
    });
    const inventory = commandStats.forRequest(requestId, {
      database: sg.subgraph('inventory').runtime.mongo.name,
    });
    expect(products.total).toBeGreaterThan(0);
    expect(inventory.total).toBeGreaterThan(0);
  });

  it('lets the subgraphs verify tokens: FORBIDDEN for a customer, UNAUTHENTICATED for a tampered token', async () => {
    const customer = await sg.customer();
    const forbidden = await sg.query(CREATE, { input: input(9) }, { token: customer.token });
    expect(forbidden.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(forbidden.data?.createProduct ?? null).toBeNull();
    const tampered = await sg.query('{ me { id } }', {}, { token: tamper(customer.token) });
    expect(tampered.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const me = await sg.query('{ me { id } }', {}, { token: customer.token });
    expect(me.data?.me?.id).toBe(customer.userId);
  });
});
