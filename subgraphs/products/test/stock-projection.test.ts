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

  it('writes only the changes that move the product in or out of stock, whatever the order they arrive in', async () => {
    const product = await h.services.catalog.createProduct(productInput({ categorySlug: 'rugs' }));
    const id = String(product._id);
    const stored = async () => productModel(h.conn).findById(id).lean();
    const change = (previousProductAvailable: number, productAvailable: number) => ({
      ...stock(id, productAvailable, productAvailable),
      previousProductAvailable,
    });
    const t0 = Date.now();
    const at = (ms: number) => new Date(t0 + ms);

    await h.publish('inventory.stock_changed', id, change(0, 5), at(0));
    expect(await stored()).toMatchObject({ stockAvailable: 5, stockAt: at(0) });
    // Reservations that leave it in stock: not written.
    await h.publish('inventory.stock_changed', id, change(5, 3), at(1_000));
    await h.publish('inventory.stock_changed', id, change(3, 1), at(2_000));
    expect(await stored()).toMatchObject({ stockAvailable: 5, stockAt: at(0) });
    // Out of stock, then back in, arriving the other way round: the newer crossing stays.
    await h.publish('inventory.stock_changed', id, change(0, 4), at(4_000));
    await h.publish('inventory.stock_changed', id, change(1, 0), at(3_000));
    expect(await stored()).toMatchObject({ stockAvailable: 4, stockAt: at(4_000) });
    await h.publish('inventory.stock_changed', id, change(4, 0), at(5_000));
    expect(await stored()).toMatchObject({ stockAvailable: 0, stockAt: at(5_000) });
    const listed = await h.services.queries.listProducts({
      filter: { categorySlug: 'rugs', inStock: false },
    });
    expect(listed.edges.map((edge) => String(edge.node._id))).toEqual([id]);
  });
});
