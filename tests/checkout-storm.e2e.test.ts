import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { productsSubgraph } from '@novamart/products';
import { inventorySubgraph } from '@novamart/inventory';
import { cartSubgraph } from '@novamart/cart';
import { ordersSubgraph } from '@novamart/orders';
import { paymentsSubgraph } from '@novamart/payments';
import { startSupergraph, type Supergraph } from './support/supergraph';
import {
  createStormProduct,
  stormCheckouts,
  stormCustomers,
  stormPayments,
  watchCancellations,
  type StormShop,
} from './support/storm';

/**
 * Issue 9, point 3: 50 customers, each with one unit in their cart, check out at once on a
 * product with stock 20, through the gateway. Every checkout answers on its first attempt; all 50
 * orders exist, exactly 20 are reserved (AWAITING_PAYMENT) and 30 CANCELLED for OUT_OF_STOCK;
 * available, sampled throughout, never goes below 0 and the ledger's rows sum to the stock. Then
 * the 20 pay at once: 20 PAID, the stock sold (reserved 0, on hand 0), no hold and no event left
 * behind. In process, over Redis Streams, and over Redis with a second inventory replica
 * consuming the same group.
 */
const CUSTOMERS = 50;
const STOCK = 20;

function log(...parts: unknown[]) {
  console.warn('[checkout-storm]', ...parts);
}

describe.each([
  { transport: 'in-process buses', redis: false, inventoryReplicas: 1 },
  { transport: 'Redis Streams', redis: true, inventoryReplicas: 1 },
  { transport: 'Redis Streams, two inventory consumers', redis: true, inventoryReplicas: 2 },
])('checkout storm ($transport)', ({ transport, redis, inventoryReplicas }) => {
  let sg: Supergraph;
  let shop: StormShop;

  beforeAll(async () => {
    sg = await startSupergraph({
      subgraphs: [productsSubgraph, inventorySubgraph, cartSubgraph, ordersSubgraph, paymentsSubgraph],
      redis,
      // An INTERNAL_SERVER_ERROR's cause is then in the output.
      env: { LOG_LEVEL: 'error' },
    });
    for (let i = 1; i < inventoryReplicas; i++) await sg.startReplica('inventory');
    const adminToken = await sg.tokenFor({ id: `storm-admin-${randomUUID()}`, role: 'ADMIN' });
    const customers = await stormCustomers((viewer) => sg.tokenFor(viewer), CUSTOMERS, 'storm');
    const cancellations = watchCancellations(sg.bus);
    const productId = await createStormProduct(sg, adminToken, STOCK);
    shop = {
      gatewayFor: () => sg,
      adminToken,
      customers,
      productId,
      stock: STOCK,
      inventoryDb: sg.subgraph('inventory').runtime.mongo.db!,
      cancellations,
      settled: () => sg.settled(),
      log: (line) => log(transport, line),
    };
  }, 180_000);
  afterAll(async () => sg?.stop());

  it('50 checkouts at once on stock 20: 20 reserved, 30 cancelled OUT_OF_STOCK, then 20 paid', async () => {
    const awaiting = await stormCheckouts(shop, `storm-${redis ? 'r' : 'p'}${inventoryReplicas}`);
    await stormPayments(shop, awaiting);
  }, 240_000);
});
