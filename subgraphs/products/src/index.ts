import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import { createSubgraphClient, type SubgraphModule } from '@novamart/kit';
import type { Connection } from 'mongoose';
import { productsConfigShape, type ProductsConfig } from './config';
import type { ProductsServices } from './context';
import { categoryModel } from './models/category';
import { productModel } from './models/product';
import { resolvers } from './resolvers';
import { createCategoryService } from './services/category-service';
import { ProductQueries } from './services/product-queries';
import { ProductService } from './services/product-service';
import { backfillDefaultVariants } from './services/variants';

export const typeDefs = parse(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'));

/** Models and services on a connection; tests use this directly. */
export function createProductsServices(
  conn: Connection,
  options: { maxPrice?: number } = {},
): ProductsServices {
  const Product = productModel(conn);
  const categories = createCategoryService(categoryModel(conn));
  return {
    queries: new ProductQueries(Product),
    catalog: new ProductService({ conn, Product, categories, ...options }),
    categories,
  };
}

/** Builds the indexes the queries rely on (unique SKU and slug, search terms, one per sort). */
export async function ensureProductsIndexes(conn: Connection): Promise<void> {
  await Promise.all([productModel(conn).createIndexes(), categoryModel(conn).createIndexes()]);
}

export const productsSubgraph: SubgraphModule<ProductsConfig> = {
  name: 'products',
  port: 4002,
  configShape: productsConfigShape,
  async create(runtime) {
    const conn = runtime.mongo;
    // Before the indexes: the unique variant SKU index must not meet two products without variants.
    await backfillDefaultVariants(productModel(conn));
    await ensureProductsIndexes(conn);
    const services: ProductsServices = {
      ...createProductsServices(conn, { maxPrice: runtime.config.MAX_ORDER_TOTAL }),
      ...(runtime.config.INVENTORY_URL
        ? { inventory: createSubgraphClient('inventory', runtime.config.INVENTORY_URL) }
        : {}),
    };
    return {
      typeDefs,
      resolvers,
      context: () => services,
      publishes: ['product.created', 'product.updated', 'product.price_changed', 'product.archived'],
    };
  },
};

export type { ProductsContext, ProductsServices } from './context';
export { productsConfigShape, productsConfigVariables, type ProductsConfig } from './config';
export { backfillDefaultVariants } from './services/variants';
export type {
  ProductSnapshot,
  ProductCreatedPayload,
  ProductPriceChangedPayload,
} from './services/product-events';
