import { createServer, type AddressInfo } from 'node:net';
import mongoose from 'mongoose';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type DomainEvent, type EventBus, type SubscribeOptions } from '@novamart/events';
import { RedisStreamsBus } from '@novamart/events/redis';
import {
  createLogger,
  createRedis,
  createSubgraphRuntime,
  loadConfig,
  type RunningSubgraph,
  startSubgraph,
} from '@novamart/kit';
import { uniqueDbName } from '@novamart/kit/testing';
import { usersSubgraph } from '@novamart/users';
import { productsSubgraph } from '@novamart/products';
import { inventorySubgraph } from '@novamart/inventory';
import { cartSubgraph } from '@novamart/cart';
import { ordersSubgraph } from '@novamart/orders';
import { paymentsSubgraph } from '@novamart/payments';
import { startSupergraph, type Supergraph } from './support/supergraph';
import { checkout, confirmPayment, createPaymentIntent } from './support/storefront';
import { eventually } from '@novamart/kit/testing';

/**
 * The inventory subgraph dies after receiving `order.placed` and before acknowledging it. Over
 * Redis Streams the entry stays pending for the inventory group; the restarted subgraph claims it,
 * and the order completes with its stock reserved exactly once.
 */
let sg: Supergraph;
const inventoryDb = uniqueDbName('inventory');
const logger = createLogger('inventory', { level: 'silent' });
const started: Array<{ bus: RedisStreamsBus; running: RunningSubgraph; close(): Promise<void> }> = [];

/** A bus whose `order.placed` delivery kills the whole consumer instead of handling it. */
function crashingOnOrderPlaced(bus: RedisStreamsBus, crashed: () => void): EventBus {
  return new Proxy(bus, {
    get(target, property, receiver) {
      if (property !== 'subscribe') return Reflect.get(target, property, receiver);
      return (options: SubscribeOptions) =>
        target.subscribe({
          ...options,
          handler: async (event: DomainEvent) => {
            if (event.type !== 'order.placed') return options.handler(event);
            target.abort();
            crashed();
            return new Promise(() => {}); // the process is gone: no ack, ever
          },
        });
    },
  });
}

async function startInventory(instance: number, crash?: () => void) {
  const redisUrl = sg.redisUrl!;
  const bus = new RedisStreamsBus(
    () => createRedis(redisUrl, `inventory-${instance}`, { logger, redis: { maxRetriesPerRequest: null } }),
    {
      logger,
      keyPrefix: sg.keyPrefix,
      consumerName: `inventory-${instance}`,
      // A stalled consumer's entries are claimed after this long.
      claimIdleMs: 500,
    },
  );
  const config = loadConfig(inventorySubgraph.configShape, {
    MONGO_URL: sg.mongoUri,
    REDIS_URL: redisUrl,
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    HOST: '127.0.0.1',
  });
  const owned = await createSubgraphRuntime(inventorySubgraph, {
    config: config as never,
    logger,
    dbName: inventoryDb,
    bus: crash ? crashingOnOrderPlaced(bus, crash) : bus,
    live: sg.live,
    redis: null,
  });
  // Always the same port, which products and cart were told (INVENTORY_URL) before it existed.
  const running = await startSubgraph(inventorySubgraph, owned.runtime, {
    port: inventoryPort,
    host: '127.0.0.1',
  });
  await bus.start();
  const handle = {
    bus,
    running,
    close: async () => (await running.stop(), await owned.close(), await bus.close()),
  };
  started.push(handle);
  return handle;
}

let inventoryPort = 0;

/** A port nobody listens on right now, for the inventory instances this test starts itself. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

beforeAll(async () => {
  inventoryPort = await freePort();
  sg = await startSupergraph({
    subgraphs: [usersSubgraph, productsSubgraph, cartSubgraph, ordersSubgraph, paymentsSubgraph],
    redis: true,
    env: { INVENTORY_URL: `http://127.0.0.1:${inventoryPort}/graphql` },
  });
});
afterAll(async () => {
  for (const handle of started.splice(0)) await handle.close().catch(() => {});
  await sg?.stop();
});

it('after a crash between order.placed and its acknowledgement, the restarted inventory completes the order exactly once', async () => {
  let crashed = false;
  const first = await startInventory(1, () => (crashed = true));
  expect(first.running.url).toMatch(/^http:/);
  // The test reads inventory's own database to count reservations and ledger entries.
  const db = await mongoose.createConnection(sg.mongoUri, { dbName: inventoryDb }).asPromise();
  try {
    const admin = await sg.admin();
    const created = await sg.query(
      'mutation($i: ProductInput!) { createProduct(input: $i) { id } }',
      {
        i: {
          sku: `CRASH-${Date.now()}`,
          name: 'Crash Lamp',
          description: 'Survives a crash',
          priceAmount: 4_200,
          initialStock: 5,
        },
      },
      { token: admin.token },
    );
    const productId: string = created.data.createProduct.id;
    await eventually(
      () => db.collection('stock_items').findOne({ productId }),
      (item) => item?.available === 5,
      { what: 'opening stock', timeoutMs: 20_000 },
    );

    const customer = await sg.customer('Crash');
    const orderId = await checkout(sg, customer, productId, 'crash-1', { quantity: 2 });

    await eventually(async () => crashed, Boolean, {
      what: 'the inventory consumer to crash on order.placed',
      timeoutMs: 20_000,
    });
    await first.running.stop();
    // While inventory is down the order waits; nothing was reserved.
    const orderStatus = async () =>
      (
        await sg.query(
          'query($id: ID!) { order(id: $id) { status } }',
          { id: orderId },
          { token: customer.token },
        )
      ).data?.order?.status;
    expect(await orderStatus()).toBe('PENDING');
    expect(await db.collection('reservations').countDocuments({ orderId })).toBe(0);

    await startInventory(2);
    await eventually(orderStatus, (status) => status === 'AWAITING_PAYMENT', {
      what: 'the restarted inventory to reserve the order',
      timeoutMs: 20_000,
    });

    const paymentId = await createPaymentIntent(sg, customer, orderId);
    const paid = await confirmPayment(sg, customer, paymentId, 'pm_card_visa');
    expect(paid.data?.confirmPayment.status).toBe('SUCCEEDED');
    await eventually(orderStatus, (status) => status === 'PAID', { what: 'PAID', timeoutMs: 20_000 });
    const item = await eventually(
      () => db.collection('stock_items').findOne({ productId }),
      (i) => i?.reserved === 0,
      { what: 'the reservation to be committed', timeoutMs: 20_000 },
    );

    // Exactly once: one reservation, one reservation movement, one sale, and the ledger agrees.
    expect(await db.collection('reservations').countDocuments({ orderId })).toBe(1);
    const movements = await db.collection('stock_movements').find({ productId }).toArray();
    const byReason = (reason: string) => movements.filter((m) => m.reason === reason);
    expect(byReason('RESERVATION')).toHaveLength(1);
    expect(byReason('SALE')).toHaveLength(1);
    expect(item).toMatchObject({ available: 3, reserved: 0, onHand: 3 });
    expect(
      movements.reduce(
        (sum, m) => sum + (m.reason === 'RESERVATION' || m.reason === 'RELEASE' ? 0 : m.delta),
        0,
      ),
    ).toBe(3);
  } finally {
    await db.close();
  }
});
