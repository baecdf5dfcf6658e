/**
 * The checkout storm of issue 9 (point 3), shared by tests/checkout-storm.e2e.test.ts (the
 * in-process harness) and tests/scale-out.e2e.test.ts (every service its own process): customers
 * with a one-unit cart each check out at once on a product with less stock than customers, then
 * those who got stock pay at once. Every mutation is sent exactly once; only reads are repeated
 * while the saga runs. The shop is seen through its API (gateways) and, for what a client cannot
 * see (reservations, the ledger's raw rows), through the inventory database.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from 'mongodb';
import { expect } from 'vitest';
import type { EventBus } from '@novamart/events';
import type { Viewer } from '@novamart/kit';
import { checkout, mustSucceed } from './storefront';
import { eventually } from '@novamart/kit/testing';
import type { GraphQLResponse, Supergraph } from './supergraph';

type Client = Pick<Supergraph, 'query'>;

/** A signed-in customer; the email goes with the checkout (test tokens, no users subgraph). */
export interface StormCustomer {
  token: string;
  email: string;
}

/**
 * Signed-in customers with test tokens (`sign`: the harness's `tokenFor`, or test tokens): what
 * is under test is the checkout, not sign-up.
 */
export async function stormCustomers(
  sign: (viewer: Viewer) => Promise<string>,
  count: number,
  label: string,
): Promise<StormCustomer[]> {
  const customers: StormCustomer[] = [];
  for (let i = 0; i < count; i++) {
    const id = `${label}-${i}-${randomUUID()}`;
    customers.push({ token: await sign({ id, role: 'CUSTOMER' }), email: `${id}@novamart.test` });
  }
  return customers;
}

/** orderId → `order.cancelled`'s reasonCode, from a consumer group of its own on `bus`. */
export function watchCancellations(bus: EventBus): Map<string, string> {
  const cancellations = new Map<string, string>();
  bus.subscribe({
    group: 'storm-observer',
    types: ['order.cancelled'],
    handler: async (event) => {
      cancellations.set(event.aggregateId, (event.payload as { reasonCode: string }).reasonCode);
    },
  });
  return cancellations;
}

/** The product everybody wants, created through `gateway` with `stock` units; returns its id. */
export async function createStormProduct(
  gateway: Client,
  adminToken: string,
  stock: number,
): Promise<string> {
  const created = await gateway.query(
    'mutation($input: ProductInput!) { createProduct(input: $input) { id } }',
    {
      input: {
        sku: `STORM-${randomUUID().slice(0, 8)}`,
        name: 'Storm Lantern',
        description: `${stock} in stock, more customers than that`,
        priceAmount: 2_500,
        initialStock: stock,
      },
    },
    { token: adminToken },
  );
  return mustSucceed(created, 'createProduct').createProduct.id as string;
}

export interface StormShop {
  /** The gateway customer `i` talks to (the scale-out test spreads customers over two). */
  gatewayFor(i: number): Client;
  /** An administrator's token (the ledger, stock as the back office sees it). */
  adminToken: string;
  customers: StormCustomer[];
  productId: string;
  stock: number;
  /** Inventory's own database, for reservations and the ledger's rows. */
  inventoryDb: Db;
  /** orderId → `order.cancelled`'s reasonCode, as an observer consumer group saw them. */
  cancellations: Map<string, string>;
  /** Waits until nothing is left to publish or to handle in any consumer group. */
  settled(): Promise<void>;
  /** Called with the orders waiting for payment, before anyone pays (subscribe to them here). */
  beforePaying?(awaiting: StormOrder[]): Promise<void>;
  /** Called while the checkouts are in flight (e.g. to kill a replica). */
  duringCheckouts?(): Promise<void>;
  log?(line: string): void;
}

export interface StormOrder {
  customer: number;
  orderId: string;
}

const ORDER = 'query($id: ID!) { order(id: $id) { status statusHistory { status reason } } }';
const INVENTORY = 'query($id: ID) { product(id: $id) { inventory { available reserved onHand } } }';

interface Stock {
  available: number;
  reserved: number;
  onHand: number;
}

