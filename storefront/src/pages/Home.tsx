import { useQuery } from '@apollo/client/react';
import { HOME } from '../graphql';
import { Link, usePageTitle } from '../router';
import { useSession } from '../session';
import { Loading, Problems, Section } from '../ui';
import { ProductCard } from './ProductCard';

export function HomePage() {
  usePageTitle('Home');
  const session = useSession();
  const { data, loading, error } = useQuery(HOME);
  return (
    <>
      <div className="hero">
        <h1 tabIndex={-1}>Welcome to NovaMart</h1>
        <p>Everything for everyday life, shipped fast. Free shipping on orders from $50.</p>
        <p>
          <Link to="/products" className="button">
            Browse the catalog
          </Link>
        </p>
      </div>
      {data && data.categories.length > 0 && (
        <nav aria-label="Categories">
          <ul className="chips">
            {data.categories.map((c) => (
              <li key={c.id}>
                <Link to={`/products?category=${encodeURIComponent(c.slug)}`}>{c.name}</Link>
              </li>
            ))}
          </ul>
        </nav>
      )}
      <Section title={session ? 'Recommended for you' : 'Popular right now'}>
        {loading && !data && <Loading what="recommendations" />}
        <Problems error={error} />
        {data && data.recommendations.length === 0 && <p className="muted">Nothing to recommend yet.</p>}
        <div className="grid">
          {data?.recommendations.map((r) => (
            <ProductCard key={r.product.id} product={r.product} note={r.reason} />
          ))}
        </div>
      </Section>
    </>
  );
}
