import { useState, type FormEvent } from 'react';
import { useQuery } from '@apollo/client/react';
import { useAddToCart } from '../cart';
import { PRODUCT } from '../graphql';
import type { ProductPageQuery } from '../graphql-types';
import { Link, useLocation, usePageTitle } from '../router';
import { Loading, Problems, Section } from '../ui';
import { ProductCard } from './ProductCard';
import { RatingLink, Reviews } from './Reviews';
import { VariantPicker, useVariantChoice } from './VariantPicker';
import { WishlistButton } from './WishlistButton';

export function ProductPage({ slug }: { slug: string }) {
  const { data, loading, error } = useQuery(PRODUCT, { variables: { slug } });
  const product = data?.product;
  usePageTitle(product?.name ?? 'Product');

  if (loading && !data) return <Loading what="the product" />;
  if (!product)
    return (
      <>
        <h1 tabIndex={-1}>Product not found</h1>
        <Problems error={error} />
        <Link to="/products">Back to the shop</Link>
      </>
    );

  const image = product.images[0];
  return (
    <>
      <nav aria-label="Breadcrumb" className="muted small">
        <Link to="/products">Shop</Link>
        {product.category && (
          <>
            {' › '}
            <Link to={`/products?category=${encodeURIComponent(product.category.slug)}`}>
              {product.category.name}
            </Link>
          </>
        )}
      </nav>
      <div className="product">
        {image ? (
          <img src={image.url} alt={image.alt ?? product.name} width={480} height={360} />
        ) : (
          <div className="placeholder big" aria-hidden="true">
            {product.name.slice(0, 1)}
          </div>
        )}
        <div>
          <h1 tabIndex={-1}>{product.name}</h1>
          <RatingLink productId={product.id} />
          <BuyBox product={product} />
          <WishlistButton product={product} />
        </div>
      </div>
      <Reviews productId={product.id} />
      {product.frequentlyBoughtTogether.length > 0 && (
        <Section title="Frequently bought together">
          <div className="grid">
            {product.frequentlyBoughtTogether.map((r) => (
              <ProductCard key={r.product.id} product={r.product} note={r.reason} />
            ))}
          </div>
        </Section>
      )}
    </>
  );
}

/**
 * Price, stock and "Add to cart" of the product, or of the variant the shopper picked when the
 * product has options: each variant has its own price, SKU and stock, all as the API answers them.
 */
function BuyBox({ product }: { product: NonNullable<ProductPageQuery['product']> }) {
  // A cart or order line links here with its variant, which the picker then starts on.
  const { query } = useLocation();
  const [choice, choose] = useVariantChoice(product, query.get('variant'));
  const hasOptions = product.options.length > 0;
  // Without options the product is its default variant: shown and bought as before variants.
  const variant = hasOptions ? choice.variant : null;
  const price = hasOptions ? variant?.price : product.price;
  const inv = hasOptions ? variant?.inventory : product.inventory;
  const sku = hasOptions ? variant?.sku : product.sku;
  const what = variant ? `${product.name} (${variant.title})` : product.name;
  return (
    <>
      {hasOptions && <VariantPicker options={product.options} values={choice.values} onChange={choose} />}
      {/* Announced as the shopper changes an option: the picked variant's price and stock. */}
      <div aria-live="polite">
        {price && (
          <p className="price big" data-testid="price">
            {price.formatted}
          </p>
        )}
        {inv ? (
          <p className={inv.inStock ? 'stock' : 'stock out'} data-testid="stock">
            {inv.inStock
              ? `${inv.available} in stock${inv.lowStock ? ' — only a few left' : ''}`
              : 'Out of stock'}
          </p>
        ) : (
          <p className="stock out" data-testid="stock">
            Not sold in this combination: choose other options.
          </p>
        )}
      </div>
      {!product.active && <p className="problem">This product is no longer sold.</p>}
      <p>{product.description}</p>
      {sku && <p className="muted small">SKU {sku}</p>}
      {product.active && inv?.inStock && (
        <AddToCartForm productId={product.id} variantId={variant?.id} what={what} />
      )}
    </>
  );
}

function AddToCartForm({
  productId,
  variantId,
  what,
}: {
  productId: string;
  variantId?: string;
  what: string;
}) {
  const [quantity, setQuantity] = useState(1);
  const [add, addState] = useAddToCart();
  const [added, setAdded] = useState<string | null>(null);
  const [addError, setAddError] = useState<unknown>(null);

  const onAdd = async (event: FormEvent) => {
    event.preventDefault();
    setAdded(null);
    setAddError(null);
    try {
      const cart = await add(productId, quantity, variantId);
      if (cart)
        setAdded(
          `Added ${quantity} × ${what} to your cart (${cart.itemCount} item${cart.itemCount === 1 ? '' : 's'}, subtotal ${cart.subtotal.formatted}).`,
        );
    } catch (err) {
      setAddError(err);
    }
  };
  return (
    <>
      <form onSubmit={onAdd} className="inline-form">
        <label htmlFor="quantity">Quantity</label>
        <input
          id="quantity"
          type="number"
          min={1}
          max={99}
          value={quantity}
          onChange={(e) => setQuantity(Math.max(1, Math.min(99, Number(e.target.value) || 1)))}
        />
        <button type="submit" disabled={addState.loading}>
          {addState.loading ? 'Adding…' : 'Add to cart'}
        </button>
      </form>
      <Problems error={addError} />
      {added && (
        <p role="status" className="success">
          {added} <Link to="/cart">View cart</Link>
        </p>
      )}
    </>
  );
}
