import { badUserInput, encodeCursor, pageArgs, type PageInfo } from '@novamart/kit';
import { isObjectIdOrHexString, Types, type QueryFilter, type PipelineStage } from 'mongoose';
import type { CategoryDoc, CategoryModel } from '../models/category';
import type { ProductDoc, ProductModel, VariantDoc } from '../models/product';
import type { CollectionService } from './collection-service';
import {
  allBut,
  facetPipeline,
  filterParts,
  PRICE_BANDS,
  type FilterLookups,
  type FilterParts,
  type ProductFilter,
} from './product-filter';
import { NAME_WEIGHT } from './search-terms';
import type { StockRefresh } from './stock-projection';
import { withDescendants } from './category-tree';
import { variantsOf } from './variants';

export type { ProductFilter } from './product-filter';

/** A variant with the product it belongs to (its price, name and active flag are the product's). */
export interface VariantView {
  product: ProductDoc;
  variant: VariantDoc;
}

export type ProductSort = 'NEWEST' | 'PRICE_ASC' | 'PRICE_DESC' | 'NAME_ASC' | 'RELEVANCE';

export interface ListProductsArgs {
  first?: number | null;
  after?: string | null;
  filter?: ProductFilter | null;
  sort?: ProductSort | null;
  /** The document fields the nodes need (list-projection.ts); absent or null: all of them. */
  fields?: readonly string[] | null;
}

export interface ProductPage {
  edges: { cursor: string; node: ProductDoc }[];
  pageInfo: PageInfo;
  /** Counted only when asked for: a page without `totalCount` costs one command. */
  totalCount(): Promise<number>;
  /** Computed only when asked for: one aggregation (plus the category list). */
  facets(): Promise<ProductFacets>;
}

/** Counts per facet value, each under every filter but its own. */
export interface ProductFacets {
  /** Per category, its products and its descendants' (categories with none left out). */
  categories: { category: CategoryDoc; count: number }[];
  options: { name: string; value: string; count: number }[];
  priceBands: { min: number; max: number | null; count: number }[];
  inStock: number;
  outOfStock: number;
}

interface FacetRows {
  categories: { _id: string | null; count: number }[];
  prices: { _id: number | 'above'; count: number }[];
  inStock: { _id: boolean; count: number }[];
  [options: string]: { _id: unknown; count: number }[];
}

export interface ProductQueriesDeps {
  Category: CategoryModel;
  collections: CollectionService;
  /** Brings the in-stock projection up to inventory's answer before it is read; absent in service tests. */
  stock?: StockRefresh | null;
}

/** Lookups of one request's filter, each read at most once. */
function requestLookups(deps: ProductQueriesDeps): FilterLookups {
  let categories: Promise<CategoryDoc[]> | undefined;
  return {
    categories: () => (categories ??= deps.Category.find().lean<CategoryDoc[]>().exec()),
    collection: (slug) => deps.collections.bySlug(slug),
  };
}

function facetsOf(rows: FacetRows, categories: readonly CategoryDoc[]): ProductFacets {
  const bySlug = new Map(rows.categories.map((row) => [row._id, row.count]));
  const options = Object.entries(rows)
    .filter(([key]) => key.startsWith('option'))
    .flatMap(([, list]) =>
      list.map((row) => {
        const id = row._id as { n: string; v: string };
        return { name: id.n, value: id.v, count: row.count };
      }),
    )
    .sort((a, b) => a.name.localeCompare(b.name) || a.value.localeCompare(b.value));
  return {
    categories: categories
      .map((category) => ({
        category,
        count: withDescendants(category.slug, categories).reduce(
          (sum, slug) => sum + (bySlug.get(slug) ?? 0),
          0,
        ),
      }))
      .filter((row) => row.count > 0)
      .sort((a, b) => a.category.name.localeCompare(b.category.name)),
    options,
    priceBands: rows.prices.map((row) => {
      const at = PRICE_BANDS.indexOf(row._id as (typeof PRICE_BANDS)[number]);
      return row._id === 'above'
        ? { min: PRICE_BANDS.at(-1)!, max: null, count: row.count }
        : { min: PRICE_BANDS[at]!, max: PRICE_BANDS[at + 1] ?? null, count: row.count };
    }),
    inStock: rows.inStock.find((row) => row._id === true)?.count ?? 0,
    outOfStock: rows.inStock.find((row) => row._id === false)?.count ?? 0,
  };
}

