import { badUserInput } from '@novamart/kit';
import type { PipelineStage, QueryFilter } from 'mongoose';
import type { CategoryDoc } from '../models/category';
import type { CollectionDoc } from '../models/collection';
import type { ProductDoc } from '../models/product';
import { searchTerms } from './search-terms';
import { SLUG_PATTERN } from './slug';

export interface OptionValueInput {
  name: string;
  value: string;
}

export interface ProductFilter {
  search?: string | null;
  /** The category and its descendants. */
  categorySlug?: string | null;
  minPrice?: number | null;
  maxPrice?: number | null;
  collection?: string | null;
  /** Products with a variant having every one of these option values. */
  options?: readonly OptionValueInput[] | null;
  inStock?: boolean | null;
}

/** What a filter needs to read besides products; each read once per request. */
export interface FilterLookups {
  categories(): Promise<CategoryDoc[]>;
  collection(slug: string): Promise<CollectionDoc | null>;
}

/**
 * A filter split by facet: `base` (active, search, collection) always applies; each facet's count
 * applies every other part but its own ("given the others").
 */
export interface FilterParts {
  base: QueryFilter<ProductDoc>[];
  category: QueryFilter<ProductDoc> | null;
  price: QueryFilter<ProductDoc> | null;
  options: OptionValueInput[];
  inStock: QueryFilter<ProductDoc> | null;
  terms: string[] | null;
}

const MAX_SEARCH_LENGTH = 200;
const MAX_OPTION_FILTERS = 5;

/** Price bands of the price facet, minor units: [0, 10.00), [10.00, 20.00), ... and 500.00 up. */
export const PRICE_BANDS = [0, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000] as const;

export function and(parts: readonly QueryFilter<ProductDoc>[]): QueryFilter<ProductDoc> {
  if (parts.length === 0) return {};
  if (parts.length === 1) return parts[0]!;
  return { $and: [...parts] };
}

/** Products one of whose variants has every value of `pairs`. */
export function variantHas(pairs: readonly OptionValueInput[]): QueryFilter<ProductDoc> {
  return {
    variants: { $elemMatch: { $and: pairs.map((pair) => ({ selectedOptions: { $elemMatch: pair } })) } },
  } as QueryFilter<ProductDoc>;
}

function searchPart(filter: ProductFilter): { part: QueryFilter<ProductDoc> | null; terms: string[] | null } {
  const search = filter.search?.trim() || null;
  if (!search) return { part: null, terms: null };
  if (search.length > MAX_SEARCH_LENGTH) {
    throw badUserInput(`search must be at most ${MAX_SEARCH_LENGTH} characters`, 'filter.search');
  }
  // A query of stop words only ("the") matches nothing, as MongoDB's $text does.
  const terms = searchTerms(search);
  return { part: { searchTerms: terms.length > 0 ? { $all: terms } : { $in: [] } }, terms };
}

function pricePart(minPrice: number | null | undefined, maxPrice: number | null | undefined, field: string) {
  for (const [name, value] of [
    ['minPrice', minPrice],
    ['maxPrice', maxPrice],
  ] as const) {
    if (value != null && (!Number.isInteger(value) || value < 0)) {
      throw badUserInput(`${name} must be a non-negative integer of minor units`, `${field}.${name}`);
    }
  }
  if (minPrice != null && maxPrice != null && minPrice > maxPrice) {
    throw badUserInput('minPrice must not exceed maxPrice', `${field}.minPrice`);
  }
  if (minPrice == null && maxPrice == null) return null;
  return {
    priceAmount: {
      ...(minPrice != null ? { $gte: minPrice } : {}),
      ...(maxPrice != null ? { $lte: maxPrice } : {}),
    },
  };
}

/** The category and its descendants; products stored before the tree hold a root category only. */
function categoryPart(slug: string): QueryFilter<ProductDoc> {
  return { $or: [{ categoryPath: slug }, { categorySlug: slug }] };
}

async function collectionPart(slug: string, lookups: FilterLookups): Promise<QueryFilter<ProductDoc>> {
  if (!SLUG_PATTERN.test(slug)) throw badUserInput('Not a collection slug', 'filter.collection');
  const collection = await lookups.collection(slug);
  if (!collection) return { _id: { $in: [] } };
  if (collection.type === 'MANUAL') return { _id: { $in: collection.productIds } };
  const { categorySlug, minPrice, maxPrice } = collection.rule ?? {};
  return and(
    [
      categorySlug ? categoryPart(categorySlug) : null,
      pricePart(minPrice, maxPrice, 'filter.collection'),
    ].filter((part): part is QueryFilter<ProductDoc> => part !== null),
  );
}

