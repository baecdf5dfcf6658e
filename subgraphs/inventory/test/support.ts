import { connectMongo, createLogger } from '@novamart/kit';
import { startEmbeddedMongoForTests, uniqueDbName, type TestMongo } from '@novamart/kit/testing';
import { consumedTypes, consumerHandler, createEvent, type DomainEvent } from '@novamart/events';
import { Types, type Connection } from 'mongoose';
import {
  createInventoryServices,
  ensureInventoryIndexes,
  inventoryConsumers,
  type InventoryServiceSet,
} from '../src/index';

export interface InventoryTestDb {
  mongo: TestMongo;
  conn: Connection;
  services: InventoryServiceSet;
  /** Runs an event through the idempotent consumer, as the bus would deliver it. */
  deliver(event: DomainEvent<any>): Promise<'processed' | 'duplicate' | 'ignored'>;
  outboxEvents(type?: string): Promise<DomainEvent<any>[]>;
  /** The stock item next to what its ledger adds up to. */
  ledger(productId: string): Promise<{
    item: { available: number; reserved: number; onHand: number } | null;
    sums: { onHand: number; reserved: number };
    movements: { delta: number; reservedDelta: number; reason: string }[];
  }>;
  close(): Promise<void>;
}

export async function openInventoryDb(
  options: { ttlSeconds?: number; defaultReorderLevel?: number } = {},
): Promise<InventoryTestDb> {
  const mongo = await startEmbeddedMongoForTests();
  const conn = await connectMongo({ url: mongo.uri, dbName: uniqueDbName('inventory') });
  const services = createInventoryServices(conn, {
    reservationTtlSeconds: options.ttlSeconds ?? 900,
    defaultReorderLevel: options.defaultReorderLevel ?? 5,
    logger: createLogger('inventory-test', { level: 'silent' }),
  });
  await ensureInventoryIndexes(services);
  // The module's declarations, each event to the one that consumes its type, as the bus routes it.
  const consumers = inventoryConsumers(services).map((declaration) => ({
    types: consumedTypes(declaration),
    consume: consumerHandler(conn, declaration),
  }));
  const consume = async (event: DomainEvent<any>) => {
    const consumer = consumers.find(({ types }) => (types as string[]).includes(event.type));
    return consumer ? consumer.consume(event) : 'ignored';
  };
  const outbox = conn.collection<{ event: DomainEvent<any> }>('outbox');
  return {
    mongo,
    conn,
    services,
    deliver: (event) => consume(event),
    async outboxEvents(type) {
      const events = (await outbox.find().sort({ _id: 1 }).toArray()).map((doc) => doc.event);
      return type ? events.filter((e) => e.type === type) : events;
    },
    async ledger(productId) {
      const { StockItem, StockMovement } = services.models;
      const item = await StockItem.findOne({ productId }).lean().exec();
      const movements = await StockMovement.find({ productId }).sort({ createdAt: 1, _id: 1 }).lean().exec();
      return {
        item: item && { available: item.available, reserved: item.reserved, onHand: item.onHand },
        sums: {
          onHand: movements.reduce((sum, m) => sum + m.delta, 0),
          reserved: movements.reduce((sum, m) => sum + m.reservedDelta, 0),
        },
        movements: movements.map(({ delta, reservedDelta, reason }) => ({ delta, reservedDelta, reason })),
      };
    },
    async close() {
      await conn.close();
      await mongo.stop();
    },
  };
}

export function newProductId(): string {
  return new Types.ObjectId().toHexString();
}

export function newOrderId(): string {
  return new Types.ObjectId().toHexString();
}

/** `product.created` as the products subgraph publishes it. */
export function productCreated(
  productId: string,
  initialStock: number | null,
  sku = `SKU-${productId.slice(-6)}`,
) {
  return createEvent('product.created', productId, {
    productId,
    sku,
    slug: sku.toLowerCase(),
    name: `Product ${sku}`,
    priceAmount: 1000,
    currency: 'USD',
    categorySlug: null,
    active: true,
    initialStock,
  });
}

/** `order.placed`; a line without `variantId` orders the product's default variant. */
export function orderPlaced(
  orderId: string,
  lines: { productId: string; variantId?: string; quantity: number }[],
) {
  return createEvent('order.placed', orderId, {
    orderId,
    userId: 'user-1',
    email: 'buyer@example.com',
    lines: lines.map((line) => ({ ...line, sku: 'SKU', name: 'Name', unitAmount: 1000 })),
    subtotal: 1000,
    shippingCost: 0,
    total: 1000,
    currency: 'USD',
  });
}

export async function rejection(
  promise: Promise<unknown>,
): Promise<{ code: unknown; field: unknown; extensions: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    const extensions = (error as { extensions?: Record<string, unknown> }).extensions ?? {};
    return { code: extensions.code, field: extensions.field, extensions };
  }
  throw new Error('expected the promise to reject');
}