/** Samples the stock item (database and API) until stopped; keeps the lowest `available` seen. */
function sampleStock(shop: StormShop) {
  let running = true;
  let samples = 0;
  let lowest = Number.POSITIVE_INFINITY;
  let invariantBroken: string | undefined;
  const loop = (async () => {
    while (running) {
      // (a failed sample fails the storm when it is stopped; a pause between samples keeps the
      // sampler from loading the shop more than a few customers would)
      const item = await shop.inventoryDb.collection('stock_items').findOne({ productId: shop.productId });
      const shown = await shop
        .gatewayFor(samples)
        .query(INVENTORY, { id: shop.productId }, { token: shop.adminToken });
      const api = shown.data?.product?.inventory as Stock | undefined;
      for (const stock of [item as Stock | null, api]) {
        if (!stock) continue;
        samples++;
        lowest = Math.min(lowest, stock.available);
        if (stock.onHand !== stock.available + stock.reserved)
          invariantBroken ??= `onHand ${stock.onHand} != available ${stock.available} + reserved ${stock.reserved}`;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { samples, lowest, invariantBroken };
    },
  };
}

async function stockOf(shop: StormShop): Promise<Stock> {
  const res = await shop.gatewayFor(0).query(INVENTORY, { id: shop.productId }, { token: shop.adminToken });
  return mustSucceed(res, 'product.inventory').product.inventory as Stock;
}

/** The product's ledger rows; their sums must be the stock item. */
async function ledgerAgrees(shop: StormShop): Promise<Map<string, number>> {
  const movements = await shop.inventoryDb
    .collection('stock_movements')
    .find({ productId: shop.productId })
    .toArray();
  const item = await shop.inventoryDb.collection('stock_items').findOne({ productId: shop.productId });
  const sum = (field: string) => movements.reduce((total, m) => total + (m[field] as number), 0);
  expect(sum('delta')).toBe(item!.onHand);
  expect(sum('reservedDelta')).toBe(item!.reserved);
  expect(item!.available).toBe(item!.onHand - item!.reserved);
  // And the API's ledger shows the same rows.
  const page = mustSucceed(
    await shop
      .gatewayFor(0)
      .query(
        'query($p: ID!) { stockMovements(productId: $p, first: 100) { edges { node { delta reservedDelta availableDelta reason } } } }',
        { p: shop.productId },
        { token: shop.adminToken },
      ),
    'stockMovements',
  );
  const nodes = page.stockMovements.edges.map((e: { node: Record<string, number> }) => e.node);
  expect(nodes).toHaveLength(movements.length);
  expect(nodes.reduce((total: number, n: Record<string, number>) => total + (n.availableDelta ?? 0), 0)).toBe(
    item!.available,
  );
  const byReason = new Map<string, number>();
  for (const m of movements) byReason.set(m.reason as string, (byReason.get(m.reason as string) ?? 0) + 1);
  return byReason;
}

async function statusOf(shop: StormShop, order: StormOrder) {
  const res: GraphQLResponse = await shop
    .gatewayFor(order.customer)
    .query(ORDER, { id: order.orderId }, { token: shop.customers[order.customer]!.token });
  return mustSucceed(res, 'order').order as {
    status: string;
    statusHistory: { status: string; reason: string | null }[];
  };
}

/**
 * Phase 1: every customer adds one unit and checks out at once. Returns the orders that got
 * stock (AWAITING_PAYMENT); the others must be CANCELLED for OUT_OF_STOCK.
 */
export async function stormCheckouts(shop: StormShop, tag: string): Promise<StormOrder[]> {
  const log = shop.log ?? (() => undefined);
  const { customers, stock } = shop;
  const sampler = sampleStock(shop);
  const started = performance.now();
  let slowest = 0;
  const placing = Promise.all(
    customers.map(async (customer, i) => {
      const orderId = await checkout(shop.gatewayFor(i), customer, shop.productId, `${tag}-${i}`, {
        withEmail: true,
      });
      slowest = Math.max(slowest, performance.now() - started);
      return { customer: i, orderId };
    }),
  );
  let placed: StormOrder[];
  try {
    if (shop.duringCheckouts) await shop.duringCheckouts();
    placed = await placing;
  } catch (error) {
    await sampler.stop().catch(() => undefined);
    throw error;
  }
  log(
    `${placed.length} checkouts (addToCart, checkout) answered, the last ${Math.round(slowest)} ms after the first began`,
  );
  expect(new Set(placed.map((o) => o.orderId)).size).toBe(customers.length);

  // One order at a time: fifty readers polling at once would load the shop more than the storm.
  const outcomes: { order: StormOrder; final: Awaited<ReturnType<typeof statusOf>> }[] = [];
  for (const order of placed) {
    const final = await eventually(
      () => statusOf(shop, order),
      (o) => o.status !== 'PENDING',
      { what: `order ${order.orderId} to leave PENDING`, timeoutMs: 60_000 },
    );
    outcomes.push({ order, final });
  }
  log(`every order decided ${Math.round(performance.now() - started)} ms after the storm began`);
  const { samples, lowest, invariantBroken } = await sampler.stop();
  log(`stock sampled ${samples} times during the storm, lowest available ${lowest}`);

  const awaiting = outcomes.filter((o) => o.final.status === 'AWAITING_PAYMENT').map((o) => o.order);
  const cancelled = outcomes.filter((o) => o.final.status === 'CANCELLED');
  expect(awaiting).toHaveLength(stock);
  expect(cancelled).toHaveLength(customers.length - stock);
  for (const { final } of cancelled) {
    expect(final.statusHistory.map((h) => h.status)).toEqual(['PENDING', 'CANCELLED']);
    expect(final.statusHistory[1]!.reason).toMatch(/^Out of stock/);
  }
  const cancelledIds = cancelled.map((o) => o.order.orderId);
  await eventually(
    async () => cancelledIds.filter((id) => shop.cancellations.has(id)).length,
    (n) => n === cancelledIds.length,
    { what: 'order.cancelled for every cancelled order' },
  );
  for (const id of cancelledIds) expect(shop.cancellations.get(id)).toBe('OUT_OF_STOCK');

  expect(samples).toBeGreaterThan(0);
  expect(lowest).toBeGreaterThanOrEqual(0);
  expect(invariantBroken).toBeUndefined();

  expect(await stockOf(shop)).toEqual({ available: 0, reserved: stock, onHand: stock });
  const reservations = shop.inventoryDb.collection('reservations');
  const orderIds = placed.map((o) => o.orderId);
  expect(await reservations.countDocuments({ orderId: { $in: orderIds } })).toBe(customers.length);
  expect(await reservations.countDocuments({ orderId: { $in: orderIds }, status: 'RESERVED' })).toBe(stock);
  expect(await reservations.countDocuments({ orderId: { $in: orderIds }, status: 'FAILED' })).toBe(
    customers.length - stock,
  );
  const byReason = await ledgerAgrees(shop);
  // The opening stock, then one RESERVATION per order that got stock; a failed order moved nothing.
  expect(Object.fromEntries(byReason)).toEqual({ PURCHASE: 1, RESERVATION: stock });
  return awaiting;
}

/** Phase 2: the customers who got stock pay at once: every order PAID once, the stock sold. */
export async function stormPayments(shop: StormShop, awaiting: StormOrder[]): Promise<void> {
  const log = shop.log ?? (() => undefined);
  if (shop.beforePaying) await shop.beforePaying(awaiting);
  const started = performance.now();
  await Promise.all(
    awaiting.map(async ({ customer, orderId }) => {
      const gateway = shop.gatewayFor(customer);
      const token = shop.customers[customer]!.token;
      const intent = mustSucceed(
        await gateway.query(
          'mutation($o: ID!) { createPaymentIntent(orderId: $o) { id } }',
          { o: orderId },
          { token },
        ),
        'createPaymentIntent',
      );
      const confirmed = mustSucceed(
        await gateway.query(
          'mutation($p: ID!) { confirmPayment(paymentId: $p, paymentMethodId: "pm_card_visa") { status } }',
          { p: intent.createPaymentIntent.id },
          { token },
        ),
        'confirmPayment',
      );
      expect(confirmed.confirmPayment.status).toBe('SUCCEEDED');
    }),
  );
  log(`${awaiting.length} payments confirmed in ${Math.round(performance.now() - started)} ms`);
  for (const order of awaiting) {
    const paid = await eventually(
      () => statusOf(shop, order),
      (o) => o.status === 'PAID',
      { what: `order ${order.orderId} to be PAID`, timeoutMs: 60_000 },
    );
    expect(paid.statusHistory.map((h) => h.status)).toEqual(['PENDING', 'AWAITING_PAYMENT', 'PAID']);
  }
  await eventually(
    () => stockOf(shop),
    (s) => s.reserved === 0,
    { what: 'every reservation to be committed', timeoutMs: 60_000 },
  );
  await shop.settled();
  expect(await stockOf(shop)).toEqual({ available: 0, reserved: 0, onHand: 0 });
  const byReason = await ledgerAgrees(shop);
  expect(Object.fromEntries(byReason)).toEqual({ PURCHASE: 1, RESERVATION: shop.stock, SALE: shop.stock });
  const reservations = shop.inventoryDb.collection('reservations');
  const orderIds = awaiting.map((o) => o.orderId);
  expect(await reservations.countDocuments({ orderId: { $in: orderIds }, status: 'COMMITTED' })).toBe(
    shop.stock,
  );
  // Nothing stranded: no hold left anywhere in inventory, nothing left to publish.
  expect(await reservations.countDocuments({ status: 'RESERVED' })).toBe(0);
  expect(await shop.inventoryDb.collection('outbox').countDocuments({ sentAt: null })).toBe(0);
}
