import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { productModel, type ProductDoc } from '../src/models/product';
import { productSnapshot } from '../src/services/product-events';
import { openProductsDb, productInput, rejection, type ProductsTestDb } from './support';

let db: ProductsTestDb;

beforeAll(async () => {
  db = await openProductsDb();
});
afterAll(async () => {
  await db?.close();
});

describe('createProduct', () => {
  it('stores the product, derives its slug, creates its category and emits product.created with the opening stock', async () => {
    const product = await db.services.catalog.createProduct(
      productInput({
        sku: 'MUG-001',
        name: 'Café Crème Mug',
        categorySlug: 'home-and-kitchen',
        initialStock: 12,
      }),
    );
    expect(product).toMatchObject({
      sku: 'MUG-001',
      slug: 'cafe-creme-mug',
      active: true,
      categorySlug: 'home-and-kitchen',
    });

    const categories = await db.services.categories.list();
    expect(categories.find((c) => c.slug === 'home-and-kitchen')?.name).toBe('Home and Kitchen');

    const events = await db.publishedEvents();
    const created = events.find((e) => e.type === 'product.created' && e.aggregateId === String(product._id));
    expect(created?.payload).toEqual({
      productId: String(product._id),
      sku: 'MUG-001',
      slug: 'cafe-creme-mug',
      name: 'Café Crème Mug',
      priceAmount: 1999,
      currency: 'USD',
      categorySlug: 'home-and-kitchen',
      active: true,
      initialStock: 12,
      // Without options, its one default variant, whose id is the product's.
      variants: [
        {
          variantId: String(product._id),
          sku: 'MUG-001',
          title: 'Default',
          priceAmount: 1999,
          selectedOptions: [],
          // What cart and checkout tax and weigh the line by: the default STANDARD, no weight given.
          taxClass: 'STANDARD',
          weightGrams: null,
        },
      ],
    });
  });

  it('suffixes a derived slug that is taken', async () => {
    const a = await db.services.catalog.createProduct(productInput({ name: 'Desk Lamp' }));
    const b = await db.services.catalog.createProduct(productInput({ name: 'Desk lamp!' }));
    const c = await db.services.catalog.createProduct(productInput({ name: 'desk LAMP' }));
    expect([a.slug, b.slug, c.slug]).toEqual(['desk-lamp', 'desk-lamp-2', 'desk-lamp-3']);
  });

  it('gives every one of several concurrent same-name products its own slug', async () => {
    const created = await Promise.all(
      Array.from({ length: 6 }, () =>
        db.services.catalog.createProduct(productInput({ name: 'Race Condition Kettle' })),
      ),
    );
    expect(new Set(created.map((p) => p.slug)).size).toBe(6);
  });

  it('refuses a duplicate SKU with CONFLICT and writes nothing', async () => {
    await db.services.catalog.createProduct(productInput({ sku: 'DUP-1', categorySlug: 'dup-first' }));
    const before = await db.counts();
    const error = await rejection(
      db.services.catalog.createProduct(productInput({ sku: 'DUP-1', categorySlug: 'never-created' })),
    );
    expect(error.code).toBe('CONFLICT');
    expect(error.field).toBe('input.sku');
    expect(await db.counts()).toEqual(before);
  });

  it('refuses a slug given explicitly that is taken', async () => {
    await db.services.catalog.createProduct(productInput({ slug: 'my-own-slug' }));
    const error = await rejection(db.services.catalog.createProduct(productInput({ slug: 'my-own-slug' })));
    expect(error).toMatchObject({ code: 'CONFLICT', field: 'input.slug' });
  });

  it.each([
    ['a negative price', { priceAmount: -1 }, 'input.priceAmount'],
    // Issue 11: 2,000,000,000 fit the API's Int but no order of two could; MAX_ORDER_TOTAL bounds it.
    ['a price above MAX_ORDER_TOTAL', { priceAmount: 2_000_000_000 }, 'input.priceAmount'],
    ['a price beyond the API Int', { priceAmount: 2_147_483_648 }, 'input.priceAmount'],
    ['a fractional price', { priceAmount: 10.5 }, 'input.priceAmount'],
    ['an empty name', { name: '   ' }, 'input.name'],
    ['an empty description', { description: '' }, 'input.description'],
    ['an unknown currency', { currency: 'XYZ' }, 'input.currency'],
    ['a non-code currency', { currency: 'dollars' }, 'input.currency'],
    ['negative opening stock', { initialStock: -3 }, 'input.initialStock'],
    ['an empty SKU', { sku: '' }, 'input.sku'],
    ['a malformed slug', { slug: 'Not A Slug' }, 'input.slug'],
    ['a malformed category', { categorySlug: 'Bad Category' }, 'input.categorySlug'],
    ['a non-http image', { images: [{ url: 'javascript:alert(1)' }] }, 'input.images.0.url'],
  ])('refuses %s with BAD_USER_INPUT on its field and writes nothing', async (_what, overrides, field) => {
    const before = await db.counts();
    const error = await rejection(
      db.services.catalog.createProduct(productInput({ categorySlug: 'fresh-category', ...overrides })),
    );
    expect(error).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(await db.counts()).toEqual(before);
  });

  it('upper-cases the currency code and accepts zero-decimal currencies', async () => {
    const product = await db.services.catalog.createProduct(
      productInput({ currency: 'jpy', priceAmount: 500 }),
    );
    expect(product.currency).toBe('JPY');
  });
});

