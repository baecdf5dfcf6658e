/**
 * The variant part of the demo catalog `npm run seed` loads after the generated products: nested
 * categories (Clothing > T-shirts, Clothing > Hoodies, Books), products with sizes and colours and
 * stock per variant, a MANUAL and a RULE collection. Idempotent like the rest of the seed: what
 * exists (a SKU, a category or collection slug: CONFLICT) is left alone, and stock is only added to
 * a product this run created.
 */

export interface VariantSeedReport {
  created: number;
  skipped: number;
  failed: { what: string; error: string }[];
}

interface GraphQLResult {
  data?: Record<string, any> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

type Post = (query: string, variables: Record<string, unknown>) => Promise<GraphQLResult>;

export const SEED_CATEGORIES: { slug: string; name: string; parentSlug: string | null }[] = [
  { slug: 'clothing', name: 'Clothing', parentSlug: null },
  { slug: 't-shirts', name: 'T-shirts', parentSlug: 'clothing' },
  { slug: 'hoodies', name: 'Hoodies', parentSlug: 'clothing' },
  { slug: 'books', name: 'Books', parentSlug: null },
];

interface VariantProduct {
  sku: string;
  name: string;
  description: string;
  priceAmount: number;
  categorySlug: string;
  sizes: string[];
  colours: string[];
  /** Units of each variant, by `${size}/${colour}`; absent: 4. */
  stock: Record<string, number>;
  weightGrams: number;
}

export const SEED_VARIANT_PRODUCTS: VariantProduct[] = [
  {
    sku: 'SEED-TEE-CREW',
    name: 'Crew T-shirt',
    description: 'A soft cotton crew-neck T-shirt, pre-shrunk, in three sizes and two colours.',
    priceAmount: 1_900,
    categorySlug: 't-shirts',
    sizes: ['S', 'M', 'L'],
    colours: ['Red', 'Blue'],
    stock: { 'M/Red': 10, 'L/Blue': 0 },
    weightGrams: 180,
  },
  {
    sku: 'SEED-TEE-VNECK',
    name: 'V-neck T-shirt',
    description: 'A lightweight V-neck T-shirt for warm days, in three sizes and two colours.',
    priceAmount: 1_700,
    categorySlug: 't-shirts',
    sizes: ['S', 'M', 'L'],
    colours: ['Red', 'Blue'],
    stock: { 'S/Blue': 0 },
    weightGrams: 160,
  },
  {
    sku: 'SEED-HOODIE-ZIP',
    name: 'Zip Hoodie',
    description: 'A brushed-fleece zip hoodie with a lined hood, in three sizes and one colour.',
    priceAmount: 4_900,
    categorySlug: 'hoodies',
    sizes: ['S', 'M', 'L'],
    colours: ['Blue'],
    stock: {},
    weightGrams: 520,
  },
];

export const SEED_COLLECTIONS = [
  { slug: 'staff-picks', name: 'Staff picks', type: 'MANUAL', skus: ['SEED-TEE-CREW', 'SEED-HOODIE-ZIP'] },
  { slug: 'under-20', name: 'Under $20', type: 'RULE', rule: { maxPrice: 2_000 } },
] as const;

const exists = (result: GraphQLResult, field: string) =>
  result.errors?.[0]?.extensions?.code === 'CONFLICT' && result.errors[0].extensions.field === field;

function tally(report: VariantSeedReport, what: string, result: GraphQLResult, field: string): boolean {
  if (!result.errors?.length) {
    report.created += 1;
    return true;
  }
  if (exists(result, field)) report.skipped += 1;
  else
    report.failed.push({
      what,
      error: `${String(result.errors[0]!.extensions?.code)}: ${result.errors[0]!.message}`,
    });
  return false;
}

function productInput(product: VariantProduct) {
  const combos = product.colours.flatMap((colour) => product.sizes.map((size) => ({ size, colour })));
  return {
    sku: product.sku,
    name: product.name,
    description: product.description,
    priceAmount: product.priceAmount,
    categorySlug: product.categorySlug,
    options: [
      { name: 'Size', values: product.sizes },
      { name: 'Colour', values: product.colours },
    ],
    variants: combos.map(({ size, colour }) => ({
      sku: `${product.sku}-${colour.toUpperCase()}-${size}`,
      options: [
        { name: 'Size', value: size },
        { name: 'Colour', value: colour },
      ],
      weightGrams: product.weightGrams,
    })),
  };
}

const CREATE = `mutation SeedVariantProduct($input: ProductInput!) {
  createProduct(input: $input) { id variants { id selectedOptions { name value } } }
}`;
const ADJUST = `mutation SeedVariantStock($p: ID!, $v: ID!, $d: Int!) {
  adjustStock(productId: $p, variantId: $v, delta: $d, reason: PURCHASE, reference: "seed") { available }
}`;

async function seedProduct(
  post: Post,
  product: VariantProduct,
  report: VariantSeedReport,
): Promise<string | null> {
  const result = await post(CREATE, { input: productInput(product) });
  if (!tally(report, product.sku, result, 'input.sku')) return null;
  const created = result.data!.createProduct as {
    id: string;
    variants: { id: string; selectedOptions: { name: string; value: string }[] }[];
  };
  for (const variant of created.variants) {
    const key = variant.selectedOptions.map((o) => o.value).join('/');
    const units = product.stock[key] ?? 4;
    if (units === 0) continue;
    const adjusted = await post(ADJUST, { p: created.id, v: variant.id, d: units });
    if (adjusted.errors?.length)
      report.failed.push({ what: `${product.sku} ${key} stock`, error: adjusted.errors[0]!.message });
  }
  return created.id;
}

/** Loads the categories, variant products and collections above through `post` (an admin's). */
export async function seedVariantCatalog(post: Post): Promise<VariantSeedReport> {
  const report: VariantSeedReport = { created: 0, skipped: 0, failed: [] };
  for (const category of SEED_CATEGORIES) {
    const result = await post('mutation($i: CategoryInput!) { createCategory(input: $i) { slug } }', {
      i: category,
    });
    tally(report, `category ${category.slug}`, result, 'input.slug');
  }
  for (const product of SEED_VARIANT_PRODUCTS) await seedProduct(post, product, report);
  const ids = new Map<string, string>();
  for (const product of SEED_VARIANT_PRODUCTS) {
    const found = await post(
      'query($s: String!) { products(first: 1, filter: { search: $s }) { edges { node { id sku } } } }',
      {
        s: product.name,
      },
    );
    const node = found.data?.products.edges.find(
      (e: { node: { sku: string } }) => e.node.sku === product.sku,
    )?.node;
    if (node) ids.set(product.sku, node.id);
  }
  for (const collection of SEED_COLLECTIONS) {
    const input =
      collection.type === 'MANUAL'
        ? {
            slug: collection.slug,
            name: collection.name,
            type: collection.type,
            productIds: collection.skus.map((sku) => ids.get(sku)).filter(Boolean),
          }
        : { slug: collection.slug, name: collection.name, type: collection.type, rule: collection.rule };
    const result = await post('mutation($i: CollectionInput!) { createCollection(input: $i) { slug } }', {
      i: input,
    });
    tally(report, `collection ${collection.slug}`, result, 'input.slug');
  }
  return report;
}
