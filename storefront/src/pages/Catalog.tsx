import { useState, type FormEvent } from 'react';
import { useQuery } from '@apollo/client/react';
import { CATALOG } from '../graphql';
import { navigate, useLocation, usePageTitle } from '../router';
import { Loading, Problems } from '../ui';
import { ProductCard } from './ProductCard';

const PAGE_SIZE = 12;

/** Search, category and page live in the URL: a result page can be bookmarked, shared and reloaded. */
export function CatalogPage() {
  usePageTitle('Shop');
  const { query } = useLocation();
  const search = query.get('q') ?? '';
  const category = query.get('category') ?? '';
  const after = query.get('after');
  const page = Number(query.get('page') ?? '1');
  const [text, setText] = useState(search);
  const filter = { ...(search ? { search } : {}), ...(category ? { categorySlug: category } : {}) };
  const { data, loading, error } = useQuery<any>(CATALOG, {
    variables: { first: PAGE_SIZE, after, filter, sort: search ? 'RELEVANCE' : 'NEWEST' },
  });

  const go = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(query);
    for (const [k, v] of Object.entries(changes)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    const qs = next.toString();
    navigate(`/products${qs ? `?${qs}` : ''}`);
  };
  const onSearch = (event: FormEvent) => {
    event.preventDefault();
    go({ q: text.trim() || null, after: null, page: null });
  };

  const products = data?.products;
  return (
    <>
      <h1 tabIndex={-1}>Shop</h1>
      <div className="toolbar">
        <form role="search" onSubmit={onSearch} className="inline-form">
          <label htmlFor="catalog-search">Search products</label>
          <input id="catalog-search" type="search" value={text} onChange={(e) => setText(e.target.value)} />
          <button type="submit">Search</button>
        </form>
        <div className="inline-form">
          <label htmlFor="catalog-category">Category</label>
          <select
            id="catalog-category"
            value={category}
            onChange={(e) => go({ category: e.target.value || null, after: null, page: null })}
          >
            <option value="">All categories</option>
            {data?.categories.map((c: any) => (
              <option key={c.id} value={c.slug}>
                {c.name}
              </option>
            ))}
          </select>
        </div>
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
        {products?.edges.map((e: any) => (
          <ProductCard key={e.node.id} product={e.node} />
        ))}
      </div>
      <nav aria-label="Pages" className="pager">
        {/* Cursors only go forward: "Previous" goes back in the browser's history. */}
        {page > 1 && (
          <button type="button" onClick={() => window.history.back()}>
            Previous page
          </button>
        )}
        {products?.pageInfo.hasNextPage && (
          <button
            type="button"
            onClick={() => go({ after: products.pageInfo.endCursor, page: String(page + 1) })}
          >
            Next page
          </button>
        )}
      </nav>
    </>
  );
}
