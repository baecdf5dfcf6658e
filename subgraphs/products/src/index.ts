import { createSubgraphClient, defineSubgraph } from '@novamart/kit';
import type { Connection } from 'mongoose';
import { productsConfigShape } from './config';
import type { ProductsServices } from './context';
import { categoryModel } from './models/category';
import { collectionModel } from './models/collection';
import { PRODUCTS_COLLECTION, productModel } from './models/product';
import { resolvers } from './resolvers';
import { CategoryService } from './services/category-service';
import { CategoryTree } from './services/category-tree';
import { CollectionService } from './services/collection-service';
import { productsConsumer } from './events/handlers';
import { StockRefresh } from './services/stock-projection';
import { ProductQueries } from './services/product-queries';
import { ProductService } from './services/product-service';
import { backfillDefaultVariants } from './services/variants';

/** Models and services on a connection; tests use this directly. */
export function createProductsServices(
  conn: Connection,
  options: { maxPrice?: number; stock?: StockRefresh | null } = {},
): ProductsServices {
  const Product = productModel(conn);
  const Category = categoryModel(conn);
  const categories = new CategoryService(Category);
  const collections = new CollectionService(collectionModel(conn), Product);
  return {
    queries: new ProductQueries(Product, { Category, collections, stock: options.stock ?? null }),
    catalog: new ProductService({ conn, Product, categories, maxPrice: options.maxPrice }),
    categories,
    categoryTree: new CategoryTree(conn, Category, Product),
    collections,
  };
}

/** Builds the indexes the queries rely on (unique SKU and slug, search terms, one per sort). */
export async function ensureProductsIndexes(conn: Connection): Promise<void> {
  await Promise.all([
    productModel(conn).createIndexes(),
    categoryModel(conn).createIndexes(),
    collectionModel(conn).createIndexes(),
  ]);
}

export const productsSubgraph = defineSubgraph({
  name: 'products',
  port: 4002,
  configShape: productsConfigShape,
  schema: new URL('./schema.graphql', import.meta.url),
  resolvers,
  async create(runtime) {
    const conn = runtime.mongo;
    // Before the indexes: the unique variant SKU index must not meet two products without variants.
    await backfillDefaultVariants(productModel(conn));
    await ensureProductsIndexes(conn);
    const inventory = runtime.config.INVENTORY_URL
      ? createSubgraphClient('inventory', runtime.config.INVENTORY_URL)
      : null;
    const stock = inventory ? new StockRefresh(productModel(conn), inventory, runtime.logger) : null;
    const services: ProductsServices = {
      ...createProductsServices(conn, { maxPrice: runtime.config.MAX_ORDER_TOTAL, stock }),
      ...(inventory ? { inventory } : {}),
    };
    return {
      context: () => services,
      consumers: [productsConsumer(productModel(conn))],
      publishes: ['product.created', 'product.updated', 'product.price_changed', 'product.archived'],
      documentEvents: [PRODUCTS_COLLECTION],
    };
  },
});

export type { ProductsContext, ProductsServices } from './context';
export { productsConfigShape, type ProductsConfig } from './config';
export { backfillDefaultVariants } from './services/variants';
export type {
  ProductSnapshot,
  ProductCreatedPayload,
  ProductPriceChangedPayload,
} from './services/product-events';