export const MAX_PAGE_SIZE = 100;

// Search terms are for matching; lists do not need to carry them. Nor the events a product
// carries until they are published (`select: false` keeps them from finds, not from aggregations).
const LIST_PROJECTION = { nameTerms: 0, searchTerms: 0, pendingEvents: 0 } as const;

type Projection = Record<string, 0 | 1>;

/** What a page reads: the fields asked for and the sort key its cursors hold, or all but the terms. */
function pageProjection(fields: readonly string[] | null | undefined, sortField: SortField): Projection {
  if (!fields) return LIST_PROJECTION;
  return Object.fromEntries([...fields, sortField].map((name) => [name, 1]));
}

type SortField = 'createdAt' | 'priceAmount' | 'nameKey' | 'score';

/** Each sort is one key plus `_id` in the same direction: the keyset the cursor holds. */
const SORTS: Record<ProductSort, { field: SortField; direction: 1 | -1 }> = {
  NEWEST: { field: 'createdAt', direction: -1 },
  PRICE_ASC: { field: 'priceAmount', direction: 1 },
  PRICE_DESC: { field: 'priceAmount', direction: -1 },
  NAME_ASC: { field: 'nameKey', direction: 1 },
  RELEVANCE: { field: 'score', direction: -1 },
};

/** Position after the last row of a page. Dates travel as epoch milliseconds. */
interface CursorPosition {
  s: ProductSort;
  v: number | string;
  id: string;
  /** RELEVANCE only: the search terms the score belongs to. */
  q?: string;
}

type Row = ProductDoc & { score?: number };

function sortValue(row: Row, field: SortField): number | string {
  if (field === 'createdAt') return row.createdAt.getTime();
  if (field === 'score') return row.score ?? 0;
  return row[field];
}

function validCursor(
  position: unknown,
  sort: ProductSort,
  field: SortField,
  query: string | undefined,
): position is CursorPosition {
  if (typeof position !== 'object' || position === null) return false;
  const p = position as Partial<CursorPosition>;
  const valueType = field === 'nameKey' ? 'string' : 'number';
  return (
    p.s === sort &&
    p.q === query &&
    typeof p.v === valueType &&
    typeof p.id === 'string' &&
    isObjectIdOrHexString(p.id)
  );
}

/** Rows strictly after the cursor in (field, _id) order. */
function keysetAfter(position: CursorPosition, field: SortField, direction: 1 | -1): QueryFilter<Row> {
  const op = direction === 1 ? '$gt' : '$lt';
  const value = field === 'createdAt' ? new Date(position.v as number) : position.v;
  const id = new Types.ObjectId(position.id);
  return { $or: [{ [field]: { [op]: value } }, { [field]: value, _id: { [op]: id } }] };
}

/** The relevance search: every match holds all query terms; those also in the name weigh more. */
function relevancePipeline(
  query: QueryFilter<ProductDoc>,
  terms: string[],
  position: CursorPosition | null,
  { field, direction }: (typeof SORTS)[ProductSort],
  first: number,
  projection: Projection,
): PipelineStage[] {
  const overlap = (path: string) => ({ $size: { $setIntersection: [{ $ifNull: [path, []] }, terms] } });
  // The score is computed in the query, so the keyset on it is applied after it.
  return [
    { $match: query },
    {
      $addFields: {
        score: { $add: [{ $multiply: [NAME_WEIGHT, overlap('$nameTerms')] }, overlap('$searchTerms')] },
      },
    },
    ...(position ? [{ $match: keysetAfter(position, field, direction) } as PipelineStage] : []),
    { $sort: { score: -1, _id: -1 } },
    { $limit: first + 1 },
    { $project: projection },
  ];
}

/** Storefront reads of the catalog. */
export class ProductQueries {
  constructor(
    private readonly Product: ProductModel,
    private readonly deps: ProductQueriesDeps,
  ) {}