describe('updateProduct', () => {
  it('changes fields, keeps the slug, and emits product.updated plus product.price_changed for a new price', async () => {
    const product = await db.services.catalog.createProduct(
      productInput({ name: 'Walnut Board', priceAmount: 4500 }),
    );
    const updated = await db.services.catalog.updateProduct(String(product._id), {
      name: 'Walnut Cutting Board',
      priceAmount: 3900,
      categorySlug: 'kitchen',
    });
    expect(updated).toMatchObject({
      name: 'Walnut Cutting Board',
      slug: 'walnut-board',
      priceAmount: 3900,
      categorySlug: 'kitchen',
    });

    const events = (await db.publishedEvents()).filter((e) => e.aggregateId === String(product._id));
    expect(events.map((e) => e.type)).toEqual([
      'product.created',
      'product.updated',
      'product.price_changed',
    ]);
    expect(events[2]?.payload).toEqual({
      productId: String(product._id),
      previousAmount: 4500,
      amount: 3900,
      currency: 'USD',
    });

    const found = await db.services.queries.listProducts({ filter: { search: 'cutting' } });
    expect(found.edges.map((e) => String(e.node._id))).toContain(String(product._id));
  });

  it('emits nothing when nothing changes, and clears the category with null', async () => {
    const product = await db.services.catalog.createProduct(productInput({ categorySlug: 'garden' }));
    const id = String(product._id);
    const before = (await db.publishedEvents()).length;
    await db.services.catalog.updateProduct(id, { name: product.name, priceAmount: product.priceAmount });
    expect((await db.publishedEvents()).length).toBe(before);
    const cleared = await db.services.catalog.updateProduct(id, { categorySlug: null });
    expect(cleared.categorySlug).toBeNull();
  });

  it('is NOT_FOUND for an unknown or malformed id and BAD_USER_INPUT for a bad value', async () => {
    expect(
      (await rejection(db.services.catalog.updateProduct('64b7f0c2a1b2c3d4e5f60718', { name: 'x' }))).code,
    ).toBe('NOT_FOUND');
    expect((await rejection(db.services.catalog.updateProduct('nope', { name: 'x' }))).code).toBe(
      'NOT_FOUND',
    );
    const product = await db.services.catalog.createProduct(productInput());
    const error = await rejection(
      db.services.catalog.updateProduct(String(product._id), { priceAmount: -5 }),
    );
    expect(error).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.priceAmount' });
  });
});

describe('archiveProduct', () => {
  it('takes the product out of storefront lists, keeps it resolvable, and emits product.archived once', async () => {
    const product = await db.services.catalog.createProduct(
      productInput({ name: 'Retired Widget', categorySlug: 'retired' }),
    );
    const id = String(product._id);
    const archived = await db.services.catalog.archiveProduct(id);
    expect(archived.active).toBe(false);
    await db.services.catalog.archiveProduct(id);

    const events = (await db.publishedEvents()).filter(
      (e) => e.aggregateId === id && e.type === 'product.archived',
    );
    expect(events).toHaveLength(1);
    expect(events[0]?.payload).toMatchObject({ productId: id, active: false });

    const list = await db.services.queries.listProducts({ filter: { categorySlug: 'retired' } });
    expect(list.edges).toHaveLength(0);
    expect(await list.totalCount()).toBe(0);
    expect((await db.services.queries.findById(id))?.active).toBe(false);
    expect((await db.services.queries.byIds([id]))[0]?.name).toBe('Retired Widget');
  });
});

