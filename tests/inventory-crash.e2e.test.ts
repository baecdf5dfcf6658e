import mongoose from 'mongoose';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventually, requireRedis } from '@novamart/kit/testing';
import { usersSubgraph } from '@novamart/users';
import { productsSubgraph } from '@novamart/products';
import { cartSubgraph } from '@novamart/cart';
import { ordersSubgraph } from '@novamart/orders';
import { paymentsSubgraph } from '@novamart/payments';
import { startSupergraph, type Supergraph } from './support/supergraph';
import { mustSucceed } from './support/storefront';
import { freePort, killAll, startProcess, type ServiceProcess } from './support/processes';

/**
 * A real crash of inventory between handling `order.placed` and acknowledging it. Inventory runs
 * as its own process, started as production starts it (`subgraphs/inventory/src/main.ts`, from
 * the environment), on the harness's MongoDB and Redis streams; every other subgraph runs in
 * this process behind the gateway. With INVENTORY_CRASH_POINT=order-placed-committed the process
 * SIGKILLs itself once the reservation is committed and before the entry is acknowledged: the
 * entry stays pending for the inventory group. A fresh process takes it over
 * (EVENTS_CLAIM_IDLE_MS), finds the event already processed, acknowledges it, and the order
 * completes with its stock reserved, and sold, exactly once.
 */
let sg: Supergraph;
let inventoryPort = 0;
const INVENTORY_DB = 'novamart_inventory'; // a standalone subgraph's database, on this file's own MongoDB

beforeAll(async () => {
  inventoryPort = await freePort();
  sg = await startSupergraph({
    subgraphs: [usersSubgraph, productsSubgraph, cartSubgraph, ordersSubgraph, paymentsSubgraph],
    redis: true,
    env: { INVENTORY_URL: `http://127.0.0.1:${inventoryPort}/graphql` },
  });
}, 120_000);
afterAll(async () => {
  await killAll();
  await sg?.stop();
});

function startInventory(env: Record<string, string> = {}): Promise<ServiceProcess> {
  return startProcess(
    'inventory',
    'subgraphs/inventory/src/main.ts',
    {
      NODE_ENV: 'test',
      LOG_LEVEL: 'error',
      HOST: '127.0.0.1',
      // Always the same port, which products and cart were told (INVENTORY_URL) before it existed.
      PORT: String(inventoryPort),
      MONGO_URL: sg.mongoUri,
      REDIS_URL: sg.redisUrl!,
      REDIS_KEY_PREFIX: sg.keyPrefix,
      // A killed predecessor's unacknowledged entries are taken over after a second, not 30.
      EVENTS_CLAIM_IDLE_MS: '1000',
      JWKS_URL: new URL('/.well-known/jwks.json', sg.subgraph('users').url).href,
      ...env,
    },
    `http://127.0.0.1:${inventoryPort}/health/ready`,
  );
}

it('after a SIGKILL between committing order.placed and acknowledging it, the restarted inventory completes the order exactly once', async () => {
  const first = await startInventory({ INVENTORY_CRASH_POINT: 'order-placed-committed' });
  // The test reads inventory's own database and the group's pending entries on Redis.
  const db = await mongoose.createConnection(sg.mongoUri, { dbName: INVENTORY_DB }).asPromise();
  const redis = await requireRedis();
  const pendingForInventory = async () =>
    Number(((await redis.xpending(`${sg.keyPrefix}:events:order`, 'inventory')) as [number])[0]);
  try {
    const admin = await sg.admin();
    const created = mustSucceed(
      await sg.query(
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
      ),
      'createProduct',
    );
    const productId: string = created.createProduct.id;

    const customer = await sg.customer('Crash');
    mustSucceed(
      await sg.query(
        'mutation($p: ID!) { addToCart(productId: $p, quantity: 2) { itemCount } }',
        { p: productId },
        { token: customer.token },
      ),
      'addToCart',
    );
    const placed = mustSucceed(
      await sg.query(
        'mutation($i: CheckoutInput!) { checkout(input: $i) { id } }',
        {
          i: {
            idempotencyKey: 'crash-1',
            shippingAddress: { name: 'C', line1: '1 St', city: 'X', postalCode: '94103', country: 'US' },
          },
        },
        { token: customer.token },
      ),
      'checkout',
    );
    const orderId: string = placed.checkout.id;

    // The process dies by its own SIGKILL, with the reservation committed and the entry unacknowledged.
    const exit = await Promise.race([
      first.exited,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`inventory did not crash: ${first.output()}`)), 60_000),
      ),
    ]);
    expect(exit.signal).toBe('SIGKILL');
    expect(first.output()).toContain('INVENTORY_CRASH_POINT order-placed-committed: SIGKILL');
    expect(await db.collection('reservations').countDocuments({ orderId })).toBe(1);
    expect(await pendingForInventory()).toBeGreaterThanOrEqual(1);

    await startInventory();
    const orderStatus = async () =>
      (
        await sg.query(
          'query($id: ID!) { order(id: $id) { status } }',
          { id: orderId },
          { token: customer.token },
        )
      ).data?.order?.status;
    await eventually(orderStatus, (status) => status === 'AWAITING_PAYMENT', {
      what: 'the order to be reserved after the restart',
      timeoutMs: 60_000,
    });
    // The redelivered order.placed was recognised and acknowledged, nothing reserved again.
    await eventually(pendingForInventory, (n) => n === 0, {
      what: 'the inventory group to acknowledge the entry',
      timeoutMs: 30_000,
    });
    expect(await db.collection('reservations').countDocuments({ orderId })).toBe(1);

    const intent = mustSucceed(
      await sg.query(
        'mutation($o: ID!) { createPaymentIntent(orderId: $o) { id } }',
        { o: orderId },
        { token: customer.token },
      ),
      'createPaymentIntent',
    );
    const paid = mustSucceed(
      await sg.query(
        'mutation($p: ID!) { confirmPayment(paymentId: $p, paymentMethodId: "pm_card_visa") { status } }',
        { p: intent.createPaymentIntent.id },
        { token: customer.token },
      ),
      'confirmPayment',
    );
    expect(paid.confirmPayment.status).toBe('SUCCEEDED');
    await eventually(orderStatus, (status) => status === 'PAID', { what: 'PAID', timeoutMs: 60_000 });
    const item = await eventually(
      () => db.collection('stock_items').findOne({ productId }),
      (i) => i?.reserved === 0,
      { what: 'the reservation to be committed', timeoutMs: 60_000 },
    );

    // Exactly once: one reservation, one reservation movement, one sale, and the ledger agrees.
    expect(await db.collection('reservations').countDocuments({ orderId })).toBe(1);
    expect((await db.collection('reservations').findOne({ orderId }))?.status).toBe('COMMITTED');
    const movements = await db.collection('stock_movements').find({ productId }).toArray();
    const byReason = (reason: string) => movements.filter((m) => m.reason === reason);
    expect(byReason('RESERVATION')).toHaveLength(1);
    expect(byReason('SALE')).toHaveLength(1);
    expect(item).toMatchObject({ available: 3, reserved: 0, onHand: 3 });
    expect(movements.reduce((sum, m) => sum + (m.delta as number), 0)).toBe(3);
    expect(movements.reduce((sum, m) => sum + (m.reservedDelta as number), 0)).toBe(0);
  } finally {
    await db.close();
    await redis.quit();
  }
}, 240_000);