  async listProducts(args: ListProductsArgs): Promise<ProductPage> {
    const { first, after } = pageArgs<unknown>(args, { max: MAX_PAGE_SIZE, defaultFirst: 20 });
    const lookups = requestLookups(this.deps);
    const parts = await filterParts(args.filter ?? {}, lookups);
    const { terms } = parts;
    const query = allBut(parts, null);
    // Read your own writes: a stock change the client just made shows in the in-stock filter.
    if (parts.inStock) await this.deps.stock?.refresh();
    // Relevance means nothing without a search; such a request is served newest first.
    const sort: ProductSort = args.sort === 'RELEVANCE' && !terms ? 'NEWEST' : (args.sort ?? 'NEWEST');
    const { field } = SORTS[sort];
    // A relevance score means something only for the search that produced it.
    const scoredQuery = sort === 'RELEVANCE' ? (terms ?? []).join(' ') : undefined;
    if (after !== null && !validCursor(after, sort, field, scoredQuery)) {
      throw badUserInput('Invalid cursor for this sort', 'after');
    }
    const projection = pageProjection(args.fields, field);
    const rows = await this.pageRows(query, terms, sort, after as CursorPosition | null, first, projection);
    const edges = rows.slice(0, first).map((row) => {
      const { score: _score, ...node } = row;
      const position: CursorPosition = {
        s: sort,
        v: sortValue(row, field),
        id: String(row._id),
        ...(scoredQuery !== undefined ? { q: scoredQuery } : {}),
      };
      return { cursor: encodeCursor(position), node: node as ProductDoc };
    });
    let total: Promise<number> | undefined;
    let facets: Promise<ProductFacets> | undefined;
    return {
      edges,
      pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null },
      totalCount: () => (total ??= this.Product.countDocuments(query).exec()),
      facets: () => (facets ??= this.facets(parts, lookups)),
    };
  }

  private async facets(parts: FilterParts, lookups: FilterLookups): Promise<ProductFacets> {
    if (!parts.inStock) await this.deps.stock?.refresh();
    const [rows, categories] = await Promise.all([
      this.Product.aggregate<FacetRows>(facetPipeline(parts)).exec(),
      lookups.categories(),
    ]);
    return facetsOf(rows[0] ?? { categories: [], prices: [], inStock: [] }, categories);
  }

  /** One more row than the page holds (whether there is a next page), after the cursor's position. */
  private pageRows(
    query: QueryFilter<ProductDoc>,
    terms: string[] | null,
    sort: ProductSort,
    position: CursorPosition | null,
    first: number,
    projection: Projection,
  ): Promise<Row[]> {
    const { field, direction } = SORTS[sort];
    if (sort === 'RELEVANCE') {
      return this.Product.aggregate<Row>(
        relevancePipeline(query, terms ?? [], position, SORTS[sort], first, projection),
      ).exec();
    }
    const filter = position ? { ...query, ...keysetAfter(position, field, direction) } : query;
    return this.Product.find(filter, projection)
      .sort({ [field]: direction, _id: direction })
      .limit(first + 1)
      .lean<Row[]>()
      .exec();
  }

  /** Any product, archived ones included (entities of old orders). Null for an unknown or malformed id. */
  async findById(id: string): Promise<ProductDoc | null> {
    if (!isObjectIdOrHexString(id)) return null;
    return this.Product.findById(id).lean<ProductDoc>().exec();
  }

  async findBySlug(slug: string): Promise<ProductDoc | null> {
    return this.Product.findOne({ slug }).lean<ProductDoc>().exec();
  }

  async byIds(ids: readonly string[]): Promise<(ProductDoc | null)[]> {
    const valid = [...new Set(ids.filter((id) => isObjectIdOrHexString(id)))];
    const rows = valid.length
      ? await this.Product.find({ _id: { $in: valid } })
          .lean<ProductDoc[]>()
          .exec()
      : [];
    const byId = new Map(rows.map((row) => [String(row._id), row]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  /**
   * Variants by id in one find. A default variant's id is its product's, so products stored before
   * variants (not backfilled yet) are matched by `_id` too.
   */
  async variantsByIds(ids: readonly string[]): Promise<(VariantView | null)[]> {
    const valid = [...new Set(ids.filter((id) => isObjectIdOrHexString(id)))].map(
      (id) => new Types.ObjectId(id),
    );
    const rows = valid.length
      ? await this.Product.find({ $or: [{ 'variants._id': { $in: valid } }, { _id: { $in: valid } }] })
          .lean<ProductDoc[]>()
          .exec()
      : [];
    const byId = new Map<string, VariantView>();
    for (const product of rows) {
      for (const variant of variantsOf(product)) byId.set(String(variant._id), { product, variant });
    }
    return ids.map((id) => byId.get(id) ?? null);
  }
}
