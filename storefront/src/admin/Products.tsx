import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from '@apollo/client/react';
import { describeError } from '../errors';
import {
  ADJUST_STOCK,
  ADMIN_PRODUCT,
  ADMIN_PRODUCTS,
  ARCHIVE_PRODUCT,
  CREATE_PRODUCT,
  UPDATE_PRODUCT,
} from '../graphql';
import { Link, navigate, useLocation, usePageTitle } from '../router';
import { Field, Loading, Problems, Section, setFlash } from '../ui';

/** "12.50" → 1250: the admin types a price, the API stores integer minor units (and validates them). */
export function toMinorUnits(text: string): number | null {
  const match = /^\s*(\d{1,7})(?:[.,](\d{1,2}))?\s*$/.exec(text);
  if (!match) return null;
  return Number(match[1]) * 100 + Number((match[2] ?? '0').padEnd(2, '0'));
}

export function AdminProductsPage() {
  usePageTitle('Products');
  const { query } = useLocation();
  const search = query.get('q') ?? '';
  const [text, setText] = useState(search);
  const [after, setAfter] = useState<string[]>([]);
  const { data, loading, error } = useQuery<any>(ADMIN_PRODUCTS, {
    variables: { first: 25, after: after.at(-1) ?? null, filter: search ? { search } : {} },
    fetchPolicy: 'cache-and-network',
  });
  const products = data?.products;
  return (
    <>
      <h1 tabIndex={-1}>Products</h1>
      <div className="toolbar">
        <form
          role="search"
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            setAfter([]);
            navigate(
              text.trim() ? `/admin/products?q=${encodeURIComponent(text.trim())}` : '/admin/products',
            );
          }}
        >
          <label htmlFor="admin-search">Search products</label>
          <input id="admin-search" type="search" value={text} onChange={(e) => setText(e.target.value)} />
          <button type="submit">Search</button>
        </form>
        <Link to="/admin/products/new" className="button">
          New product
        </Link>
      </div>
      <Problems error={error} />
      {loading && !data && <Loading what="products" />}
      {products && (
        <>
          <p className="muted">{products.totalCount} active products</p>
          <table className="lines">
            <caption className="visually-hidden">Active products, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">SKU</th>
                <th scope="col">Price</th>
                <th scope="col">Available</th>
                <th scope="col">Reserved</th>
              </tr>
            </thead>
            <tbody>
              {products.edges.map(({ node }: any) => (
                <tr key={node.id}>
                  <td>
                    <Link to={`/admin/products/${node.id}`}>{node.name}</Link>
                  </td>
                  <td>{node.sku}</td>
                  <td>{node.price.formatted}</td>
                  <td>
                    {node.inventory.available}
                    {node.inventory.lowStock && <span className="badge badge-low"> low</span>}
                  </td>
                  <td>{node.inventory.reserved}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="pager">
            {after.length > 0 && (
              <button type="button" onClick={() => setAfter((a) => a.slice(0, -1))}>
                Previous page
              </button>
            )}
            {products.pageInfo.hasNextPage && (
              <button type="button" onClick={() => setAfter((a) => [...a, products.pageInfo.endCursor])}>
                Next page
              </button>
            )}
          </div>
        </>
      )}
    </>
  );
}

export function NewProductPage() {
  usePageTitle('New product');
  const [create, state] = useMutation<any>(CREATE_PRODUCT);
  const [form, setForm] = useState({
    name: '',
    sku: '',
    description: '',
    price: '',
    currency: 'USD',
    category: '',
    stock: '0',
    image: '',
  });
  const [error, setError] = useState<unknown>(null);
  const [priceError, setPriceError] = useState<string | undefined>();
  const set = (key: keyof typeof form) => (e: { target: { value: string } }) =>
    setForm((f) => ({ ...f, [key]: e.target.value }));
  const problems = describeError(error);
  const fieldError = (name: string) => problems.find((p) => p.field?.endsWith(name))?.message;

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    const priceAmount = toMinorUnits(form.price);
    setPriceError(priceAmount === null ? 'Enter a price such as 19.99' : undefined);
    if (priceAmount === null) return;
    try {
      const result = await create({
        variables: {
          input: {
            name: form.name.trim(),
            sku: form.sku.trim(),
            description: form.description.trim(),
            priceAmount,
            currency: form.currency,
            initialStock: Number(form.stock) || 0,
            ...(form.category.trim() ? { categorySlug: form.category.trim() } : {}),
            ...(form.image.trim() ? { images: [{ url: form.image.trim(), alt: form.name.trim() }] } : {}),
          },
        },
      });
      const product = result.data?.createProduct;
      if (product) {
        setFlash(
          `Created ${product.name}: it is in the shop at /products/${product.slug}.`,
          `/admin/products/${product.id}`,
        );
        navigate(`/admin/products/${product.id}`);
      }
    } catch (err) {
      setError(err);
    }
  };
  return (
    <>
      <h1 tabIndex={-1}>New product</h1>
      <form onSubmit={onSubmit} className="narrow">
        <Field label="Name" required value={form.name} onChange={set('name')} error={fieldError('name')} />
        <Field label="SKU" required value={form.sku} onChange={set('sku')} error={fieldError('sku')} />
        <div className="field">
          <label htmlFor="new-description">Description</label>
          <textarea
            id="new-description"
            required
            rows={4}
            value={form.description}
            onChange={set('description')}
          />
          {fieldError('description') && <small className="field-error">{fieldError('description')}</small>}
        </div>
        <Field
          label="Price"
          inputMode="decimal"
          required
          value={form.price}
          onChange={set('price')}
          hint="In the currency below, e.g. 19.99"
          error={priceError ?? fieldError('priceAmount')}
        />
        <div className="field">
          <label htmlFor="new-currency">Currency</label>
          <select id="new-currency" value={form.currency} onChange={set('currency')}>
            {['USD', 'EUR', 'GBP', 'CAD'].map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
        </div>
        <Field
          label="Category (slug, optional)"
          value={form.category}
          onChange={set('category')}
          error={fieldError('categorySlug')}
        />
        <Field
          label="Opening stock"
          type="number"
          min={0}
          value={form.stock}
          onChange={set('stock')}
          error={fieldError('initialStock')}
        />
        <Field label="Image URL (optional)" type="url" value={form.image} onChange={set('image')} />
        <Problems problems={problems.filter((p) => !p.field)} />
        <button type="submit" disabled={state.loading}>
          {state.loading ? 'Creating…' : 'Create product'}
        </button>
      </form>
    </>
  );
}

export function EditProductPage({ id }: { id: string }) {
  // Stock moves with every order (and a new product's opening stock is booked a moment after it
  // is created): the page re-reads it every few seconds.
  const { data, loading, error } = useQuery<any>(ADMIN_PRODUCT, { variables: { id }, pollInterval: 3000 });
  const product = data?.product;
  usePageTitle(product ? `Edit ${product.name}` : 'Product');
  if (loading && !data) return <Loading what="the product" />;
  if (!product)
    return (
      <>
        <h1 tabIndex={-1}>Product not found</h1>
        <Problems error={error} />
      </>
    );
  return (
    <>
      <h1 tabIndex={-1}>{product.name}</h1>
      <p className="muted">
        SKU {product.sku} ·{' '}
        {product.active ? <Link to={`/products/${product.slug}`}>view in the shop</Link> : 'archived'}
      </p>
      <ProductDetailsForm key={product.id} product={product} />
      <StockForm product={product} />
      {product.active && <ArchiveButton product={product} />}
    </>
  );
}

function ProductDetailsForm({ product }: { product: any }) {
  const [update, state] = useMutation<any>(UPDATE_PRODUCT);
  const [form, setForm] = useState({
    name: product.name,
    description: product.description,
    price: (product.price.amount / 100).toFixed(2),
    category: product.category?.slug ?? '',
  });
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const set = (key: keyof typeof form) => (e: { target: { value: string } }) =>
    setForm((f) => ({ ...f, [key]: e.target.value }));
  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setSaved(false);
    const priceAmount = toMinorUnits(form.price);
    if (priceAmount === null) {
      setError(new Error('Enter a price such as 19.99'));
      return;
    }
    try {
      await update({
        variables: {
          id: product.id,
          input: {
            name: form.name.trim(),
            description: form.description.trim(),
            priceAmount,
            categorySlug: form.category.trim() || null,
          },
        },
      });
      setSaved(true);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Section title="Details">
      <form onSubmit={onSubmit} className="narrow">
        <Field label="Name" required value={form.name} onChange={set('name')} />
        <div className="field">
          <label htmlFor="edit-description">Description</label>
          <textarea id="edit-description" rows={4} value={form.description} onChange={set('description')} />
        </div>
        <Field
          label={`Price (${product.price.currency})`}
          inputMode="decimal"
          required
          value={form.price}
          onChange={set('price')}
        />
        <Field label="Category (slug)" value={form.category} onChange={set('category')} />
        {error instanceof Error && !('errors' in error) ? (
          <p role="alert" className="problem">
            {error.message}
          </p>
        ) : (
          <Problems error={error} />
        )}
        {saved && (
          <p role="status" className="success">
            Saved.
          </p>
        )}
        <button type="submit" disabled={state.loading}>
          Save changes
        </button>
      </form>
    </Section>
  );
}

const REASONS = ['PURCHASE', 'RETURN', 'DAMAGE', 'ADJUSTMENT'] as const;

function StockForm({ product }: { product: any }) {
  const [adjust, state] = useMutation<any>(ADJUST_STOCK);
  const [delta, setDelta] = useState('');
  const [reason, setReason] = useState<(typeof REASONS)[number]>('PURCHASE');
  const [reference, setReference] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const inv = product.inventory;
  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setDone(null);
    const n = Number(delta);
    const signed = reason === 'DAMAGE' ? -Math.abs(n) : n;
    try {
      const result = await adjust({
        variables: {
          productId: product.id,
          delta: signed,
          reason,
          ...(reference.trim() ? { reference: reference.trim() } : {}),
        },
        // The product's Inventory has no id of its own: write the answer into it.
        update(cache, { data }) {
          if (!data) return;
          cache.modify({
            id: cache.identify({ __typename: 'Product', id: product.id }),
            fields: { inventory: () => data.adjustStock },
          });
        },
      });
      setDone(`Stock updated: ${result.data?.adjustStock.available} available.`);
      setDelta('');
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Section title="Stock">
      <p aria-live="polite">
        Available <strong data-testid="available">{inv.available}</strong> · reserved {inv.reserved} · on hand{' '}
        {inv.onHand} · reorder at {inv.reorderLevel}
        {inv.lowStock && <span className="badge badge-low"> low stock</span>}
      </p>
      <form onSubmit={onSubmit} className="inline-form wrap">
        <Field
          label="Change (units)"
          type="number"
          required
          value={delta}
          onChange={(e) => setDelta(e.target.value)}
          hint="Negative to take stock out"
        />
        <div className="field">
          <label htmlFor="stock-reason">Reason</label>
          <select
            id="stock-reason"
            value={reason}
            onChange={(e) => setReason(e.target.value as (typeof REASONS)[number])}
          >
            {REASONS.map((r) => (
              <option key={r} value={r}>
                {r.toLowerCase()}
              </option>
            ))}
          </select>
        </div>
        <Field label="Note (optional)" value={reference} onChange={(e) => setReference(e.target.value)} />
        <button type="submit" disabled={state.loading}>
          Adjust stock
        </button>
      </form>
      <Problems error={error} />
      {done && (
        <p role="status" className="success">
          {done}
        </p>
      )}
    </Section>
  );
}

function ArchiveButton({ product }: { product: any }) {
  const [archive, state] = useMutation<any>(ARCHIVE_PRODUCT);
  const [error, setError] = useState<unknown>(null);
  return (
    <Section title="Archive">
      <p>Archived products leave the shop; past orders keep them.</p>
      <Problems error={error} />
      <button
        type="button"
        className="danger"
        disabled={state.loading}
        onClick={async () => {
          if (!window.confirm(`Archive ${product.name}? It leaves the shop.`)) return;
          setError(null);
          try {
            await archive({ variables: { id: product.id } });
            setFlash(`${product.name} was archived.`);
          } catch (err) {
            setError(err);
          }
        }}
      >
        Archive product
      </button>
    </Section>
  );
}
