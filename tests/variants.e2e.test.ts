import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, uniqueDbName } from '@novamart/kit/testing';
import { backfillDefaultVariants, productsSubgraph } from '@novamart/products';
import { inventorySubgraph } from '@novamart/inventory';
import { cartSubgraph } from '@novamart/cart';
import { ordersSubgraph } from '@novamart/orders';
import { paymentsSubgraph } from '@novamart/payments';
import { backfillVariantIds, stockItemModel } from '../subgraphs/inventory/src/models/stock-item';
import { productModel } from '../subgraphs/products/src/models/product';
import { startSupergraph, type Supergraph } from './support/supergraph';
import { checkout, mustSucceed } from './support/storefront';
import { stormCustomers } from './support/storm';

/**
 * Issue 14 (catalog): products with options and variants, stock per variant, carts and orders of
 * variants, through the gateway: a red M T-shirt bought end to end, a storm on one variant that
 * leaves its sibling alone, validation, and the default variant of products without options
 * (including products and stock stored before variants existed).
 */

const VARIANT_FIELDS =
  'id sku title isDefault taxClass weightGrams selectedOptions { name value } price { amount }';

const CREATE = `mutation($input: ProductInput!) {
  createProduct(input: $input) {
    id sku taxClass
    options { name values }
    variants { ${VARIANT_FIELDS} }
    defaultVariant { id }
  }
}`;

const SET_VARIANTS = `mutation($p: ID!, $input: ProductVariantsInput!) {
  setProductVariants(productId: $p, input: $input) { id variants { id sku } }
}`;

const ADJUST = `mutation($p: ID!, $v: ID, $d: Int!) {
  adjustStock(productId: $p, variantId: $v, delta: $d, reason: PURCHASE) { available }
}`;

const STOCK = `query($id: ID!) {
  product(id: $id) {
    inventory { available reserved onHand }
    variants { id title inventory { available reserved onHand } }
  }
}`;

interface VariantRow {
  id: string;
  sku: string;
  title: string;
  isDefault: boolean;
  selectedOptions: { name: string; value: string }[];
  price: { amount: number };
}

interface Stock {
  available: number;
  reserved: number;
  onHand: number;
}

const SIZES = ['S', 'M', 'L'];
const COLOURS = ['Red', 'Blue'];

function tshirtInput(sku: string) {
  return {
    sku,
    name: 'Crew T-shirt',
    description: 'Cotton, in three sizes and two colours',
    priceAmount: 1_900,
    options: [
      { name: 'Size', values: SIZES },
      { name: 'Colour', values: COLOURS },
    ],
    variants: COLOURS.flatMap((colour) =>
      SIZES.map((size) => ({
        sku: `${sku}-${colour.toUpperCase()}-${size}`,
        options: [
          { name: 'Colour', value: colour },
          { name: 'Size', value: size },
        ],
        ...(size === 'L' ? { priceAmount: 2_100 } : {}),
        weightGrams: 180,
        ...(colour === 'Blue' ? { taxClass: 'REDUCED' } : {}),
      })),
    ),
  };
}

