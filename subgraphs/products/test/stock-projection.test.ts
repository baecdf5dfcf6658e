import { subscribeConsumers } from '@novamart/events';
import { startServiceHarness, type ServiceHarness } from '@novamart/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { productsConsumer } from '../src/events/handlers';
import { createProductsServices, ensureProductsIndexes, type ProductsServices } from '../src/index';
import { productModel } from '../src/models/product';
import { productInput } from './support';

// The products subgraph's in-stock projection, fed by inventory.stock_changed (consumer group
// `products`): the product's available over all its variants, newest event wins, the catalog's
// updatedAt untouched, and what the in-stock filter and facet read.
describe('in-stock projection from inventory.stock_changed', () => {
  let h: ServiceHarness<ProductsServices>;

  beforeAll(async () => {
    h = await startServiceHarness<ProductsServices>({
      name: 'products',
      services: async ({ conn }) => {
        await ensureProductsIndexes(conn);
        return createProductsServices(conn);
      },
      consumers: (bus, conn) => subscribeConsumers(bus, conn, [productsConsumer(productModel(conn))]),
    });
  });
  afterAll(async () => h?.close());

  const stock = (productId: string, productAvailable: number, available = 0) => ({
    productId,
    variantId: `${productId}-v`,
    available,
    productAvailable,
    onHand: available,
    reserved: 0,
    reorderLevel: 0,
  });

  it('keeps the newest level, leaves updatedAt alone, and is what inStock filters and counts on', async () => {
    const product = await h.services.catalog.createProduct(productInput({ categorySlug: 'lamps' }));
    const id = String(product._id);
    const inStock = async (value: boolean) => {
      const page = await h.services.queries.listProducts({
        filter: { categorySlug: 'lamps', inStock: value },
      });
      return page.edges.map((edge) => String(edge.node._id));
    };
    expect(await inStock(true)).toEqual([]);
    expect(await inStock(false)).toEqual([id]);

    const at = new Date();
    // A variant's change: the product's sum (productAvailable) is what counts, not the variant's.
    const event = await h.publish('inventory.stock_changed', id, stock(id, 5, 2), at);
    const stored = await productModel(h.conn).findById(id).lean();
    expect(stored).toMatchObject({ stockAvailable: 5, stockAt: at });
    expect(stored!.updatedAt).toEqual(product.updatedAt);
    expect(await inStock(true)).toEqual([id]);

    // Redelivered, and an older event arriving late: nothing changes.
    await h.bus.publish(event);
    await h.publish('inventory.stock_changed', id, stock(id, 0), new Date(at.getTime() - 1_000));
    expect(await productModel(h.conn).findById(id).lean()).toMatchObject({ stockAvailable: 5 });
    const facets = await (
      await h.services.queries.listProducts({ filter: { categorySlug: 'lamps' } })
    ).facets();
    expect({ inStock: facets.inStock, outOfStock: facets.outOfStock }).toEqual({ inStock: 1, outOfStock: 0 });

    // Older events without productAvailable: the item's available is the product's.
    await h.publish(
      'inventory.stock_changed',
      id,
      { productId: id, available: 0, onHand: 0, reserved: 0, reorderLevel: 0 },
      new Date(at.getTime() + 1_000),
    );
    expect(await inStock(false)).toEqual([id]);
  });
});
