import type { SubgraphClient, SubgraphContext } from '@novamart/kit';
import type { CategoryDoc } from './models/category';
import type { ProductDoc } from './models/product';
import type { CategoryService } from './services/category-service';
import type { CategoryTree } from './services/category-tree';
import type { CollectionService } from './services/collection-service';
import type { ProductQueries, VariantView } from './services/product-queries';
import type { ProductService } from './services/product-service';

export interface ProductsServices {
  queries: ProductQueries;
  catalog: ProductService;
  categories: CategoryService;
  categoryTree: CategoryTree;
  collections: CollectionService;
  /** The inventory subgraph's API (createProduct's opening stock); absent in service-level tests. */
  inventory?: SubgraphClient;
}

export type ProductsContext = SubgraphContext & ProductsServices;

/** Per-request batching: every product or category a request touches is fetched in one `$in` find. */
export function productLoader(ctx: ProductsContext) {
  return ctx.loaders.get<string, ProductDoc | null>('productById', (ids) => ctx.queries.byIds(ids));
}

export function categoryLoader(ctx: ProductsContext) {
  return ctx.loaders.get<string, CategoryDoc | null>('categoryBySlug', (slugs) =>
    ctx.categories.bySlugs(slugs),
  );
}

export function variantLoader(ctx: ProductsContext) {
  return ctx.loaders.get<string, VariantView | null>('variantById', (ids) => ctx.queries.variantsByIds(ids));
}

/** The children of each category a request shows, in one find. */
export function childrenLoader(ctx: ProductsContext) {
  return ctx.loaders.get<string, CategoryDoc[]>('categoryChildren', (slugs) =>
    ctx.categories.childrenOf(slugs),
  );
}
