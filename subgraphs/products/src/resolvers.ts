import { badUserInput, money, requireAdmin, type ResolverMap } from '@novamart/kit';
import {
  categoryLoader,
  childrenLoader,
  productLoader,
  variantLoader,
  type ProductsContext,
} from './context';
import type { CollectionDoc } from './models/collection';
import type { CategoryInput, CategoryUpdateInput } from './services/category-tree';
import type { CollectionInput } from './services/collection-service';
import type { CategoryDoc } from './models/category';
import type { ProductDoc } from './models/product';
import type { ProductVariantsInput } from './services/product-service';
import { defaultVariantOf, variantPrice, variantsOf, variantTitle } from './services/variants';
import { recordOpeningStock } from './services/opening-stock';
import { documentFieldsSelected } from './services/list-projection';
import type { ListProductsArgs, ProductPage, VariantView } from './services/product-queries';
import type { ProductInput, ProductUpdateInput } from './services/validation';

/** The subgraph's resolver map, typed against its context (as every subgraph's is). */
export type Resolvers = ResolverMap<ProductsContext>;

export const resolvers: Resolvers = {
  Query: {
    products: (_root, args: ListProductsArgs, ctx: ProductsContext, info) =>
      ctx.queries.listProducts({ ...args, fields: documentFieldsSelected(info) }),

    product: async (_root, args: { id?: string | null; slug?: string | null }, ctx: ProductsContext) => {
      if ((args.id == null) === (args.slug == null))
        throw badUserInput('Give exactly one of id and slug', 'id');
      if (args.id != null) return productLoader(ctx).load(args.id);
      return ctx.queries.findBySlug(args.slug!);
    },

    categories: (_root, _args, ctx: ProductsContext) => ctx.categories.list(),

    productVariant: (_root, args: { id: string }, ctx: ProductsContext) => variantLoader(ctx).load(args.id),
    category: (_root, args: { slug: string }, ctx: ProductsContext) => categoryLoader(ctx).load(args.slug),
    collection: (_root, args: { slug: string }, ctx: ProductsContext) => ctx.collections.bySlug(args.slug),
    collections: (_root, _args, ctx: ProductsContext) => ctx.collections.list(),
  },

  Mutation: {
    createProduct: async (_root, args: { input: ProductInput }, ctx: ProductsContext) => {
      requireAdmin(ctx);
      const product = await ctx.catalog.createProduct(args.input);
      const initialStock = args.input.initialStock;
      if (ctx.inventory && typeof initialStock === 'number' && initialStock > 0)
        await recordOpeningStock(ctx.inventory, product, initialStock, ctx.authorization, ctx.logger);
      return product;
    },
    updateProduct: (_root, args: { id: string; input: ProductUpdateInput }, ctx: ProductsContext) => {
      requireAdmin(ctx);
      return ctx.catalog.updateProduct(args.id, args.input);
    },
    archiveProduct: (_root, args: { id: string }, ctx: ProductsContext) => {
      requireAdmin(ctx);
      return ctx.catalog.archiveProduct(args.id);
    },
    setProductVariants: (
      _root,
      args: { productId: string; input: ProductVariantsInput },
      ctx: ProductsContext,
    ) => {
      requireAdmin(ctx);
      return ctx.catalog.setVariants(args.productId, args.input);
    },
    createCategory: (_root, args: { input: CategoryInput }, ctx: ProductsContext) => {
      requireAdmin(ctx);
      return ctx.categoryTree.create(args.input);
    },
    updateCategory: (_root, args: { slug: string; input: CategoryUpdateInput }, ctx: ProductsContext) => {
      requireAdmin(ctx);
      return ctx.categoryTree.update(args.slug, args.input);
    },
    createCollection: (_root, args: { input: CollectionInput }, ctx: ProductsContext) => {
      requireAdmin(ctx);
      return ctx.collections.create(args.input);
    },
    updateCollection: (
      _root,
      args: { slug: string; input: Omit<CollectionInput, 'slug'> },
      ctx: ProductsContext,
    ) => {
      requireAdmin(ctx);
      return ctx.collections.update(args.slug, args.input);
    },
  },

  ProductConnection: {
    totalCount: (page: ProductPage) => page.totalCount(),
    facets: (page: ProductPage) => page.facets(),
  },

  Collection: {
    id: (collection: CollectionDoc) => String(collection._id),
    products: (collection: CollectionDoc, args: ListProductsArgs, ctx: ProductsContext, info) =>
      ctx.queries.listProducts({
        ...args,
        filter: { ...args.filter, collection: collection.slug },
        fields: documentFieldsSelected(info),
      }),
  },

  Product: {
    __resolveReference: (ref: { id: string }, ctx: ProductsContext) => productLoader(ctx).load(ref.id),
    id: (product: ProductDoc) => String(product._id),
    price: (product: ProductDoc) => money(product.priceAmount, product.currency),
    category: (product: ProductDoc, _args, ctx: ProductsContext) =>
      product.categorySlug ? categoryLoader(ctx).load(product.categorySlug) : null,
    images: (product: ProductDoc) => product.images ?? [],
    options: (product: ProductDoc) => product.options ?? [],
    variants: (product: ProductDoc): VariantView[] =>
      variantsOf(product).map((variant) => ({ product, variant })),
    defaultVariant: (product: ProductDoc): VariantView => ({ product, variant: defaultVariantOf(product) }),
    taxClass: (product: ProductDoc) => defaultVariantOf(product).taxClass,
    weightGrams: (product: ProductDoc) => defaultVariantOf(product).weightGrams,
  },

  ProductVariant: {
    __resolveReference: (ref: { id: string }, ctx: ProductsContext) => variantLoader(ctx).load(ref.id),
    id: ({ variant }: VariantView) => String(variant._id),
    product: ({ product }: VariantView) => product,
    sku: ({ variant }: VariantView) => variant.sku,
    title: ({ variant }: VariantView) => variantTitle(variant),
    selectedOptions: ({ variant }: VariantView) => variant.selectedOptions,
    price: ({ product, variant }: VariantView) => money(variantPrice(product, variant), product.currency),
    compareAtPrice: ({ product, variant }: VariantView) =>
      variant.compareAtPriceAmount == null ? null : money(variant.compareAtPriceAmount, product.currency),
    weightGrams: ({ variant }: VariantView) => variant.weightGrams,
    taxClass: ({ variant }: VariantView) => variant.taxClass,
    images: ({ product, variant }: VariantView) =>
      variant.images.length > 0 ? variant.images : (product.images ?? []),
    isDefault: ({ product, variant }: VariantView) => String(variant._id) === String(product._id),
    active: ({ product }: VariantView) => product.active,
    updatedAt: ({ product }: VariantView) => product.updatedAt,
  },

  Category: {
    id: (category: CategoryDoc) => String(category._id),
    parent: (category: CategoryDoc, _args, ctx: ProductsContext) =>
      category.parentSlug ? categoryLoader(ctx).load(category.parentSlug) : null,
    children: (category: CategoryDoc, _args, ctx: ProductsContext) => childrenLoader(ctx).load(category.slug),
    ancestors: async (category: CategoryDoc, _args, ctx: ProductsContext) =>
      (await categoryLoader(ctx).loadMany(category.path ?? [])).filter(
        (row): row is CategoryDoc => row !== null && !(row instanceof Error),
      ),
  },
};
