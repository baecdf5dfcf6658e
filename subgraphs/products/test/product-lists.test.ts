import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProductDoc } from '../src/models/product';
import type { ListProductsArgs, ProductSort } from '../src/services/product-queries';
import { openProductsDb, productInput, rejection, type ProductsTestDb } from './support';

let db: ProductsTestDb;
const CATEGORY = 'paging';
const COUNT = 57;

const ADJECTIVES = ['Amber', 'bright', 'Cobalt', 'dusky', 'Emerald', 'frosty', 'Golden'];

beforeAll(async () => {
  db = await openProductsDb();
  for (let i = 0; i < COUNT; i += 1) {
    // Prices repeat so that ties on the sort key are broken by _id; names mix upper and lower case.
    await db.services.catalog.createProduct(
      productInput({
        name: `${ADJECTIVES[i % ADJECTIVES.length]} item ${String(i).padStart(2, '0')}`,
        priceAmount: 1000 + (i % 9) * 250,
        categorySlug: CATEGORY,
      }),
    );
  }
});
afterAll(async () => {
  await db?.close();
});

async function pageThrough(
  args: ListProductsArgs,
  pageSize: number,
  between?: (page: number) => Promise<void>,
) {
  const seen: ProductDoc[] = [];
  let after: string | null = null;
  for (let page = 1; page < 100; page += 1) {
    const result = await db.services.queries.listProducts({ ...args, first: pageSize, after });
    seen.push(...result.edges.map((e) => e.node));
    if (!result.pageInfo.hasNextPage) return { seen, pages: page };
    after = result.pageInfo.endCursor;
    await between?.(page);
  }
  throw new Error('did not finish paging');
}

const comparators: Record<Exclude<ProductSort, 'RELEVANCE'>, (a: ProductDoc, b: ProductDoc) => number> = {
  NEWEST: (a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (String(b._id) < String(a._id) ? -1 : 1),
  PRICE_ASC: (a, b) => a.priceAmount - b.priceAmount || (String(a._id) < String(b._id) ? -1 : 1),
  PRICE_DESC: (a, b) => b.priceAmount - a.priceAmount || (String(b._id) < String(a._id) ? -1 : 1),
  NAME_ASC: (a, b) =>
    a.nameKey < b.nameKey ? -1 : a.nameKey > b.nameKey ? 1 : String(a._id) < String(b._id) ? -1 : 1,
};

describe('products: keyset pages', () => {
  it.each(Object.keys(comparators) as (keyof typeof comparators)[])(
    'pages of 20 sorted %s give every product once, in order',
    async (sort) => {
      const { seen, pages } = await pageThrough({ sort, filter: { categorySlug: CATEGORY } }, 20);
      expect(pages).toBe(3);
      expect(seen).toHaveLength(COUNT);
      expect(new Set(seen.map((p) => String(p._id))).size).toBe(COUNT);
      expect(seen.map((p) => String(p._id))).toEqual(
        [...seen].sort(comparators[sort]).map((p) => String(p._id)),
      );
    },
  );

  it('NAME_ASC ignores case', async () => {
    const { seen } = await pageThrough({ sort: 'NAME_ASC', filter: { categorySlug: CATEGORY } }, 50);
    expect(seen[0]?.name.startsWith('Amber')).toBe(true);
    expect(seen[COUNT - 1]?.name.startsWith('frosty') || seen[COUNT - 1]?.name.startsWith('Golden')).toBe(
      true,
    );
  });

  it('stays correct while products are added between pages: no repeats, no gaps', async () => {
    const category = 'paging-live';
    for (let i = 0; i < 30; i += 1) {
      await db.services.catalog.createProduct(productInput({ categorySlug: category, priceAmount: 100 * i }));
    }
    const original = await pageThrough({ filter: { categorySlug: category } }, 100);
    const added: string[] = [];
    const { seen } = await pageThrough(
      { filter: { categorySlug: category }, sort: 'NEWEST' },
      10,
      async () => {
        for (let i = 0; i < 3; i += 1) {
          added.push(
            String((await db.services.catalog.createProduct(productInput({ categorySlug: category })))._id),
          );
        }
      },
    );
    const ids = seen.map((p) => String(p._id));
    expect(new Set(ids).size).toBe(ids.length);
    // Newest first: what was added after the first page sorts before the cursor and is not served.
    expect(ids).toEqual(original.seen.map((p) => String(p._id)));
    expect(added).toHaveLength(6);
  });

  it('counts the whole filtered list in totalCount, not the page', async () => {
    const page = await db.services.queries.listProducts({ first: 5, filter: { categorySlug: CATEGORY } });
    expect(page.edges).toHaveLength(5);
    expect(await page.totalCount()).toBe(COUNT);
  });

  it('filters by price range, inclusive', async () => {
    const { seen } = await pageThrough(
      { filter: { categorySlug: CATEGORY, minPrice: 1500, maxPrice: 2000 } },
      100,
    );
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((p) => p.priceAmount >= 1500 && p.priceAmount <= 2000)).toBe(true);
    expect(seen.some((p) => p.priceAmount === 1500) && seen.some((p) => p.priceAmount === 2000)).toBe(true);
  });

  it.each([
    [{ first: 101 }, 'first'],
    [{ first: 1000 }, 'first'],
    [{ first: 0 }, 'first'],
    [{ after: 'not a cursor!' }, 'after'],
    [{ filter: { minPrice: -1 } }, 'filter.minPrice'],
    [{ filter: { minPrice: 500, maxPrice: 100 } }, 'filter.minPrice'],
    [{ filter: { search: 'x'.repeat(201) } }, 'filter.search'],
  ] as [ListProductsArgs, string][])('refuses %j with BAD_USER_INPUT on %s', async (args, field) => {
    expect(await rejection(db.services.queries.listProducts(args))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field,
    });
  });

  it('accepts 100 per page and refuses a cursor made for another sort', async () => {
    const page = await db.services.queries.listProducts({ first: 100, sort: 'PRICE_ASC' });
    expect(page.edges.length).toBeGreaterThan(COUNT - 1);
    const error = await rejection(
      db.services.queries.listProducts({ sort: 'NEWEST', after: page.pageInfo.endCursor }),
    );
    expect(error).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });
});

