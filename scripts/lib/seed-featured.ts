/**
 * The demo shop's featured products (`npm run seed`): what issue 14's catalog can sell, in both of
 * the shop's currencies, so a shopper in Germany (EUR, prices include tax) and one in the US (USD,
 * prices exclude it) each find them.
 *
 * - The organic T-shirt: options Size (S, M, L) and Colour (Red, Blue), six variants with their
 *   own SKU, weight (S 180 g, M 200 g, L 220 g) and stock, tax class STANDARD.
 * - A hardcover book, in the category `books` (so "10% off Books" applies to it): tax class
 *   REDUCED, 650 g.
 *
 * Idempotent like the catalog: a product whose SKU exists is left alone (its stock too).
 */
import { adminToken, post, type SeedOptions } from './seed-catalog';

const SIZES = [
  { value: 'S', weightGrams: 180 },
  { value: 'M', weightGrams: 200 },
  { value: 'L', weightGrams: 220 },
];
const COLOURS = ['Red', 'Blue'];

/** Units of each T-shirt variant and of each book the seed puts in stock. */
export const FEATURED_STOCK = 50;

function tShirt(currency: 'USD' | 'EUR', priceAmount: number) {
  const market = currency === 'USD' ? 'US' : 'EU';
  return {
    sku: `NM-TEE-${market}`,
    slug: `novamart-organic-t-shirt-${market.toLowerCase()}`,
    name: `NovaMart Organic T-shirt (${market})`,
    description:
      'A heavyweight T-shirt in organic cotton, garment-dyed so the colour stays. Regular fit, ' +
      'ribbed collar, made to last many washes.',
    priceAmount,
    currency,
    categorySlug: 'clothing',
    images: [{ url: 'https://picsum.photos/seed/nm-tee/800/800', alt: 'NovaMart Organic T-shirt' }],
    options: [
      { name: 'Size', values: SIZES.map((size) => size.value) },
      { name: 'Colour', values: COLOURS },
    ],
    variants: SIZES.flatMap((size) =>
      COLOURS.map((colour) => ({
        sku: `NM-TEE-${market}-${colour.toUpperCase()}-${size.value}`,
        options: [
          { name: 'Size', value: size.value },
          { name: 'Colour', value: colour },
        ],
        weightGrams: size.weightGrams,
        taxClass: 'STANDARD',
      })),
    ),
  };
}

function book(currency: 'USD' | 'EUR', priceAmount: number) {
  const market = currency === 'USD' ? 'US' : 'EU';
  return {
    sku: `NM-BOOK-${market}`,
    slug: `shopkeepers-handbook-${market.toLowerCase()}`,
    name: `The Shopkeeper's Handbook (${market} edition)`,
    description:
      'How small shops price, stock and ship: a practical hardcover guide with worked examples, ' +
      'checklists and the arithmetic of margins, tax and discounts.',
    priceAmount,
    currency,
    categorySlug: 'books',
    images: [{ url: 'https://picsum.photos/seed/nm-book/800/800', alt: "The Shopkeeper's Handbook" }],
    weightGrams: 650,
    taxClass: 'REDUCED',
    initialStock: FEATURED_STOCK,
  };
}

/** The featured products: the T-shirt and the book, in USD and in EUR. */
export const FEATURED_PRODUCTS = [
  tShirt('USD', 2900),
  tShirt('EUR', 2500),
  book('USD', 4999),
  book('EUR', 4500),
];

const CREATE = `mutation SeedFeatured($input: ProductInput!) {
  createProduct(input: $input) { id variants { id isDefault } }
}`;
const STOCK = `mutation SeedVariantStock($p: ID!, $v: ID!, $d: Int!) {
  adjustStock(productId: $p, variantId: $v, delta: $d, reason: PURCHASE, reference: "seed") { available }
}`;

/** Creates the featured products (variants with their stock); SKUs that exist are left alone. */
export async function seedFeatured(
  options: Pick<SeedOptions, 'gatewayUrl' | 'email' | 'password'>,
): Promise<{ created: number; skipped: number }> {
  const token = await adminToken(options);
  const report = { created: 0, skipped: 0 };
  for (const input of FEATURED_PRODUCTS) {
    const result = await post(options.gatewayUrl, CREATE, { input }, token);
    const error = result.errors?.[0];
    if (error?.extensions?.code === 'CONFLICT' && error.extensions.field === 'input.sku') {
      report.skipped += 1;
      continue;
    }
    if (error) throw new Error(`${input.sku}: ${error.message}`);
    const product = result.data!.createProduct as { id: string; variants: { id: string }[] };
    if ('variants' in input) {
      for (const variant of product.variants) {
        const stocked = await post(
          options.gatewayUrl,
          STOCK,
          { p: product.id, v: variant.id, d: FEATURED_STOCK },
          token,
        );
        if (stocked.errors?.[0]) throw new Error(`${input.sku} stock: ${stocked.errors[0].message}`);
      }
    }
    report.created += 1;
  }
  return report;
}
