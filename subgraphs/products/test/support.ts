import { connectMongo } from '@novamart/kit';
import { startEmbeddedMongoForTests, uniqueDbName, type TestMongo } from '@novamart/kit/testing';
import type { DomainEvent } from '@novamart/events';
import type { Connection } from 'mongoose';
import { createProductsServices, ensureProductsIndexes, type ProductsServices } from '../src/index';

export interface ProductsTestDb {
  mongo: TestMongo;
  conn: Connection;
  services: ProductsServices;
  /** Events written to the outbox so far, oldest first. */
  outboxEvents(): Promise<DomainEvent<any>[]>;
  counts(): Promise<{ products: number; categories: number; outbox: number }>;
  close(): Promise<void>;
}

export async function openProductsDb(): Promise<ProductsTestDb> {
  const mongo = await startEmbeddedMongoForTests();
  const conn = await connectMongo({ url: mongo.uri, dbName: uniqueDbName('products') });
  await ensureProductsIndexes(conn);
  const outbox = conn.collection<{ event: DomainEvent<any> }>('outbox');
  return {
    mongo,
    conn,
    services: createProductsServices(conn),
    async outboxEvents() {
      return (await outbox.find().sort({ _id: 1 }).toArray()).map((doc) => doc.event);
    },
    async counts() {
      const db = conn.db!;
      const [products, categories, outboxCount] = await Promise.all([
        db.collection('products').countDocuments(),
        db.collection('categories').countDocuments(),
        outbox.countDocuments(),
      ]);
      return { products, categories, outbox: outboxCount };
    },
    async close() {
      await conn.close();
      await mongo.stop();
    },
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