describe('a product carries the events of its change (DocumentEvents)', () => {
  const stored = async (id: string) =>
    (await productModel(db.conn).findById(id).lean<ProductDoc>().exec()) as ProductDoc;
  const eventsOf = async (id: string) =>
    (await db.publishedEvents()).filter((event) => event.aggregateId === id);

  it('updateProduct writes its change and its events in one command, and the events are published', async () => {
    // The category exists before: a write that creates one stays a transaction (the outbox's).
    await db.services.catalog.createProduct(productInput({ categorySlug: 'kettles-on-sale' }));
    const product = await db.services.catalog.createProduct(
      productInput({ name: 'One Write Kettle', priceAmount: 5000 }),
    );
    const id = String(product._id);

    const price = await db.commandsOf(() => db.services.catalog.updateProduct(id, { priceAmount: 4500 }));
    // The read it is decided on, then ONE write: the change and its two events together (it was
    // the read, the write, the outbox insert and commitTransaction: 4).
    expect(price.commands).toMatchObject({ total: 2, byCommand: { find: 1, findAndModify: 1 } });
    const filed = await db.commandsOf(() =>
      db.services.catalog.updateProduct(id, { categorySlug: 'kettles-on-sale' }),
    );
    // And the category's path read (it was an upsert of the category in the transaction: 5).
    expect(filed.commands).toMatchObject({ total: 3, byCommand: { find: 2, findAndModify: 1 } });
    expect(filed.result).not.toHaveProperty('pendingEvents');

    const after = await stored(id);
    expect(after).toMatchObject({ priceAmount: 4500, categorySlug: 'kettles-on-sale', revision: 2 });
    const events = await eventsOf(id);
    expect(events.map((e) => e.type)).toEqual([
      'product.created',
      'product.updated',
      'product.price_changed',
      'product.updated',
    ]);
    expect(events[2]?.payload).toEqual({
      productId: id,
      previousAmount: 5000,
      amount: 4500,
      currency: 'USD',
    });
    expect(events[3]?.payload).toEqual(productSnapshot(after));
    // Published from the product, not the outbox, and pulled off the product once published.
    expect(await db.conn.collection('outbox').countDocuments({ 'event.aggregateId': id })).toBe(0);
    const raw = await db.conn.collection('products').findOne({ _id: product._id });
    expect(raw?.pendingEvents).toEqual([]);
  });

  it('stamps a catalog state and its events with one instant, later than the state before', async () => {
    const product = await db.services.catalog.createProduct(productInput({ name: 'Stamped Kettle' }));
    const id = String(product._id);
    const created = await stored(id);
    // Within one millisecond of the creation (the clock held still): each state still gets its own stamp.
    vi.useFakeTimers({ toFake: ['Date'], now: created!.updatedAt });
    try {
      await db.services.catalog.updateProduct(id, { priceAmount: 4200 });
      await db.services.catalog.updateProduct(id, { name: 'Stamped Kettle II' });
    } finally {
      vi.useRealTimers();
    }
    const after = await stored(id);
    const events = await eventsOf(id);
    // The cart's and orders' projections keep the newest of an event and a catalog answer: an equal
    // stamp must be the same state, so that neither writes a row it already holds.
    expect(events[0]!.occurredAt).toBe(created!.updatedAt.toISOString());
    const updates = events.filter((e) => e.type === 'product.updated');
    expect(updates).toHaveLength(2);
    expect(updates[1]!.occurredAt).toBe(after!.updatedAt.toISOString());
    expect(Date.parse(updates[0]!.occurredAt)).toBeGreaterThan(created!.updatedAt.getTime());
    expect(Date.parse(updates[1]!.occurredAt)).toBeGreaterThan(Date.parse(updates[0]!.occurredAt));
    // The price change of the first update shares its stamp.
    const price = events.find((e) => e.type === 'product.price_changed');
    expect(price!.occurredAt).toBe(updates[0]!.occurredAt);
  });

  it('createProduct inserts the product with product.created and its opening stock in one command; archiveProduct writes once', async () => {
    await db.services.catalog.createProduct(productInput({ categorySlug: 'teapots' }));
    const create = await db.commandsOf(() =>
      db.services.catalog.createProduct(
        productInput({ name: 'Single Insert Teapot', categorySlug: 'teapots', initialStock: 9 }),
      ),
    );
    // The slug's and the category's reads, then the insert carrying its event (it was an upsert
    // of the category, the insert, the outbox insert and commitTransaction: 5).
    expect(create.commands).toMatchObject({ total: 3, byCommand: { find: 2, insert: 1 } });
    expect(create.result).not.toHaveProperty('pendingEvents');
    const id = String(create.result._id);

    const archive = await db.commandsOf(() => db.services.catalog.archiveProduct(id));
    // The read its event is computed from, then one write (it was the write, the outbox insert and
    // commitTransaction: 3).
    expect(archive.commands).toMatchObject({ total: 2, byCommand: { find: 1, findAndModify: 1 } });

    const after = await stored(id);
    const events = await eventsOf(id);
    expect(events.map((e) => e.type)).toEqual(['product.created', 'product.archived']);
    expect(events[0]?.payload).toEqual({
      ...productSnapshot({ ...after, active: true }),
      initialStock: 9,
    });
    expect(events[1]?.payload).toEqual(productSnapshot(after));
    expect(await db.conn.collection('outbox').countDocuments({ 'event.aggregateId': id })).toBe(0);
  });

  it('decides again when the product changed between its read and its write: the events match what is stored', async () => {
    const product = await db.services.catalog.createProduct(
      productInput({ name: 'Contested Lamp', priceAmount: 3000 }),
    );
    const id = String(product._id);
    // Another admin renames the product right after this update read it, before it writes.
    const Product = productModel(db.conn);
    const findById = Product.findById;
    let interfered = false;
    Product.findById = function (this: typeof Product, ...args: Parameters<typeof findById>) {
      const query = findById.apply(this, args);
      if (interfered) return query;
      interfered = true;
      const exec = query.exec.bind(query);
      query.exec = (async () => {
        const read = await exec();
        await db.services.catalog.updateProduct(id, { name: 'Contested Lamp, Renamed' });
        return read;
      }) as typeof query.exec;
      return query;
    } as typeof findById;
    let updated: ProductDoc;
    try {
      updated = await db.services.catalog.updateProduct(id, { priceAmount: 2500 });
    } finally {
      Product.findById = findById;
    }
    expect(interfered).toBe(true);

    // Its compare-and-set lost to the rename: read again, it kept the rename and wrote its price.
    const after = await stored(id);
    expect(after).toMatchObject({ name: 'Contested Lamp, Renamed', priceAmount: 2500, revision: 2 });
    expect(updated).toMatchObject({ name: 'Contested Lamp, Renamed', priceAmount: 2500 });
    const events = await eventsOf(id);
    // Nothing of the lost attempt (the old name at the new price) was published.
    expect(events.map((e) => e.type)).toEqual([
      'product.created',
      'product.updated',
      'product.updated',
      'product.price_changed',
    ]);
    expect(events[1]?.payload).toMatchObject({ name: 'Contested Lamp, Renamed', priceAmount: 3000 });
    expect(events[2]?.payload).toEqual(productSnapshot(after));
    expect(events[3]?.payload).toEqual({
      productId: id,
      previousAmount: 3000,
      amount: 2500,
      currency: 'USD',
    });
  });

  it('writes a product stored before the revision (none on it) as revision 0', async () => {
    const product = await db.services.catalog.createProduct(productInput({ name: 'Old Stock Clock' }));
    const id = String(product._id);
    await db.conn.collection('products').updateOne({ _id: product._id }, { $unset: { revision: '' } });
    const archived = await db.services.catalog.archiveProduct(id);
    expect(archived).toMatchObject({ active: false, revision: 1 });
    const events = await eventsOf(id);
    expect(events.map((e) => e.type)).toEqual(['product.created', 'product.archived']);
    expect(events[1]?.payload).toEqual(productSnapshot(await stored(id)));
  });
});
