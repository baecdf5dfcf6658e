import { randomUUID } from 'node:crypto';
import { commandStats } from '@novamart/kit';
import { inventorySubgraph } from '@novamart/inventory';
import { productsSubgraph } from '@novamart/products';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSupergraph, type Supergraph } from './support/supergraph';
import { mustSucceed } from './support/storefront';

/**
 * Issue 14 (catalog): the category tree, collections, and the storefront's filters with facet
 * counts, through the gateway. The facets are checked against counts this test computes by brute
 * force over the catalog it created (what it put in, not what the API says).
 */

interface Pair {
  name: string;
  value: string;
}

interface Made {
  id: string;
  categorySlug: string;
  price: number;
  /** Each variant's option values and stock. */
  variants: { options: Pair[]; stock: number }[];
}

interface Filter {
  categorySlug?: string;
  minPrice?: number;
  maxPrice?: number;
  collection?: string;
  options?: Pair[];
  inStock?: boolean;
}

const TREE: [slug: string, name: string, parent: string | null][] = [
  ['clothing', 'Clothing', null],
  ['t-shirts', 'T-shirts', 'clothing'],
  ['hoodies', 'Hoodies', 'clothing'],
  ['books', 'Books', null],
  ['fiction', 'Fiction', 'books'],
];
const LEAVES = ['t-shirts', 'hoodies', 'fiction', 'books'];
const BANDS = [0, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000];

const FACETS = `facets {
  categories { category { slug } count }
  options { name value count }
  priceBands { min max count }
  inStock outOfStock
}`;