describe('products: search', () => {
  beforeAll(async () => {
    const category = 'search';
    await db.services.catalog.createProduct(
      productInput({
        categorySlug: category,
        name: 'Trail Running Shoes',
        description: 'Lightweight shoes with a grippy outsole for muddy trails.',
      }),
    );
    await db.services.catalog.createProduct(
      productInput({
        categorySlug: category,
        name: 'Hiking Socks',
        description: 'Merino socks made for running and hiking on rocky trails.',
      }),
    );
    await db.services.catalog.createProduct(
      productInput({
        categorySlug: category,
        name: 'Café Thermos',
        description: 'Keeps coffee hot for twelve hours.',
      }),
    );
  });

  const names = (page: { edges: { node: ProductDoc }[] }) => page.edges.map((e) => e.node.name);

  it('finds a product by a word of its description, ignoring case, plurals and accents', async () => {
    expect(names(await db.services.queries.listProducts({ filter: { search: 'OUTSOLE' } }))).toEqual([
      'Trail Running Shoes',
    ]);
    expect(names(await db.services.queries.listProducts({ filter: { search: 'coffee' } }))).toEqual([
      'Café Thermos',
    ]);
    expect(names(await db.services.queries.listProducts({ filter: { search: 'cafe' } }))).toEqual([
      'Café Thermos',
    ]);
    expect(names(await db.services.queries.listProducts({ filter: { search: 'shoe' } }))).toEqual([
      'Trail Running Shoes',
    ]);
  });

  it('needs every word to match, and matches nothing for stop words only', async () => {
    expect(
      names(await db.services.queries.listProducts({ filter: { search: 'running trails merino' } })),
    ).toEqual(['Hiking Socks']);
    expect(names(await db.services.queries.listProducts({ filter: { search: 'the and' } }))).toEqual([]);
  });

  it('ranks a match in the name above one in the description under RELEVANCE, and pages by relevance', async () => {
    const ranked = await db.services.queries.listProducts({
      filter: { search: 'running' },
      sort: 'RELEVANCE',
    });
    expect(names(ranked)).toEqual(['Trail Running Shoes', 'Hiking Socks']);
    expect(await ranked.totalCount()).toBe(2);

    const first = await db.services.queries.listProducts({
      first: 1,
      filter: { search: 'running' },
      sort: 'RELEVANCE',
    });
    const second = await db.services.queries.listProducts({
      first: 1,
      after: first.pageInfo.endCursor,
      filter: { search: 'running' },
      sort: 'RELEVANCE',
    });
    expect([...names(first), ...names(second)]).toEqual(['Trail Running Shoes', 'Hiking Socks']);
    expect(second.pageInfo.hasNextPage).toBe(false);

    // Scores of one search mean nothing for another.
    const elsewhere = db.services.queries.listProducts({
      after: first.pageInfo.endCursor,
      filter: { search: 'trails' },
      sort: 'RELEVANCE',
    });
    expect(await rejection(elsewhere)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });

  it('reads only the fields a page asks for, with the sort key its cursors hold, and pages alike', async () => {
    for (const sort of ['NEWEST', 'PRICE_ASC', 'NAME_ASC'] as const) {
      const whole = await pageThrough({ sort, filter: { categorySlug: CATEGORY } }, 10);
      const lean = await pageThrough({ sort, filter: { categorySlug: CATEGORY }, fields: ['name'] }, 10);
      expect(lean.seen.map((p) => String(p._id))).toEqual(whole.seen.map((p) => String(p._id)));
      expect(lean.seen.map((p) => p.name)).toEqual(whole.seen.map((p) => p.name));
      const sortKey = { NEWEST: 'createdAt', PRICE_ASC: 'priceAmount', NAME_ASC: 'nameKey' }[sort];
      expect(Object.keys(lean.seen[0]!).sort()).toEqual(['_id', 'name', sortKey].sort());
    }
    const searched = await db.services.queries.listProducts({
      filter: { search: 'running' },
      sort: 'RELEVANCE',
      fields: ['name', 'priceAmount', 'currency'],
    });
    expect(names(searched)).toEqual(['Trail Running Shoes', 'Hiking Socks']);
    expect(Object.keys(searched.edges[0]!.node).sort()).toEqual(['_id', 'currency', 'name', 'priceAmount']);
    // No list of fields: the whole document but its search terms.
    const all = await db.services.queries.listProducts({ first: 1, fields: null });
    expect(all.edges[0]!.node).toMatchObject({
      description: expect.any(String),
      variants: expect.any(Array),
    });
    expect(all.edges[0]!.node).not.toHaveProperty('searchTerms');
  });

  it('serves RELEVANCE without a search newest first', async () => {
    const relevance = await db.services.queries.listProducts({ first: 10, sort: 'RELEVANCE' });
    const newest = await db.services.queries.listProducts({ first: 10, sort: 'NEWEST' });
    expect(relevance.edges.map((e) => String(e.node._id))).toEqual(
      newest.edges.map((e) => String(e.node._id)),
    );
  });
});
