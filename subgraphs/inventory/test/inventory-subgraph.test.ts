import { randomUUID } from 'node:crypto';
import {
  commandStats,
  connectMongo,
  internalCallHeaders,
  createSubgraphRuntime,
  loadConfig,
  startSubgraph,
  type RunningSubgraph,
  type SubgraphRuntime,
} from '@novamart/kit';
import {
  createTestTokens,
  eventually,
  startEmbeddedMongoForTests,
  uniqueDbName,
  type TestMongo,
} from '@novamart/kit/testing';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inventoryConfigShape, inventorySubgraph, type InventoryConfig } from '../src/index';
import { reservationModel } from '../src/models/reservation';
import { newOrderId, newProductId, orderPlaced, productCreated } from './support';

let mongo: TestMongo;
let conn: Connection;
let server: RunningSubgraph;
let runtime: SubgraphRuntime<InventoryConfig>;
let closeRuntime: () => Promise<void>;
let admin: string;
let support: string;
let customer: string;

interface GqlResult {
  data?: Record<string, any> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

async function gql(
  query: string,
  variables: Record<string, unknown> = {},
  auth?: string,
  headers: Record<string, string> = {},
) {
  const requestId = randomUUID();
  const res = await fetch(server.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-request-id': requestId,
      ...(auth ? { authorization: auth } : {}),
      ...headers,
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as GqlResult;
  return { ...body, commands: () => commandStats.forRequest(requestId, { database: conn.name }) };
}

const INVENTORY = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Product { id inventory { available reserved onHand inStock lowStock reorderLevel } } } }`;

async function inventoryOf(productId: string) {
  return (await gql(INVENTORY, { r: [{ __typename: 'Product', id: productId }] })).data?._entities[0]
    .inventory;
}

/** A new product with `onHand` units, from product.created on the bus, once inventory has it. */
async function stockedProduct(onHand: number): Promise<string> {
  const productId = newProductId();
  await runtime.bus.publish(productCreated(productId, onHand));
  await eventually(
    () => inventoryOf(productId),
    (inv) => inv?.onHand === onHand,
  );
  return productId;
}

beforeAll(async () => {
  const tokens = await createTestTokens();
  admin = await tokens.bearer({ id: 'admin-1', role: 'ADMIN' });
  support = await tokens.bearer({ id: 'support-1', role: 'SUPPORT' });
  customer = await tokens.bearer({ id: 'customer-1', role: 'CUSTOMER' });
  mongo = await startEmbeddedMongoForTests();
  conn = await connectMongo({ url: mongo.uri, dbName: uniqueDbName('inventory_http') });
  const config = loadConfig(inventoryConfigShape, {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    RESERVATION_TTL_SECONDS: '1',
    RESERVATION_SWEEP_INTERVAL_MS: '100',
  });
  const owned = await createSubgraphRuntime(inventorySubgraph, { config, mongo: conn });
  runtime = owned.runtime;
  closeRuntime = owned.close;
  server = await startSubgraph(inventorySubgraph, runtime, {
    port: 0,
    host: '127.0.0.1',
    verifier: tokens.verifier,
  });
  await runtime.bus.start();
});

afterAll(async () => {
  await server?.stop();
  await closeRuntime?.();
  await conn?.close();
  await mongo?.stop();
});

describe('inventory subgraph', () => {
  it('takes opening stock from product.created on the bus', async () => {
    const productId = newProductId();
    await runtime.bus.publish(productCreated(productId, 7));
    const inventory = await eventually(
      () => inventoryOf(productId),
      (inv) => inv?.onHand === 7,
    );
    expect(inventory).toEqual({
      available: 7,
      reserved: 0,
      onHand: 7,
      inStock: true,
      lowStock: false,
      reorderLevel: 5,
    });
  });

  it('resolves inventory for 50 products in one MongoDB command', async () => {
    const ids = Array.from({ length: 50 }, () => newProductId());
    for (const id of ids.slice(0, 10)) await runtime.bus.publish(productCreated(id, 3));
    // Events of different products are handled independently (in any order): wait for all ten.
    await eventually(
      () => Promise.all(ids.slice(0, 10).map((id) => inventoryOf(id))),
      (all) => all.every((inv) => inv?.onHand === 3),
      'the ten products stocked',
    );

    const result = await gql(INVENTORY, { r: ids.map((id) => ({ __typename: 'Product', id })) });
    expect(result.errors).toBeUndefined();
    const entities = result.data?._entities as { id: string; inventory: { available: number } }[];
    expect(entities.map((e) => e.id)).toEqual(ids);
    expect(entities.map((e) => e.inventory.available)).toEqual([...Array(10).fill(3), ...Array(40).fill(0)]);
    const counts = result.commands();
    expect(counts.total).toBeLessThanOrEqual(2);
    console.warn(
      `[figures] inventory for 50 products: ${counts.total} commands ${JSON.stringify(counts.byCommand)}`,
    );
  });

  it('lets an admin adjust stock and read the ledger; customers get FORBIDDEN, anonymous callers UNAUTHENTICATED', async () => {
    const productId = newProductId();
    const ADJUST =
      'mutation ($p: ID!, $d: Int!, $r: StockMovementReason!) { adjustStock(productId: $p, delta: $d, reason: $r, reference: "PO-1") { available onHand } }';
    const adjusted = await gql(ADJUST, { p: productId, d: 12, r: 'PURCHASE' }, admin);
    expect(adjusted.data?.adjustStock).toEqual({ available: 12, onHand: 12 });
    expect(
      (await gql(ADJUST, { p: productId, d: 1, r: 'PURCHASE' }, customer)).errors?.[0]?.extensions?.code,
    ).toBe('FORBIDDEN');
    expect((await gql(ADJUST, { p: productId, d: 1, r: 'PURCHASE' })).errors?.[0]?.extensions?.code).toBe(
      'UNAUTHENTICATED',
    );
    const tooMuch = await gql(ADJUST, { p: productId, d: -13, r: 'DAMAGE' }, admin);
    expect(tooMuch.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', available: 12 });

    const level = await gql(
      'mutation ($p: ID!) { setReorderLevel(productId: $p, reorderLevel: 20) { lowStock reorderLevel } }',
      { p: productId },
      admin,
    );
    expect(level.data?.setReorderLevel).toEqual({ lowStock: true, reorderLevel: 20 });

    const movements = await gql(
      'query ($p: ID!) { stockMovements(productId: $p, first: 5) { edges { node { product { id } delta reservedDelta availableDelta reason reference createdAt } } pageInfo { hasNextPage } } }',
      { p: productId },
      admin,
    );
    expect(movements.data?.stockMovements.edges).toEqual([
      {
        node: expect.objectContaining({
          product: { id: productId },
          delta: 12,
          reservedDelta: 0,
          availableDelta: 12,
          reason: 'PURCHASE',
          reference: 'PO-1',
        }),
      },
    ]);
    expect(
      (
        await gql(
          'query ($p: ID!) { stockMovements(productId: $p) { pageInfo { hasNextPage } } }',
          { p: productId },
          customer,
        )
      ).errors?.[0]?.extensions?.code,
    ).toBe('FORBIDDEN');
  });

  it('reserves from order.placed and the background sweeper releases it when it expires', async () => {
    const productId = await stockedProduct(4);
    const orderId = newOrderId();
    await runtime.bus.publish(orderPlaced(orderId, [{ productId, quantity: 3 }]));
    const outbox = conn.collection<{ event: { type: string; aggregateId: string } }>('outbox');
    const reserved = await eventually(
      () => outbox.findOne({ 'event.type': 'inventory.reserved', 'event.aggregateId': orderId }),
      (doc) => doc !== null,
    );
    expect(reserved).not.toBeNull();
    // RESERVATION_TTL_SECONDS=1 and a 100 ms sweep: the hold ends by itself.
    const expired = await eventually(
      () => outbox.findOne({ 'event.type': 'inventory.reservation_expired', 'event.aggregateId': orderId }),
      (doc) => doc !== null,
    );
    expect(expired).not.toBeNull();
    expect(await inventoryOf(productId)).toMatchObject({ available: 4, reserved: 0, onHand: 4 });
  });

  it("restocks a return only when another subgraph (orders' receiveReturn) asks, whatever token a client shows", async () => {
    const productId = await stockedProduct(4);
    const orderId = newOrderId();
    await reservationModel(conn).create({
      orderId,
      status: 'COMMITTED',
      lines: [{ productId, quantity: 3 }],
    });
    const RESTOCK = 'mutation ($i: ReturnRestockInput!) { restockReturn(input: $i) { available onHand } }';
    const returnId = `ret-${randomUUID()}`;
    const input = { returnId, orderId, restock: true, lines: [{ productId, quantity: 3 }] };
    const guess = { 'x-novamart-internal': 'a-guess-of-the-token-of-sufficient-length' };
    const callers: [string | undefined, Record<string, string>][] = [
      [support, {}],
      [admin, {}],
      [undefined, {}],
      [admin, guess],
      // Internal, for a receiver whose role does not receive returns: the role check stays.
      [customer, internalCallHeaders()],
    ];
    for (const [auth, headers] of callers) {
      const refused = await gql(RESTOCK, { i: input }, auth, headers);
      expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(refused.data ?? null).toBeNull();
    }
    expect(await inventoryOf(productId)).toMatchObject({ available: 4, onHand: 4 });
    expect(await conn.collection('restocked_returns').countDocuments({ _id: returnId as never })).toBe(0);
    expect(await conn.collection('stock_movements').countDocuments({ reason: 'RETURN', productId })).toBe(0);

    // As orders' receiveReturn asks: the receiver's token, with the internal header.
    const restocked = await gql(RESTOCK, { i: input }, support, internalCallHeaders());
    expect(restocked.errors).toBeUndefined();
    expect(restocked.data?.restockReturn).toEqual([{ available: 7, onHand: 7 }]);
    expect(await conn.collection('stock_movements').countDocuments({ reason: 'RETURN', productId })).toBe(1);
  });
});