describe('category tree, collections, filters and facets through the gateway', () => {
  let sg: Supergraph;
  let adminToken: string;
  const made: Made[] = [];
  let manual: string[] = [];

  const asAdmin = (query: string, variables: Record<string, unknown> = {}) =>
    sg.query(query, variables, { token: adminToken });

  /** The categories a product is in: its own and every ancestor. */
  function categoriesOf(product: Made): string[] {
    const chain: string[] = [];
    for (let slug: string | null = product.categorySlug; slug; slug = TREE.find(([s]) => s === slug)![2])
      chain.push(slug);
    return chain;
  }

  const hasVariant = (product: Made, pairs: Pair[]) =>
    product.variants.some((v) =>
      pairs.every((p) => v.options.some((o) => o.name === p.name && o.value === p.value)),
    );
  const stockOf = (product: Made) => product.variants.reduce((sum, v) => sum + v.stock, 0);

  function matches(product: Made, filter: Filter, except?: 'category' | 'price' | 'options' | 'inStock') {
    if (filter.collection === 'picked' && !manual.includes(product.id)) return false;
    if (filter.collection === 'under-20' && product.price > 2_000) return false;
    if (except !== 'category' && filter.categorySlug && !categoriesOf(product).includes(filter.categorySlug))
      return false;
    if (except !== 'price' && filter.minPrice != null && product.price < filter.minPrice) return false;
    if (except !== 'price' && filter.maxPrice != null && product.price > filter.maxPrice) return false;
    if (except !== 'options' && filter.options?.length && !hasVariant(product, filter.options)) return false;
    if (except !== 'inStock' && filter.inStock != null && stockOf(product) > 0 !== filter.inStock)
      return false;
    return true;
  }

  /** The facets of `filter` counted over what this test created. */
  function bruteForce(filter: Filter) {
    const under = (except: Parameters<typeof matches>[2]) => made.filter((p) => matches(p, filter, except));
    const categories = TREE.map(([slug]) => ({
      category: { slug },
      count: under('category').filter((p) => categoriesOf(p).includes(slug)).length,
    })).filter((row) => row.count > 0);
    const pairs = filter.options ?? [];
    const options: (Pair & { count: number })[] = [];
    const values: Pair[] = [
      ...['S', 'M', 'L'].map((value) => ({ name: 'Size', value })),
      ...['Red', 'Blue'].map((value) => ({ name: 'Colour', value })),
    ];
    for (const pair of values) {
      const others = pairs.filter((p) => p.name !== pair.name);
      const count = under('options').filter((p) => hasVariant(p, [...others, pair])).length;
      if (count > 0) options.push({ ...pair, count });
    }
    const priced = under('price');
    const priceBands = BANDS.map((min, i) => ({
      min,
      max: BANDS[i + 1] ?? null,
      count: priced.filter((p) => p.price >= min && (BANDS[i + 1] === undefined || p.price < BANDS[i + 1]!))
        .length,
    })).filter((band) => band.count > 0);
    const stocked = under('inStock');
    return {
      products: made
        .filter((p) => matches(p, filter))
        .map((p) => p.id)
        .sort(),
      facets: {
        categories: categories.sort((a, b) => a.category.slug.localeCompare(b.category.slug)),
        options: options.sort((a, b) => a.name.localeCompare(b.name) || a.value.localeCompare(b.value)),
        priceBands,
        inStock: stocked.filter((p) => stockOf(p) > 0).length,
        outOfStock: stocked.filter((p) => stockOf(p) === 0).length,
      },
    };
  }

  async function listed(filter: Filter) {
    // Two lists of one filter: the gateway's cost limit counts the facets once per page row.
    const res = mustSucceed(
      await sg.query(
        `query($f: ProductFilter) {
          page: products(first: 50, filter: $f) { edges { node { id } } }
          counts: products(first: 1, filter: $f) { ${FACETS} }
        }`,
        { f: filter },
      ),
      'products',
    );
    const facets = res.counts.facets;
    facets.categories.sort((a: { category: { slug: string } }, b: { category: { slug: string } }) =>
      a.category.slug.localeCompare(b.category.slug),
    );
    return { products: res.page.edges.map((e: { node: { id: string } }) => e.node.id).sort(), facets };
  }

  beforeAll(async () => {
    sg = await startSupergraph({
      subgraphs: [productsSubgraph, inventorySubgraph],
      env: { LOG_LEVEL: 'error' },
    });
    adminToken = await sg.tokenFor({ id: `facets-admin-${randomUUID()}`, role: 'ADMIN' });
    for (const [slug, name, parentSlug] of TREE) {
      mustSucceed(
        await asAdmin('mutation($i: CategoryInput!) { createCategory(input: $i) { slug } }', {
          i: { slug, name, parentSlug },
        }),
        'createCategory',
      );
    }
    for (let i = 0; i < 20; i += 1) {
      const categorySlug = LEAVES[i % 4]!;
      const clothing = categorySlug === 't-shirts' || categorySlug === 'hoodies';
      const colours = i % 3 === 0 ? ['Red'] : ['Red', 'Blue'];
      const combos = clothing ? colours.flatMap((c) => ['S', 'M', 'L'].map((s) => [s, c] as const)) : [];
      const sku = `FACET-${i}-${randomUUID().slice(0, 6)}`;
      const created = mustSucceed(
        await asAdmin('mutation($i: ProductInput!) { createProduct(input: $i) { id variants { id } } }', {
          i: {
            sku,
            name: `Facet product ${i}`,
            description: 'For the facet counts',
            priceAmount: 500 + i * 350,
            categorySlug,
            ...(clothing
              ? {
                  options: [
                    { name: 'Size', values: ['S', 'M', 'L'] },
                    { name: 'Colour', values: colours },
                  ],
                  variants: combos.map(([size, colour]) => ({
                    sku: `${sku}-${size}-${colour}`,
                    options: [
                      { name: 'Size', value: size },
                      { name: 'Colour', value: colour },
                    ],
                  })),
                }
              : {}),
          },
        }),
        'createProduct',
      ).createProduct;
      const variants = created.variants.map((v: { id: string }, j: number) => ({
        id: v.id,
        options: clothing
          ? [
              { name: 'Size', value: combos[j]![0] },
              { name: 'Colour', value: combos[j]![1] },
            ]
          : [],
        // Some variants, and so some products, are out of stock.
        stock: (i + j) % 3 === 0 || i % 5 === 4 ? 0 : 1 + ((i + j) % 4),
      }));
      for (const variant of variants) {
        if (variant.stock === 0) continue;
        mustSucceed(
          await asAdmin(
            'mutation($p: ID!, $v: ID, $d: Int!) { adjustStock(productId: $p, variantId: $v, delta: $d, reason: PURCHASE) { available } }',
            { p: created.id, v: variant.id, d: variant.stock },
          ),
          'adjustStock',
        );
      }
      made.push({ id: created.id, categorySlug, price: 500 + i * 350, variants });
    }
    manual = [made[0]!.id, made[3]!.id, made[7]!.id, made[10]!.id];
    mustSucceed(
      await asAdmin('mutation($i: CollectionInput!) { createCollection(input: $i) { slug } }', {
        i: { slug: 'picked', name: 'Picked for you', type: 'MANUAL', productIds: manual },
      }),
      'createCollection',
    );
    mustSucceed(
      await asAdmin('mutation($i: CollectionInput!) { createCollection(input: $i) { slug } }', {
        i: { slug: 'under-20', name: 'Under $20', type: 'RULE', rule: { maxPrice: 2_000 } },
      }),
      'createCollection',
    );
  }, 180_000);
  afterAll(async () => sg?.stop());

  it('categories nest: children, breadcrumbs, and no cycles', async () => {
    const tree = mustSucceed(
      await sg.query(
        '{ clothing: category(slug: "clothing") { children { slug } parent { slug } } fiction: category(slug: "fiction") { ancestors { slug name } parent { slug } } }',
      ),
      'category',
    );
    expect(tree.clothing).toEqual({ children: [{ slug: 'hoodies' }, { slug: 't-shirts' }], parent: null });
    expect(tree.fiction).toEqual({
      ancestors: [{ slug: 'books', name: 'Books' }],
      parent: { slug: 'books' },
    });
    const move = (slug: string, parentSlug: string | null) =>
      asAdmin(
        'mutation($s: String!, $p: String) { updateCategory(slug: $s, input: { parentSlug: $p }) { slug } }',
        {
          s: slug,
          p: parentSlug,
        },
      );
    for (const [slug, parent] of [
      ['clothing', 't-shirts'],
      ['clothing', 'clothing'],
    ] as const) {
      expect((await move(slug, parent)).errors?.[0]).toMatchObject({
        extensions: { code: 'BAD_USER_INPUT', field: 'input.parentSlug' },
      });
    }
    expect(
      (await asAdmin('mutation { createCategory(input: { slug: "clothing", name: "Again" }) { slug } }'))
        .errors?.[0],
    ).toMatchObject({
      extensions: { code: 'CONFLICT', field: 'input.slug' },
    });
    // Moving books under clothing takes fiction and its products along, and back.
    mustSucceed(await move('books', 'clothing'), 'updateCategory');
    const moved = await listed({ categorySlug: 'clothing' });
    expect(moved.products).toEqual(made.map((p) => p.id).sort());
    const crumbs = mustSucceed(
      await sg.query('{ category(slug: "fiction") { ancestors { slug } } }'),
      'category',
    );
    expect(crumbs.category.ancestors).toEqual([{ slug: 'clothing' }, { slug: 'books' }]);
    mustSucceed(await move('books', null), 'updateCategory');
    expect((await listed({ categorySlug: 'clothing' })).products).toHaveLength(10);
  });

  it('facet counts match a brute-force count for several filter combinations', async () => {
    const filters: Filter[] = [
      {},
      { categorySlug: 'clothing' },
      { categorySlug: 'clothing', options: [{ name: 'Size', value: 'M' }], inStock: true },
      {
        maxPrice: 3_000,
        options: [
          { name: 'Colour', value: 'Blue' },
          { name: 'Size', value: 'L' },
        ],
      },
      { collection: 'under-20', inStock: false },
      { collection: 'picked', categorySlug: 'books' },
      { minPrice: 2_000, maxPrice: 6_000, categorySlug: 't-shirts', inStock: true },
    ];
    for (const filter of filters) {
      const expected = bruteForce(filter);
      expect(await listed(filter), JSON.stringify(filter)).toEqual(expected);
    }
    // The brute force is not trivial: these filters narrow the catalog in different ways.
    expect(new Set(filters.map((f) => bruteForce(f).products.length)).size).toBeGreaterThan(3);
  });

  it('collections list their products: MANUAL as listed, RULE by its rule', async () => {
    const res = mustSucceed(
      await sg.query(
        '{ picked: collection(slug: "picked") { type products(first: 50) { edges { node { id } } } } cheap: collection(slug: "under-20") { type rule { maxPrice } products(first: 50) { totalCount } } }',
      ),
      'collection',
    );
    expect(res.picked.products.edges.map((e: { node: { id: string } }) => e.node.id).sort()).toEqual(
      [...manual].sort(),
    );
    expect(res.cheap).toEqual({
      type: 'RULE',
      rule: { maxPrice: 2_000 },
      products: { totalCount: made.filter((p) => p.price <= 2_000).length },
    });
  });

  it('the in-stock filter reads the admin’s own stock change at once', async () => {
    const empty = made.find((p) => stockOf(p) === 0 && p.variants.length === 1)!;
    const inStock = async () => (await listed({ inStock: true, categorySlug: empty.categorySlug })).products;
    expect(await inStock()).not.toContain(empty.id);
    const adjust = (delta: number, reason: string) =>
      asAdmin(
        `mutation($p: ID!, $d: Int!) { adjustStock(productId: $p, delta: $d, reason: ${reason}) { available } }`,
        {
          p: empty.id,
          d: delta,
        },
      );
    mustSucceed(await adjust(2, 'PURCHASE'), 'adjustStock');
    // No wait: the next request sees it.
    expect(await inStock()).toContain(empty.id);
    mustSucceed(await adjust(-2, 'DAMAGE'), 'adjustStock');
    expect(await inStock()).not.toContain(empty.id);
  });

  it('a catalog page of 20 products with variants, facets and inventory costs a bounded number of commands', async () => {
    const requestId = `facets-page-${randomUUID()}`;
    const { body } = await sg.post(
      {
        query: `{ products(first: 20, filter: { categorySlug: "clothing", inStock: true }) {
          totalCount
          edges { node { id name category { name } inventory { available }
            variants { id sku title price { amount } inventory { available } } } }
          ${FACETS}
        } }`,
      },
      { headers: { 'x-request-id': requestId } },
    );
    expect(body.errors).toBeUndefined();
    const expected = bruteForce({ categorySlug: 'clothing', inStock: true });
    expect(body.data.products.totalCount).toBe(expected.products.length);
    const products = commandStats.forRequest(requestId, {
      database: sg.subgraph('products').runtime.mongo.name,
    });
    const inventory = commandStats.forRequest(requestId, {
      database: sg.subgraph('inventory').runtime.mongo.name,
    });
    console.warn(
      `[figures] catalog page with variants and facets: products ${products.total} commands ${JSON.stringify(products.byCommand)}, ` +
        `inventory ${inventory.total} commands ${JSON.stringify(inventory.byCommand)}`,
    );
    // products: the page's find, its count (an aggregate), the facets' one aggregate, the list of
    // categories the facet counts roll up with, one batched find of the rows' categories, and at
    // most one bulkWrite of the stock levels inventory reported changed since the last refresh.
    expect(products.byCommand.find ?? 0).toBeLessThanOrEqual(3);
    expect(products.byCommand.aggregate ?? 0).toBeLessThanOrEqual(2);
    expect(products.byCommand.update ?? 0).toBeLessThanOrEqual(1);
    expect(products.total).toBeLessThanOrEqual(6);
    // inventory: the products' and the variants' stock (one find each) and the stock levels changed
    // since the last refresh (two finds).
    expect(inventory.total).toBeLessThanOrEqual(4);
  });
});
