import { inventorySubgraph } from '@novamart/inventory';
import { productsSubgraph } from '@novamart/products';
import { usersSubgraph } from '@novamart/users';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCatalog, seedCatalog } from '../scripts/lib/seed-catalog';
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
