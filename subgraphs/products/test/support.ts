import { randomUUID } from 'node:crypto';
import { commandStats, runWithRequestId, type CommandCounts } from '@novamart/kit';
import { eventually, startServiceHarness, type ServiceHarness } from '@novamart/kit/testing';
import { pendingEventsFilter, type DomainEvent } from '@novamart/events';
import type { Connection } from 'mongoose';
import { createProductsServices, ensureProductsIndexes, type ProductsServices } from '../src/index';
import { PRODUCTS_COLLECTION } from '../src/models/product';

export interface ProductsTestDb {
  harness: ServiceHarness<ProductsServices>;
  conn: Connection;
  services: ProductsServices;
  /**
   * The products events published so far, in the order the bus received them, once every event
   * written is published: none left in the outbox (a write that also created a category) or on a
   * product (`DocumentEvents`).
   */
  publishedEvents(): Promise<DomainEvent<any>[]>;
  /** Products, categories, and every event written: published, waiting in the outbox or on a product. */
  counts(): Promise<{ products: number; categories: number; events: number }>;
  /** The MongoDB commands `work` sent (attributed to it as to a request, whatever the database). */
  commandsOf<T>(work: () => Promise<T>): Promise<{ result: T; commands: CommandCounts }>;
  close(): Promise<void>;
}

/**
 * The products services as the subgraph runs them (`startServiceHarness`): an outbox relay and
 * the products collection's own (its documents carry their events), publishing on an in-process
 * bus whose `product.*` events the harness records.
 */
export async function openProductsDb(): Promise<ProductsTestDb> {
  const harness = await startServiceHarness<ProductsServices>({
    name: 'products',
    services: async ({ conn }) => {
      await ensureProductsIndexes(conn);
      return createProductsServices(conn);
    },
    observe: ['product.*'],
    documentEvents: [PRODUCTS_COLLECTION],
  });
  const { conn } = harness;
  const db = conn.db!;
  const unpublished = async () => {
    const [outbox, onProducts] = await Promise.all([
      db.collection('outbox').countDocuments({ sentAt: null }),
      db
        .collection(PRODUCTS_COLLECTION)
        .aggregate<{ n: number }>([
          { $match: pendingEventsFilter() },
          { $group: { _id: null, n: { $sum: { $size: '$pendingEvents' } } } },
        ])
        .toArray(),
    ]);
    return outbox + (onProducts[0]?.n ?? 0);
  };
  const allPublished = async () => {
    await eventually(unpublished, (n) => n === 0, {
      what: 'every products event published',
      timeoutMs: 5_000,
    });
    await harness.settled();
  };
  return {
    harness,
    conn,
    services: harness.services,
    async publishedEvents() {
      await allPublished();
      return [...harness.published];
    },
    async counts() {
      // Settled first, so that no event is both published and still waiting: counted once.
      await harness.settled();
      const [products, categories, waiting] = await Promise.all([
        db.collection(PRODUCTS_COLLECTION).countDocuments(),
        db.collection('categories').countDocuments(),
        unpublished(),
      ]);
      return { products, categories, events: harness.published.length + waiting };
    },
    async commandsOf(work) {
      const requestId = `products-test-${randomUUID()}`;
      const result = await runWithRequestId(requestId, work);
      return { result, commands: commandStats.forRequest(requestId) };
    },
    close: () => harness.close(),
  };
}

let skuCounter = 0;

/** A valid ProductInput; override what a test is about. */
export function productInput(overrides: Record<string, unknown> = {}) {
  skuCounter += 1;
  return {
    sku: `TEST-${process.pid}-${skuCounter}`,
    name: `Test product ${skuCounter}`,
    description: 'A sturdy everyday item for testing the catalog.',
    priceAmount: 1999,
    currency: 'USD',
    ...overrides,
  };
}

/** The GraphQL error a promise rejected with: its code and field. */
export async function rejection(
  promise: Promise<unknown>,
): Promise<{ code: unknown; field: unknown; message: string }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { extensions?: Record<string, unknown>; message: string };
    return { code: e.extensions?.code, field: e.extensions?.field, message: e.message };
  }
  throw new Error('expected the promise to reject');
}
