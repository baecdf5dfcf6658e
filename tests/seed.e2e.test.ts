import { inventorySubgraph } from '@novamart/inventory';
import { productsSubgraph } from '@novamart/products';
import { usersSubgraph } from '@novamart/users';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminToken, generateCatalog, post, seedCatalog } from '../scripts/lib/seed-catalog';
import { SEED_VARIANT_PRODUCTS, seedVariantCatalog } from '../scripts/lib/seed-variants';
import { HARNESS_ADMIN, startSupergraph, type Supergraph } from './support/supergraph';

describe('npm run seed', () => {
  it('generates the same realistic catalog every time, without the network', () => {
    const catalog = generateCatalog();
    expect(generateCatalog()).toEqual(catalog);
    expect(catalog.length).toBeGreaterThanOrEqual(200);
    expect(new Set(catalog.map((p) => p.categorySlug)).size).toBeGreaterThanOrEqual(8);
    expect(new Set(catalog.map((p) => p.sku)).size).toBe(catalog.length);
    for (const product of catalog) {
      expect(product.description.length).toBeGreaterThan(60);
      expect(Number.isInteger(product.priceAmount) && product.priceAmount > 0).toBe(true);
      expect(product.images.length).toBeGreaterThan(0);
      expect(product.images.every((image) => image.url.startsWith('https://'))).toBe(true);
      expect(product.initialStock).toBeGreaterThanOrEqual(0);
    }
  });

  describe('through the gateway', () => {
    let sg: Supergraph;
    beforeAll(async () => {
      sg = await startSupergraph({ subgraphs: [usersSubgraph, productsSubgraph, inventorySubgraph] });
    });
    afterAll(async () => {
      await sg?.stop();
    });

    it('loads the catalog once: a second run leaves every product alone', async () => {
      const options = {
        gatewayUrl: sg.gatewayUrl,
        email: HARNESS_ADMIN.email,
        password: HARNESS_ADMIN.password,
      };
      const catalog = generateCatalog();
      const first = await seedCatalog(options);
      expect(first).toEqual({ created: catalog.length, skipped: 0, failed: [] });
      const second = await seedCatalog(options);
      expect(second).toEqual({ created: 0, skipped: catalog.length, failed: [] });

      const listed = await sg.query('{ products(first: 1) { totalCount } categories { slug name } }');
      expect(listed.data?.products.totalCount).toBe(catalog.length);
      expect(listed.data?.categories.length).toBeGreaterThanOrEqual(8);
      expect(listed.data?.categories).toContainEqual({ slug: 'home-and-kitchen', name: 'Home and Kitchen' });

      const sample = catalog[0]!;
      const deadline = Date.now() + 10_000;
      let found;
      do {
        found = await sg.query(
          'query ($s: String!) { products(filter: { search: $s }) { edges { node { sku inventory { onHand } } } } }',
          {
            s: sample.name,
          },
        );
      } while (
        found.data?.products.edges[0]?.node.inventory.onHand !== sample.initialStock &&
        Date.now() < deadline
      );
      expect(found.data?.products.edges[0]?.node).toEqual({
        sku: sample.sku,
        inventory: { onHand: sample.initialStock },
      });
    }, 180_000);

    it('loads sizes and colours, nested categories and two collections once', async () => {
      const token = await adminToken({
        gatewayUrl: sg.gatewayUrl,
        email: HARNESS_ADMIN.email,
        password: HARNESS_ADMIN.password,
      });
      const send = (query: string, variables: Record<string, unknown>) =>
        post(sg.gatewayUrl, query, variables, token);
      const first = await seedVariantCatalog(send);
      expect(first.failed).toEqual([]);
      // 'clothing' and 'books' exist when the generated catalog ran first; the rest is new.
      expect(first.created + first.skipped).toBe(4 + SEED_VARIANT_PRODUCTS.length + 2);
      const second = await seedVariantCatalog(send);
      expect(second).toEqual({ created: 0, skipped: first.created + first.skipped, failed: [] });

      const shown = await sg.query(`{
        category(slug: "t-shirts") { ancestors { slug } }
        products(first: 10, filter: { categorySlug: "clothing", options: [{ name: "Size", value: "M" }] }) {
          edges { node { sku variants { title inventory { available } } } }
        }
        picked: collection(slug: "staff-picks") { products { totalCount } }
        cheap: collection(slug: "under-20") { type }
      }`);
      expect(shown.errors).toBeUndefined();
      expect(shown.data?.category.ancestors).toEqual([{ slug: 'clothing' }]);
      const tee = shown.data?.products.edges.find(
        (e: { node: { sku: string } }) => e.node.sku === 'SEED-TEE-CREW',
      );
      expect(tee.node.variants).toHaveLength(6);
      expect(tee.node.variants.find((v: { title: string }) => v.title === 'M / Red').inventory).toEqual({
        available: 10,
      });
      expect(shown.data?.picked.products.totalCount).toBe(2);
      expect(shown.data?.cheap.type).toBe('RULE');
    }, 60_000);

    it('refuses to seed as someone who is not an administrator', async () => {
      const customer = await sg.customer();
      await expect(
        seedCatalog({
          gatewayUrl: sg.gatewayUrl,
          email: customer.email,
          password: customer.password,
          products: [],
        }),
      ).rejects.toThrow(/not an administrator/);
    });
  });
});