describe('product variants through the gateway', () => {
  let sg: Supergraph;
  let adminToken: string;

  const asAdmin = (query: string, variables: Record<string, unknown>) =>
    sg.query(query, variables, { token: adminToken });

  async function createTshirt(stock: (variant: VariantRow) => number) {
    const sku = `TEE-${randomUUID().slice(0, 8)}`;
    const created = mustSucceed(
      await asAdmin(CREATE, { input: tshirtInput(sku) }),
      'createProduct',
    ).createProduct;
    for (const variant of created.variants as VariantRow[]) {
      const units = stock(variant);
      if (units > 0)
        mustSucceed(await asAdmin(ADJUST, { p: created.id, v: variant.id, d: units }), 'adjustStock');
    }
    const variant = (title: string) => (created.variants as VariantRow[]).find((v) => v.title === title)!;
    return { created, variant };
  }

  async function stockOf(productId: string) {
    const product = mustSucceed(await asAdmin(STOCK, { id: productId }), 'product').product;
    const byTitle = new Map<string, Stock>(
      product.variants.map((v: { title: string; inventory: Stock }) => [v.title, v.inventory]),
    );
    return { total: product.inventory as Stock, byTitle };
  }

  async function statusOf(orderId: string, token: string): Promise<string> {
    const res = await sg.query('query($id: ID!) { order(id: $id) { status } }', { id: orderId }, { token });
    return mustSucceed(res, 'order').order.status;
  }

  beforeAll(async () => {
    sg = await startSupergraph({
      subgraphs: [productsSubgraph, inventorySubgraph, cartSubgraph, ordersSubgraph, paymentsSubgraph],
      env: { LOG_LEVEL: 'error' },
    });
    adminToken = await sg.tokenFor({ id: `variants-admin-${randomUUID()}`, role: 'ADMIN' });
  }, 120_000);
  afterAll(async () => sg?.stop());

  it('creates a product with options and variants: one value of every option each, the default first', async () => {
    const { created } = await createTshirt(() => 0);
    expect(created.options).toEqual([
      { name: 'Size', values: SIZES },
      { name: 'Colour', values: COLOURS },
    ]);
    const variants = created.variants as VariantRow[];
    expect(variants.map((v) => v.title)).toEqual([
      'S / Red',
      'M / Red',
      'L / Red',
      'S / Blue',
      'M / Blue',
      'L / Blue',
    ]);
    // Selected options follow the options' order, whatever order the input gave them in.
    expect(variants[1]!.selectedOptions).toEqual([
      { name: 'Size', value: 'M' },
      { name: 'Colour', value: 'Red' },
    ]);
    expect(variants[0]).toMatchObject({ id: created.id, isDefault: true });
    expect(created.defaultVariant.id).toBe(created.id);
    expect(variants.filter((v) => v.isDefault)).toHaveLength(1);
    expect(variants.map((v) => v.price.amount)).toEqual([1_900, 1_900, 2_100, 1_900, 1_900, 2_100]);
    expect(variants.map((v) => (v as unknown as { taxClass: string }).taxClass)).toEqual([
      'STANDARD',
      'STANDARD',
      'STANDARD',
      'REDUCED',
      'REDUCED',
      'REDUCED',
    ]);
    expect(created.taxClass).toBe('STANDARD');
  });

  it('buys a red M T-shirt: the order line snapshots the variant, its stock drops, its siblings do not', async () => {
    const { created, variant } = await createTshirt((v) => (v.title === 'M / Red' ? 7 : 3));
    const redM = variant('M / Red');
    const [customer] = await stormCustomers((viewer) => sg.tokenFor(viewer), 1, 'variant-buyer');
    const before = await stockOf(created.id);
    expect(before.total).toEqual({ available: 7 + 5 * 3, reserved: 0, onHand: 7 + 5 * 3 });

    const cart = mustSucceed(
      await sg.query(
        `mutation($p: ID!, $v: ID) { addToCart(productId: $p, variantId: $v, quantity: 2) {
          items { variantId quantity unitPrice { amount } variant { id sku title } product { id } }
        } }`,
        { p: created.id, v: redM.id },
        { token: customer!.token },
      ),
      'addToCart',
    ).addToCart;
    expect(cart.items).toEqual([
      {
        variantId: redM.id,
        quantity: 2,
        unitPrice: { amount: 1_900 },
        variant: { id: redM.id, sku: redM.sku, title: 'M / Red' },
        product: { id: created.id },
      },
    ]);

    const placed = mustSucceed(
      await sg.query(
        'mutation($i: CheckoutInput!) { checkout(input: $i) { id } }',
        {
          i: {
            idempotencyKey: `variant-${randomUUID()}`,
            email: customer!.email,
            shippingAddress: { name: 'V', line1: '1 Main St', city: 'X', postalCode: '94103', country: 'US' },
          },
        },
        { token: customer!.token },
      ),
      'checkout',
    ).checkout.id as string;
    await eventually(
      () => statusOf(placed, customer!.token),
      (status) => status === 'AWAITING_PAYMENT',
      { what: 'the reservation of the red M', timeoutMs: 20_000 },
    );

    const order = mustSucceed(
      await sg.query(
        `query($id: ID!) { order(id: $id) { items {
          sku name quantity variantId variantTitle selectedOptions { name value }
          variant { id sku inventory { available } } product { id }
        } } }`,
        { id: placed },
        { token: customer!.token },
      ),
      'order',
    ).order;
    expect(order.items).toEqual([
      {
        sku: redM.sku,
        name: 'Crew T-shirt',
        quantity: 2,
        variantId: redM.id,
        variantTitle: 'M / Red',
        selectedOptions: [
          { name: 'Size', value: 'M' },
          { name: 'Colour', value: 'Red' },
        ],
        variant: { id: redM.id, sku: redM.sku, inventory: { available: 5 } },
        product: { id: created.id },
      },
    ]);

    const after = await stockOf(created.id);
    expect(after.byTitle.get('M / Red')).toEqual({ available: 5, reserved: 2, onHand: 7 });
    for (const [title, stock] of after.byTitle) {
      if (title !== 'M / Red') expect(stock).toEqual(before.byTitle.get(title));
    }
    // Product.inventory is the sum over the variants.
    const sum = (field: keyof Stock) => [...after.byTitle.values()].reduce((total, s) => total + s[field], 0);
    expect(after.total).toEqual({
      available: sum('available'),
      reserved: sum('reserved'),
      onHand: sum('onHand'),
    });
    expect(after.total).toEqual({ available: 20, reserved: 2, onHand: 22 });

    // The ledger of the variant holds its reservation; the sibling's has its purchase only.
    const movements = mustSucceed(
      await asAdmin(
        'query($p: ID!, $v: ID) { stockMovements(productId: $p, variantId: $v) { edges { node { reason delta reservedDelta variant { id } } } } }',
        { p: created.id, v: redM.id },
      ),
      'stockMovements',
    ).stockMovements.edges.map((e: { node: unknown }) => e.node);
    expect(movements).toEqual([
      { reason: 'RESERVATION', delta: 0, reservedDelta: 2, variant: { id: redM.id } },
      { reason: 'PURCHASE', delta: 7, reservedDelta: 0, variant: { id: redM.id } },
    ]);
  }, 60_000);

  it('30 checkouts at once on a variant with stock 10: exactly 10 reserved, 20 OUT_OF_STOCK, the sibling untouched', async () => {
    const { created, variant } = await createTshirt((v) =>
      v.title === 'S / Blue' ? 10 : v.title === 'M / Blue' ? 5 : 0,
    );
    const wanted = variant('S / Blue');
    const customers = await stormCustomers((viewer) => sg.tokenFor(viewer), 30, 'variant-storm');
    const orders = await Promise.all(
      customers.map((customer, i) =>
        checkout(sg, customer, created.id, `variant-storm-${i}-${randomUUID()}`, {
          withEmail: true,
          variantId: wanted.id,
        }).then((orderId) => ({ orderId, token: customer.token })),
      ),
    );
    const outcomes: string[] = [];
    for (const { orderId, token } of orders) {
      outcomes.push(
        await eventually(
          () => statusOf(orderId, token),
          (status) => status !== 'PENDING',
          { what: `order ${orderId} to leave PENDING`, timeoutMs: 60_000 },
        ),
      );
    }
    expect(outcomes.filter((s) => s === 'AWAITING_PAYMENT')).toHaveLength(10);
    expect(outcomes.filter((s) => s === 'CANCELLED')).toHaveLength(20);
    const reservations = sg.subgraph('inventory').runtime.mongo.db!.collection('reservations');
    const ids = orders.map((o) => o.orderId);
    expect(await reservations.countDocuments({ orderId: { $in: ids }, status: 'FAILED' })).toBe(20);
    const failed = await reservations.findOne({ orderId: { $in: ids }, status: 'FAILED' });
    expect(failed!.shortLines).toEqual([
      { productId: created.id, variantId: wanted.id, requested: 1, available: 0 },
    ]);

    const stock = await stockOf(created.id);
    expect(stock.byTitle.get('S / Blue')).toEqual({ available: 0, reserved: 10, onHand: 10 });
    expect(stock.byTitle.get('M / Blue')).toEqual({ available: 5, reserved: 0, onHand: 5 });
    expect(stock.total).toEqual({ available: 5, reserved: 10, onHand: 15 });
  }, 180_000);

  it('refuses invalid variants with BAD_USER_INPUT and the field, writing nothing', async () => {
    const sku = `TEE-${randomUUID().slice(0, 8)}`;
    const input = tshirtInput(sku);
    const attempt = async (variants: unknown[]) => {
      const res = await asAdmin(CREATE, { input: { ...input, variants } });
      return res.errors?.[0];
    };
    const red = (size: string, suffix = size) => ({
      sku: `${sku}-X${suffix}`,
      options: [
        { name: 'Size', value: size },
        { name: 'Colour', value: 'Red' },
      ],
    });
    const missing = await attempt([{ sku: `${sku}-A`, options: [{ name: 'Size', value: 'S' }] }]);
    expect(missing).toMatchObject({
      message: 'The variant is missing a value for Colour',
      extensions: { code: 'BAD_USER_INPUT', field: 'input.variants.0.options' },
    });
    const unknownValue = await attempt([red('XL')]);
    expect(unknownValue).toMatchObject({
      message: 'XL is not a value of option Size',
      extensions: { code: 'BAD_USER_INPUT', field: 'input.variants.0.options' },
    });
    const unknownOption = await attempt([
      { ...red('S'), options: [...red('S').options, { name: 'Fit', value: 'Slim' }] },
    ]);
    expect(unknownOption).toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', field: 'input.variants.0.options' },
    });
    const twice = await attempt([red('S', '1'), red('S', '2')]);
    expect(twice).toMatchObject({
      message: 'Another variant already has S / Red',
      extensions: { code: 'BAD_USER_INPUT', field: 'input.variants.1.options' },
    });
    const sameSku = await attempt([red('S', '1'), red('M', '1')]);
    expect(sameSku).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'input.variants.1.sku' } });
    const duplicateOption = await asAdmin(CREATE, {
      input: { ...input, options: [input.options[0], { name: 'size', values: ['X'] }] },
    });
    expect(duplicateOption.errors?.[0]).toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', field: 'input.options.1.name' },
    });
    // A SKU another product's variant has is the catalog's conflict, as for products.
    const { created: other } = await createTshirt(() => 0);
    const taken = await attempt([{ ...red('S'), sku: (other.variants as VariantRow[])[3]!.sku }]);
    expect(taken).toMatchObject({ extensions: { code: 'CONFLICT', field: 'input.variants' } });
    // Nothing was written by any refusal.
    const products = sg.subgraph('products').runtime.mongo.db!.collection('products');
    expect(await products.countDocuments({ sku })).toBe(0);

    // setProductVariants: the same rules, and a variant id of another product is refused.
    const refused = await asAdmin(SET_VARIANTS, {
      p: other.id,
      input: {
        options: input.options,
        variants: [{ ...red('S'), id: randomUUID().replace(/-/g, '').slice(0, 24) }],
      },
    });
    expect(refused.errors?.[0]).toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', field: 'input.variants.0.id' },
    });
  }, 60_000);

  it('setProductVariants keeps named variants (and their stock) and always keeps the default variant', async () => {
    const { created, variant } = await createTshirt((v) => (v.title === 'M / Red' ? 4 : 0));
    const redM = variant('M / Red');
    const kept = mustSucceed(
      await asAdmin(SET_VARIANTS, {
        p: created.id,
        input: {
          options: [
            { name: 'Size', values: ['M', 'XL'] },
            { name: 'Colour', values: ['Red'] },
          ],
          variants: [
            {
              id: redM.id,
              sku: redM.sku,
              options: [
                { name: 'Size', value: 'M' },
                { name: 'Colour', value: 'Red' },
              ],
            },
            {
              sku: `${redM.sku}-XL`,
              options: [
                { name: 'Size', value: 'XL' },
                { name: 'Colour', value: 'Red' },
              ],
            },
          ],
        },
      }),
      'setProductVariants',
    ).setProductVariants;
    // The default variant's id is the product's: the first new variant took it.
    expect(kept.variants.map((v: { id: string }) => v.id)).toEqual([created.id, redM.id]);
    expect((await stockOf(created.id)).byTitle.get('M / Red')).toEqual({
      available: 4,
      reserved: 0,
      onHand: 4,
    });
  });

  it('a product without options has one default variant, which addToCart(productId) buys', async () => {
    const sku = `PLAIN-${randomUUID().slice(0, 8)}`;
    const created = mustSucceed(
      await asAdmin(CREATE, {
        input: {
          sku,
          name: 'Plain Mug',
          description: 'One size',
          priceAmount: 900,
          initialStock: 3,
          weightGrams: 350,
        },
      }),
      'createProduct',
    ).createProduct;
    expect(created.options).toEqual([]);
    expect(created.variants).toEqual([
      {
        id: created.id,
        sku,
        title: 'Default',
        isDefault: true,
        taxClass: 'STANDARD',
        weightGrams: 350,
        selectedOptions: [],
        price: { amount: 900 },
      },
    ]);
    const [customer] = await stormCustomers((viewer) => sg.tokenFor(viewer), 1, 'plain-buyer');
    const cart = mustSucceed(
      await sg.query(
        'mutation($p: ID!) { addToCart(productId: $p, quantity: 1) { items { variantId variant { sku } } } }',
        { p: created.id },
        { token: customer!.token },
      ),
      'addToCart',
    ).addToCart;
    expect(cart.items).toEqual([{ variantId: created.id, variant: { sku } }]);
    const stock = mustSucceed(
      await asAdmin(
        'query($id: ID!) { productVariant(id: $id) { inventory { available } product { inventory { available } } } }',
        {
          id: created.id,
        },
      ),
      'productVariant',
    ).productVariant;
    expect(stock).toEqual({ inventory: { available: 3 }, product: { inventory: { available: 3 } } });
  });

  it('products and stock stored before variants read as their default variant, and the start-up steps are idempotent', async () => {
    const products = sg.subgraph('products').runtime.mongo;
    const inventory = sg.subgraph('inventory').runtime.mongo;
    const { Types } = await import('mongoose');
    const legacyId = new Types.ObjectId();
    const sku = `LEGACY-${randomUUID().slice(0, 8)}`;
    const now = new Date();
    await products.db!.collection('products').insertOne({
      _id: legacyId,
      sku,
      slug: `legacy-${legacyId.toHexString()}`,
      name: 'Legacy Lamp',
      nameKey: 'legacy lamp',
      description: 'Stored before variants',
      nameTerms: [],
      searchTerms: [],
      priceAmount: 4_200,
      currency: 'USD',
      categorySlug: null,
      images: [],
      active: true,
      archivedAt: null,
      createdAt: now,
      updatedAt: now,
    });
    // The stock item as inventory stored it: one per product, no variantId.
    await inventory.db!.collection('stock_items').insertOne({
      productId: legacyId.toHexString(),
      sku,
      name: 'Legacy Lamp',
      available: 6,
      reserved: 0,
      onHand: 6,
      reorderLevel: 1,
      lowStockAlerted: false,
      createdAt: now,
      updatedAt: now,
    });
    // Read lazily before any backfill: the default variant, with the product's id.
    const lazy = mustSucceed(
      await asAdmin(
        'query($id: ID!) { product(id: $id) { variants { id sku title } } productVariant(id: $id) { sku } }',
        {
          id: legacyId.toHexString(),
        },
      ),
      'product',
    );
    expect(lazy.product.variants).toEqual([{ id: legacyId.toHexString(), sku, title: 'Default' }]);
    expect(lazy.productVariant).toEqual({ sku });

    expect(await backfillDefaultVariants(productModel(products))).toBe(1);
    expect(await backfillDefaultVariants(productModel(products))).toBe(0);
    const stored = await products.db!.collection('products').findOne({ _id: legacyId });
    expect(stored!.variants).toHaveLength(1);
    expect(String(stored!.variants[0]._id)).toBe(legacyId.toHexString());

    await backfillVariantIds(stockItemModel(inventory));
    await backfillVariantIds(stockItemModel(inventory));
    const item = await inventory.db!.collection('stock_items').findOne({ productId: legacyId.toHexString() });
    expect(item!.variantId).toBe(legacyId.toHexString());
    const stock = mustSucceed(await asAdmin(STOCK, { id: legacyId.toHexString() }), 'product').product;
    expect(stock.inventory).toEqual({ available: 6, reserved: 0, onHand: 6 });
    expect(stock.variants[0].inventory).toEqual({ available: 6, reserved: 0, onHand: 6 });
  });

  it('the stock step replaces the unique product index with the unique variant one, once', async () => {
    const scratch = sg.subgraph('inventory').runtime.mongo.useDb(uniqueDbName('variants-index'));
    const raw = scratch.db!.collection('stock_items');
    await raw.createIndex({ productId: 1 }, { unique: true });
    await raw.insertOne({ productId: 'p1', available: 1, reserved: 0, onHand: 1 });
    const StockItem = stockItemModel(scratch);
    await backfillVariantIds(StockItem);
    await StockItem.createIndexes();
    await backfillVariantIds(StockItem);
    const names = (await raw.indexes()).map((index) => `${index.name}${index.unique ? ' unique' : ''}`);
    expect(names).toContain('variantId_1 unique');
    expect(names).not.toContain('productId_1 unique');
    expect((await raw.findOne({ productId: 'p1' }))!.variantId).toBe('p1');
    await scratch.db!.dropDatabase();
  });
});
