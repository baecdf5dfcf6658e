/**
 * `npm run seed`: loads the demo catalog (scripts/lib/seed-catalog.ts: 240 products in 10
 * categories, with descriptions, image URLs, prices and opening stock) through the running
 * gateway, as an administrator, then the featured products (scripts/lib/seed-featured.ts: a
 * T-shirt with sizes and colours as variants, STANDARD tax, weights; a book, REDUCED tax; each in
 * USD and EUR), then the shop's shipping zones, methods and tax
 * (scripts/lib/seed-shipping.ts: Germany and California) and the demo promotions
 * (scripts/lib/seed-promotions.ts: 10 % off Books and free shipping over $75, both automatic, and
 * the code WELCOME10). Idempotent: products whose SKU exists and promotions whose name exists are
 * left alone, and the shipping and tax settings are saved again as they are.
 *
 *   GATEWAY_URL     default http://localhost:4000/graphql
 *   ADMIN_EMAIL     default admin@novamart.dev  (the development administrator, scripts/lib/dev-admin.ts)
 *   ADMIN_PASSWORD  default NovaMart-dev-2026
 */
import { DEV_ADMIN } from './lib/dev-admin';
import { adminToken, generateCatalog, post, seedCatalog } from './lib/seed-catalog';
import { seedFeatured } from './lib/seed-featured';
import { seedShipping } from './lib/seed-shipping';
import { seedPromotions } from './lib/seed-promotions';
import { seedVariantCatalog } from './lib/seed-variants';

const gatewayUrl = process.env.GATEWAY_URL || 'http://localhost:4000/graphql';
const email = process.env.ADMIN_EMAIL || DEV_ADMIN.email;
const password = process.env.ADMIN_PASSWORD || DEV_ADMIN.password;

const products = generateCatalog();
const categories = new Set(products.map((p) => p.categorySlug)).size;
console.log(
  `Seeding ${products.length} products in ${categories} categories through ${gatewayUrl} as ${email}`,
);

try {
  const report = await seedCatalog({
    gatewayUrl,
    email,
    password,
    products,
    log: (line) => console.log(line),
  });
  console.log(
    `created ${report.created}, left alone (SKU exists) ${report.skipped}, failed ${report.failed.length}`,
  );
  for (const failure of report.failed) console.error(`  ${failure.sku}: ${failure.error}`);
  // Sizes and colours, nested categories and collections (scripts/lib/seed-variants.ts).
  const token = await adminToken({ gatewayUrl, email, password });
  const variants = await seedVariantCatalog((query, variables) => post(gatewayUrl, query, variables, token));
  console.log(
    `variants, categories and collections: created ${variants.created}, left alone ${variants.skipped}, failed ${variants.failed.length}`,
  );
  for (const failure of variants.failed) console.error(`  ${failure.what}: ${failure.error}`);
  const featured = await seedFeatured({ gatewayUrl, email, password });
  console.log(`featured products: created ${featured.created}, left alone (SKU exists) ${featured.skipped}`);
  console.log('Seeding shipping zones, methods and tax');
  await seedShipping({ gatewayUrl, email, password, log: (line) => console.log(line) });
  const promotions = await seedPromotions({ gatewayUrl, email, password });
  console.log(`promotions: created ${promotions.created}, left alone (name exists) ${promotions.skipped}`);
  process.exitCode = report.failed.length + variants.failed.length > 0 ? 1 : 0;
} catch (error) {
  console.error(`seed failed: ${(error as Error).message}`);
  if ((error as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED') {
    console.error('Is NovaMart running? Start it with `npm start` (or set GATEWAY_URL).');
  }
  process.exitCode = 1;
}
