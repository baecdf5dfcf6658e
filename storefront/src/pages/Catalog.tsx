import { useQuery } from '@apollo/client/react';
import { CATALOG } from '../graphql';
import type { CatalogQuery } from '../graphql-types';
import { navigate, useLocation, usePageTitle } from '../router';
import { Loading, Problems, ProductSearch } from '../ui';
import { ProductCard } from './ProductCard';

const PAGE_SIZE = 12;

type Go = (changes: Record<string, string | null>) => void;

/** Search, category and page live in the URL: a result page can be bookmarked, shared and reloaded. */
function useCatalogUrl() {
  const { query } = useLocation();
  const go: Go = (changes) => {
    const next = new URLSearchParams(query);
    for (const [k, v] of Object.entries(changes)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    const qs = next.toString();
    navigate(`/products${qs ? `?${qs}` : ''}`);
  };
  return {
    search: query.get('q') ?? '',
    category: query.get('category') ?? '',
    after: query.get('after'),
    page: Number(query.get('page') ?? '1'),
    go,
  };
}

export function CatalogPage() {
  usePageTitle('Shop');
  const { search, category, after, page, go } = useCatalogUrl();
  const filter = { ...(search ? { search } : {}), ...(category ? { categorySlug: category } : {}) };
  const { data, loading, error } = useQuery(CATALOG, {
    variables: { first: PAGE_SIZE, after, filter, sort: search ? 'RELEVANCE' : 'NEWEST' },
  });
  const products = data?.products;
  return (
    <>
      <h1 tabIndex={-1}>Shop</h1>
      <div className="toolbar">
        <ProductSearch
          id="catalog-search"
          search={search}
          onSearch={(text) => go({ q: text || null, after: null, page: null })}
        />
        <CategorySelect category={category} categories={data?.categories} go={go} />
      </div>
      <Problems error={error} />
      {loading && !data && <Loading what="products" />}
      {products && (
        <p role="status" className="muted">
          {products.totalCount} product{products.totalCount === 1 ? '' : 's'}
          {search ? ` matching “${search}”` : ''}
          {products.totalCount > PAGE_SIZE
            ? ` · page ${page} of ${Math.ceil(products.totalCount / PAGE_SIZE)}`
            : ''}
        </p>
      )}
      <div className="grid">
        {products?.edges.map((e) => (
          <ProductCard key={e.node.id} product={e.node} />
        ))}
      </div>
      <CatalogPager page={page} pageInfo={products?.pageInfo} go={go} />
    </>
  );
}

function CategorySelect({
  category,
  categories,
  go,
}: {
  category: string;
  categories?: CatalogQuery['categories'];
  go: Go;
}) {
  return (
    <div className="inline-form">
      <label htmlFor="catalog-category">Category</label>
      <select
        id="catalog-category"
        value={category}
        onChange={(e) => go({ category: e.target.value || null, after: null, page: null })}
      >
        <option value="">All categories</option>
        {categories?.map((c) => (
          <option key={c.id} value={c.slug}>
            {c.name}
          </option>
        ))}
      </select>
    </div>
  );
}

function CatalogPager({
  page,
  pageInfo,
  go,
}: {
  page: number;
  pageInfo?: CatalogQuery['products']['pageInfo'];
  go: Go;
}) {
  return (
    <nav aria-label="Pages" className="pager">
      {/* Cursors only go forward: "Previous" goes back in the browser's history. */}
      {page > 1 && (
        <button type="button" onClick={() => window.history.back()}>
          Previous page
        </button>
      )}
      {pageInfo?.hasNextPage && (
        <button type="button" onClick={() => go({ after: pageInfo.endCursor, page: String(page + 1) })}>
          Next page
        </button>
      )}
    </nav>
  );
}
