import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from '@apollo/client/react';
import { describeError, problemWith } from '../errors';
import { ADMIN_PRODUCT, ADMIN_PRODUCTS, ARCHIVE_PRODUCT, CREATE_PRODUCT, UPDATE_PRODUCT } from '../graphql';
import type { AdminProductFieldsFragment, AdminProductQuery } from '../graphql-types';
import { Link, navigate, useLocation, usePageTitle } from '../router';
import { CursorPager, Field, fieldSetter, Loading, Problems, ProductSearch, Section, setFlash } from '../ui';
import { CURRENCIES, fromMinorUnits, toMinorUnits } from './money-input';
import { StockForm } from './ProductStock';

export function AdminProductsPage() {
  usePageTitle('Products');
  const { query } = useLocation();
  const search = query.get('q') ?? '';
  // The results remount, back on their first page, for every search sent and every search the
  // browser's Back or Forward returns to: a cursor only means something in the list it came from.
  const [searchesSent, setSearchesSent] = useState(0);
  return (
    <>
      <h1 tabIndex={-1}>Products</h1>
      <div className="toolbar">
        <ProductSearch
          id="admin-search"
          search={search}
          onSearch={(text) => {
            setSearchesSent((n) => n + 1);
            navigate(text ? `/admin/products?q=${encodeURIComponent(text)}` : '/admin/products');
          }}
        />
        <Link to="/admin/products/new" className="button">
          New product
        </Link>
      </div>
      <AdminProductResults key={`${searchesSent}:${search}`} search={search} />
    </>
  );
}

function AdminProductResults({ search }: { search: string }) {
  const [after, setAfter] = useState<string[]>([]);
  const { data, loading, error } = useQuery(ADMIN_PRODUCTS, {
    variables: { first: 25, after: after.at(-1) ?? null, filter: search ? { search } : {} },
    fetchPolicy: 'cache-and-network',
  });
  const products = data?.products;
  return (
    <>
      <Problems error={error} />
      {loading && !data && <Loading what="products" />}
      {products && (
        <>
          <p className="muted">{products.totalCount} active products</p>
          <AdminProductTable products={products.edges.map(({ node }) => node)} />
          <CursorPager after={after} setAfter={setAfter} pageInfo={products.pageInfo} />
        </>
      )}
    </>
  );
}

function AdminProductTable({ products }: { products: AdminProductFieldsFragment[] }) {
  return (
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
        {products.map((product) => (
          <tr key={product.id}>
            <td>
              <Link to={`/admin/products/${product.id}`}>{product.name}</Link>
            </td>
            <td>{product.sku}</td>
            <td>{product.price.formatted}</td>
            <td>
              {product.inventory.available}
              {product.inventory.lowStock && <span className="badge badge-low"> low</span>}
            </td>
            <td>{product.inventory.reserved}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const NEW_PRODUCT = {
  name: '',
  sku: '',
  description: '',
  price: '',
  currency: 'USD',
  category: '',
  stock: '0',
  image: '',
};

type NewProductForm = typeof NEW_PRODUCT;

/**
 * Creating the product from the form; on success the admin lands on its page. The price is checked
 * here first (the API takes minor units), then the API's own field errors.
 */
function useCreateProduct() {
  const [create, state] = useMutation(CREATE_PRODUCT);
  const [error, setError] = useState<unknown>(null);
  const [priceError, setPriceError] = useState<string | undefined>();
  const submit = async (form: NewProductForm) => {
    setError(null);
    const priceAmount = toMinorUnits(form.price, form.currency);
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
  return { submit, creating: state.loading, error, priceError };
}

export function NewProductPage() {
  usePageTitle('New product');
  const [form, setForm] = useState(NEW_PRODUCT);
  const { submit, creating, error, priceError } = useCreateProduct();
  const set = fieldSetter(setForm);
  const problems = describeError(error);
  const fieldError = (name: string) => problemWith(problems, name);
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void submit(form);
  };
  return (
    <>
      <h1 tabIndex={-1}>New product</h1>
      <form onSubmit={onSubmit} className="narrow">
        <Field label="Name" required value={form.name} onChange={set('name')} error={fieldError('name')} />
        <Field label="SKU" required value={form.sku} onChange={set('sku')} error={fieldError('sku')} />
        <DescriptionField
          id="new-description"
          required
          value={form.description}
          onChange={set('description')}
          error={fieldError('description')}
        />
        <Field
          label="Price"
          inputMode="decimal"
          required
          value={form.price}
          onChange={set('price')}
          hint="In the currency below, e.g. 19.99"
          error={priceError ?? fieldError('priceAmount')}
        />
        <CurrencySelect value={form.currency} onChange={set('currency')} />
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
        <button type="submit" disabled={creating}>
          {creating ? 'Creating…' : 'Create product'}
        </button>
      </form>
    </>
  );
}

function CurrencySelect({
  value,
  onChange,
}: {
  value: string;
  onChange: (e: { target: { value: string } }) => void;
}) {
  return (
    <div className="field">
      <label htmlFor="new-currency">Currency</label>
      <select id="new-currency" value={value} onChange={onChange}>
        {CURRENCIES.map((c) => (
          <option key={c}>{c}</option>
        ))}
      </select>
    </div>
  );
}

/** A product's description, longer than Field's one line; shared by the new and the edit form. */
function DescriptionField({
  id,
  required,
  value,
  onChange,
  error,
}: {
  id: string;
  required?: boolean;
  value: string;
  onChange: (e: { target: { value: string } }) => void;
  error?: string | undefined;
}) {
  return (
    <div className="field">
      <label htmlFor={id}>Description</label>
      <textarea id={id} required={required} rows={4} value={value} onChange={onChange} />
      {error && <small className="field-error">{error}</small>}
    </div>
  );
}

export function EditProductPage({ id }: { id: string }) {
  // Stock moves with every order (and a new product's opening stock is booked a moment after it
  // is created): the page re-reads it every few seconds.
  const { data, loading, error } = useQuery(ADMIN_PRODUCT, { variables: { id }, pollInterval: 3000 });
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
        {product.active ? <Link to={`/products/${product.slug}`}>view in the shop</Link> : 'archived'} ·{' '}
        <Link to={`/admin/reviews?product=${encodeURIComponent(product.id)}`}>moderate its reviews</Link>
      </p>
      <ProductDetailsForm key={product.id} product={product} />
      <StockForm product={product} />
      {product.active && <ArchiveButton product={product} />}
    </>
  );
}

function ProductDetailsForm({ product }: { product: NonNullable<AdminProductQuery['product']> }) {
  const [update, state] = useMutation(UPDATE_PRODUCT);
  const [form, setForm] = useState({
    name: product.name,
    description: product.description,
    price: fromMinorUnits(product.price.amount, product.price.currency),
    category: product.category?.slug ?? '',
  });
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const set = fieldSetter(setForm);
  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setSaved(false);
    const priceAmount = toMinorUnits(form.price, product.price.currency);
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
        <DescriptionField id="edit-description" value={form.description} onChange={set('description')} />
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

function ArchiveButton({ product }: { product: AdminProductFieldsFragment }) {
  const [archive, state] = useMutation(ARCHIVE_PRODUCT);
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
