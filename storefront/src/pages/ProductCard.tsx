import type { ProductCardFragment } from '../graphql-types';
import { Link } from '../router';

export function ProductCard({ product, note }: { product: ProductCardFragment; note?: string }) {
  const image = product.images?.[0];
  return (
    <article className="card">
      {image ? (
        <img src={image.url} alt={image.alt ?? ''} loading="lazy" width={240} height={180} />
      ) : (
        <div className="placeholder" aria-hidden="true">
          {product.name.slice(0, 1)}
        </div>
      )}
      <h3>
        <Link to={`/products/${product.slug}`}>{product.name}</Link>
      </h3>
      <p className="price">{product.price.formatted}</p>
      <p className={product.inventory.inStock ? 'stock' : 'stock out'}>
        {product.inventory.inStock ? 'In stock' : 'Out of stock'}
      </p>
      {note && <p className="muted small">{note}</p>}
    </article>
  );
}