function optionPairs(options: readonly OptionValueInput[] | null | undefined): OptionValueInput[] {
  const pairs = (options ?? []).map(({ name, value }) => ({ name, value }));
  if (pairs.length > MAX_OPTION_FILTERS) {
    throw badUserInput(`at most ${MAX_OPTION_FILTERS} option values`, 'filter.options');
  }
  if (new Set(pairs.map((p) => p.name)).size !== pairs.length) {
    throw badUserInput('One value per option', 'filter.options');
  }
  return pairs;
}

/** Checks a storefront filter and splits it by facet. */
export async function filterParts(filter: ProductFilter, lookups: FilterLookups): Promise<FilterParts> {
  const { part: search, terms } = searchPart(filter);
  const base: QueryFilter<ProductDoc>[] = [{ active: true }];
  if (search) base.push(search);
  if (filter.collection != null) base.push(await collectionPart(filter.collection, lookups));
  let category: QueryFilter<ProductDoc> | null = null;
  if (filter.categorySlug != null) {
    if (!SLUG_PATTERN.test(filter.categorySlug))
      throw badUserInput('Not a category slug', 'filter.categorySlug');
    category = categoryPart(filter.categorySlug);
  }
  const inStock =
    filter.inStock == null
      ? null
      : filter.inStock
        ? { stockAvailable: { $gt: 0 } }
        : { stockAvailable: { $not: { $gt: 0 } } };
  return {
    base,
    category,
    price: pricePart(filter.minPrice, filter.maxPrice, 'filter'),
    options: optionPairs(filter.options),
    inStock,
    terms,
  };
}

type Facet = 'category' | 'price' | 'options' | 'inStock';

/** Every part of the filter but `except`: what a facet's counts are taken under. */
export function allBut(parts: FilterParts, except: Facet | null): QueryFilter<ProductDoc> {
  const list = [...parts.base];
  if (except !== 'category' && parts.category) list.push(parts.category);
  if (except !== 'price' && parts.price) list.push(parts.price);
  if (except !== 'inStock' && parts.inStock) list.push(parts.inStock);
  if (except !== 'options' && parts.options.length > 0) list.push(variantHas(parts.options));
  return and(list);
}

/**
 * Counts of products per value of `name`-less options: under every other filter, and, for the
 * option values counted, only variants that also have the filter's other option values.
 */
function optionFacet(
  parts: FilterParts,
  pairs: OptionValueInput[],
  names: { $in: string[] } | { $nin: string[] },
) {
  const variantFilter = pairs.map((pair) => ({ 'variants.selectedOptions': { $elemMatch: pair } }));
  return [
    { $match: and([allBut(parts, 'options'), ...(pairs.length ? [variantHas(pairs)] : [])]) },
    { $unwind: '$variants' },
    ...(variantFilter.length ? [{ $match: { $and: variantFilter } }] : []),
    { $unwind: '$variants.selectedOptions' },
    { $match: { 'variants.selectedOptions.name': names } },
    {
      $group: {
        _id: { n: '$variants.selectedOptions.name', v: '$variants.selectedOptions.value', p: '$_id' },
      },
    },
    { $group: { _id: { n: '$_id.n', v: '$_id.v' }, count: { $sum: 1 } } },
  ];
}

/** The one aggregation of a page's facets: a `$facet` with a sub-pipeline per facet. */
export function facetPipeline(parts: FilterParts): PipelineStage[] {
  const filtered = parts.options.map((pair) => pair.name);
  const facets: Record<string, unknown[]> = {
    categories: [
      { $match: allBut(parts, 'category') },
      { $group: { _id: '$categorySlug', count: { $sum: 1 } } },
    ],
    prices: [
      { $match: allBut(parts, 'price') },
      {
        $bucket: {
          groupBy: '$priceAmount',
          boundaries: [...PRICE_BANDS],
          default: 'above',
          output: { count: { $sum: 1 } },
        },
      },
    ],
    inStock: [
      { $match: allBut(parts, 'inStock') },
      { $group: { _id: { $gt: [{ $ifNull: ['$stockAvailable', 0] }, 0] }, count: { $sum: 1 } } },
    ],
    options: optionFacet(parts, parts.options, { $nin: filtered }),
  };
  parts.options.forEach((pair, i) => {
    facets[`option${i}`] = optionFacet(
      parts,
      parts.options.filter((other) => other !== pair),
      { $in: [pair.name] },
    );
  });
  return [{ $match: and(parts.base) }, { $facet: facets } as PipelineStage];
}
