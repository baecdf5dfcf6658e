import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvent } from '@novamart/events';
import { Types } from 'mongoose';
import {
  newOrderId,
  newProductId,
  openInventoryDb,
  productCreated,
  rejection,
  type InventoryTestDb,
} from './support';

let db: InventoryTestDb;

beforeAll(async () => {
  db = await openInventoryDb({ defaultReorderLevel: 5 });
});
afterAll(async () => {
  await db?.close();
});

const inventory = async (productId: string) => (await db.services.stock.inventoryOf([productId]))[0]!;

describe('opening stock from product.created', () => {
  it('creates the stock item with a PURCHASE movement, once however often the event arrives', async () => {
    const productId = newProductId();
    const event = productCreated(productId, 12);
    expect(await db.deliver(event)).toBe('processed');
    expect(await db.deliver(event)).toBe('duplicate');

    expect(await inventory(productId)).toEqual({
      available: 12,
      reserved: 0,
      onHand: 12,
      inStock: true,
      lowStock: false,
      reorderLevel: 5,
      reorderQuantity: null,
    });
    const { item, sums, movements } = await db.ledger(productId);
    expect(movements).toEqual([{ delta: 12, reservedDelta: 0, reason: 'PURCHASE' }]);
    expect(sums).toEqual({ onHand: item!.onHand, reserved: item!.reserved });
    const changed = (await db.outboxEvents('inventory.stock_changed')).filter(
      (e) => e.aggregateId === productId,
    );
    expect(changed.map((e) => e.payload)).toEqual([
      // The opening stock is the default variant's (the product's id); the product has no other.
      {
        productId,
        variantId: productId,
        productAvailable: 12,
        previousProductAvailable: 0,
        available: 12,
        onHand: 12,
        reserved: 0,
        reorderLevel: 5,
      },
    ]);
  });

  it('creates an empty stock item for a product without opening stock: no movement, stock_changed at zero', async () => {
    const productId = newProductId();
    await db.deliver(productCreated(productId, null));
    expect(await inventory(productId)).toMatchObject({ available: 0, onHand: 0, inStock: false });
    expect((await db.ledger(productId)).movements).toEqual([]);
    const changed = (await db.outboxEvents('inventory.stock_changed')).filter(
      (e) => e.aggregateId === productId,
    );
    expect(changed.map((e) => e.payload.available)).toEqual([0]);
  });

  it('resolves a product inventory has never heard of as zero stock', async () => {
    const unknown = newProductId();
    expect(await inventory(unknown)).toEqual({
      available: 0,
      reserved: 0,
      onHand: 0,
      inStock: false,
      lowStock: true,
      reorderLevel: 5,
      reorderQuantity: null,
    });
  });

  it('answers many products in input order from one query', async () => {
    const [a, b] = [newProductId(), newProductId()];
    await db.deliver(productCreated(a, 3));
    await db.deliver(productCreated(b, 30));
    const views = await db.services.stock.inventoryOf([b, newProductId(), a, b]);
    expect(views.map((v) => v.available)).toEqual([30, 0, 3, 30]);
  });
});

describe('adjustStock', () => {
  it('records each correction as a movement; onHand always equals the ledger', async () => {
    const productId = newProductId();
    await db.deliver(productCreated(productId, 10));
    await db.services.stock.adjustStock({ productId, delta: 5, reason: 'PURCHASE', reference: 'PO-77' });
    await db.services.stock.adjustStock({ productId, delta: -2, reason: 'DAMAGE' });
    const after = await db.services.stock.adjustStock({
      productId,
      delta: -4,
      reason: 'ADJUSTMENT',
      reference: 'stocktake',
    });
    expect(after).toMatchObject({ available: 9, onHand: 9 });
    const { item, sums, movements } = await db.ledger(productId);
    expect(movements.map((m) => m.reason)).toEqual(['PURCHASE', 'PURCHASE', 'DAMAGE', 'ADJUSTMENT']);
    expect(sums.onHand).toBe(item!.onHand);
  });

  it('refuses to take available below zero with CONFLICT, writing nothing', async () => {
    const productId = newProductId();
    await db.deliver(productCreated(productId, 3));
    const before = await db.ledger(productId);
    const eventsBefore = (await db.outboxEvents()).length;
    const error = await rejection(db.services.stock.adjustStock({ productId, delta: -4, reason: 'DAMAGE' }));
    expect(error).toMatchObject({ code: 'CONFLICT', extensions: { available: 3, field: 'delta' } });
    expect(await db.ledger(productId)).toEqual(before);
    expect((await db.outboxEvents()).length).toBe(eventsBefore);
    // Nothing to take from a product without stock either.
    expect(
      (
        await rejection(
          db.services.stock.adjustStock({ productId: newProductId(), delta: -1, reason: 'ADJUSTMENT' }),
        )
      ).code,
    ).toBe('CONFLICT');
  });

  it.each([
    [{ delta: 0, reason: 'ADJUSTMENT' }, 'delta'],
    [{ delta: 1.5, reason: 'ADJUSTMENT' }, 'delta'],
    [{ delta: -1, reason: 'PURCHASE' }, 'delta'],
    [{ delta: 1, reason: 'DAMAGE' }, 'delta'],
    [{ delta: 1, reason: 'SALE' }, 'reason'],
    [{ delta: 1, reason: 'RESERVATION' }, 'reason'],
    [{ delta: 1, reason: 'ADJUSTMENT', reference: 'x'.repeat(201) }, 'reference'],
  ] as const)('refuses %j with BAD_USER_INPUT on %s', async (input, field) => {
    const productId = newProductId();
    const error = await rejection(db.services.stock.adjustStock({ productId, ...input }));
    expect(error).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect((await db.ledger(productId)).item).toBeNull();
  });

  it('creates the stock item for stock that arrives before product.created, which then adds its opening stock', async () => {
    const productId = newProductId();
    await db.services.stock.adjustStock({ productId, delta: 4, reason: 'PURCHASE' });
    await db.deliver(productCreated(productId, 6, 'EARLY-1'));
    const { item, sums } = await db.ledger(productId);
    expect(item).toMatchObject({ onHand: 10, available: 10 });
    expect(sums.onHand).toBe(10);
    const stored = await db.services.models.StockItem.findOne({ productId }).lean().exec();
    expect(stored?.sku).toBe('EARLY-1');
  });
});

describe('low stock', () => {
  it('alerts once per crossing to the reorder level, and again after stock rose above it', async () => {
    const productId = newProductId();
    await db.deliver(productCreated(productId, 8, 'LOW-1'));
    const take = (n: number) => db.services.stock.adjustStock({ productId, delta: -n, reason: 'ADJUSTMENT' });
    const alerts = async () =>
      (await db.outboxEvents('inventory.low_stock')).filter((e) => e.aggregateId === productId);

    await take(2); // 6
    expect(await alerts()).toHaveLength(0);
    await take(1); // 5: crossing
    await take(1); // 4
    await take(3); // 1
    expect((await alerts()).map((e) => e.payload)).toEqual([
      { productId, sku: 'LOW-1', name: 'Product LOW-1', available: 5, reorderLevel: 5 },
    ]);
    expect((await inventory(productId)).lowStock).toBe(true);

    await db.services.stock.adjustStock({ productId, delta: 10, reason: 'PURCHASE' }); // 11: re-armed
    expect((await inventory(productId)).lowStock).toBe(false);
    await take(5); // 6
    await take(2); // 4: second crossing
    expect((await alerts()).map((e) => e.payload.available)).toEqual([5, 4]);
  });

  it('alerts when a raised reorder level puts the product at or below it', async () => {
    const productId = newProductId();
    await db.deliver(productCreated(productId, 20, 'LOW-2'));
    const raised = await db.services.stock.setReorderLevel(productId, 25);
    expect(raised).toMatchObject({ reorderLevel: 25, lowStock: true });
    await db.services.stock.setReorderLevel(productId, 30);
    const alerts = (await db.outboxEvents('inventory.low_stock')).filter((e) => e.aggregateId === productId);
    expect(alerts).toHaveLength(1);
    expect((await rejection(db.services.stock.setReorderLevel(productId, -1))).field).toBe('reorderLevel');
  });

  it('carries the reorder quantity an admin set in the alert, and refuses one below 1', async () => {
    const productId = newProductId();
    await db.deliver(productCreated(productId, 20, 'LOW-Q'));
    expect((await rejection(db.services.stock.setReorderLevel(productId, 10, null, 0))).field).toBe(
      'reorderQuantity',
    );
    expect((await rejection(db.services.stock.setReorderLevel(productId, 10, null, 2.5))).field).toBe(
      'reorderQuantity',
    );
    const set = await db.services.stock.setReorderLevel(productId, 10, null, 40);
    expect(set).toMatchObject({ reorderLevel: 10, reorderQuantity: 40, lowStock: false });
    // Absent: left as it is.
    expect(await db.services.stock.setReorderLevel(productId, 12)).toMatchObject({ reorderQuantity: 40 });
    await db.services.stock.adjustStock({ productId, delta: -9, reason: 'ADJUSTMENT' });
    const alerts = (await db.outboxEvents('inventory.low_stock')).filter((e) => e.aggregateId === productId);
    expect(alerts.map((e) => e.payload)).toEqual([
      {
        productId,
        sku: 'LOW-Q',
        name: expect.any(String),
        available: 11,
        reorderLevel: 12,
        reorderQuantity: 40,
      },
    ]);
  });

  it('keeps the name the alert quotes current from product.updated', async () => {
    const productId = newProductId();
    await db.deliver(productCreated(productId, 7, 'LOW-3'));
    await db.deliver(
      createEvent('product.updated', productId, {
        productId,
        sku: 'LOW-3',
        slug: 'x',
        name: 'Renamed',
        priceAmount: 1,
        currency: 'USD',
        categorySlug: null,
        active: true,
      }),
    );
    await db.services.stock.adjustStock({ productId, delta: -3, reason: 'ADJUSTMENT' });
    const alert = (await db.outboxEvents('inventory.low_stock')).find((e) => e.aggregateId === productId);
    expect(alert?.payload.name).toBe('Renamed');
  });
});

describe('stockMovements', () => {
  it('pages through the ledger newest first', async () => {
    const productId = newProductId();
    await db.deliver(productCreated(productId, 1));
    for (let i = 1; i <= 6; i += 1) {
      await db.services.stock.adjustStock({
        productId,
        delta: 1,
        reason: 'PURCHASE',
        reference: `batch-${i}`,
      });
    }
    const seen: (string | null)[] = [];
    let after: string | null = null;
    for (;;) {
      const page = await db.services.stock.listMovements({ productId, first: 3, after });
      seen.push(...page.edges.map((e) => e.node.reference));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual(['batch-6', 'batch-5', 'batch-4', 'batch-3', 'batch-2', 'batch-1', 'opening stock']);
    expect((await rejection(db.services.stock.listMovements({ productId, first: 101 }))).field).toBe('first');
  });
});

describe('returns from return.received', () => {
  const received = (productId: string, restock: boolean) =>
    createEvent('return.received', newOrderId(), {
      returnId: `ret-${new Types.ObjectId().toHexString()}`,
      orderId: newOrderId(),
      userId: 'u-1',
      lines: [{ productId, sku: 'SKU-R', quantity: 3, amount: 3000 }],
      amount: 3000,
      currency: 'USD',
      restock,
      approvedBy: 'support-1',
      receivedBy: 'dispatcher-1',
    });

  it('restocks the returned units with a RETURN movement, once however often the event arrives', async () => {
    const productId = newProductId();
    await db.deliver(productCreated(productId, 4));
    const event = received(productId, true);
    expect(await db.deliver(event)).toBe('processed');
    expect(await db.deliver(event)).toBe('duplicate');
    expect(await inventory(productId)).toMatchObject({ available: 7, onHand: 7, reserved: 0 });
    const { item, sums, movements } = await db.ledger(productId);
    expect(movements).toEqual([
      { delta: 4, reservedDelta: 0, reason: 'PURCHASE' },
      { delta: 3, reservedDelta: 0, reason: 'RETURN' },
    ]);
    expect(sums).toEqual({ onHand: item!.onHand, reserved: item!.reserved });
    const page = await db.services.stock.listMovements({ productId, first: 1 });
    expect(page.edges[0]!.node).toMatchObject({
      reference: `return:${event.payload.returnId}`,
      orderId: event.payload.orderId,
    });
  });

  it('writes off a return that is not restocked: no stock and no movement', async () => {
    const productId = newProductId();
    await db.deliver(productCreated(productId, 4));
    expect(await db.deliver(received(productId, false))).toBe('processed');
    expect(await inventory(productId)).toMatchObject({ available: 4, onHand: 4 });
    expect((await db.ledger(productId)).movements).toHaveLength(1);
  });

  /** A return of 2 units of `kept` and 1 of `damaged`, as orders publishes it since per-line choices. */
  const mixed = (kept: string, damaged: string) =>
    createEvent('return.received', newOrderId(), {
      returnId: `ret-${new Types.ObjectId().toHexString()}`,
      orderId: newOrderId(),
      userId: 'u-1',
      lines: [
        { productId: kept, sku: 'SKU-K', quantity: 2, amount: 2000, restock: true },
        { productId: damaged, sku: 'SKU-D', quantity: 1, amount: 1000, restock: false },
      ],
      amount: 3000,
      currency: 'USD',
      restock: true,
      approvedBy: 'support-1',
      receivedBy: 'dispatcher-1',
    });

  it('restocks only the lines marked restocked, once however often the event arrives', async () => {
    const kept = newProductId();
    const damaged = newProductId();
    await db.deliver(productCreated(kept, 4));
    await db.deliver(productCreated(damaged, 4));
    const event = mixed(kept, damaged);
    expect(await db.deliver(event)).toBe('processed');
    expect(await db.deliver(event)).toBe('duplicate');
    expect(await inventory(kept)).toMatchObject({ available: 6, onHand: 6 });
    expect((await db.ledger(kept)).movements).toEqual([
      { delta: 4, reservedDelta: 0, reason: 'PURCHASE' },
      { delta: 2, reservedDelta: 0, reason: 'RETURN' },
    ]);
    expect(await inventory(damaged)).toMatchObject({ available: 4, onHand: 4 });
    expect((await db.ledger(damaged)).movements).toHaveLength(1);
  });

  it('restocks the restockQuantity of each line, not its whole quantity, once however often the event arrives', async () => {
    const kept = newProductId();
    const damaged = newProductId();
    await db.deliver(productCreated(kept, 4));
    await db.deliver(productCreated(damaged, 4));
    // As orders publishes a return with 2 of 3 units of one line back and the other line written
    // off: no line is back whole, so its flags say false for consumers that know no quantity.
    const event = createEvent('return.received', newOrderId(), {
      returnId: `ret-${new Types.ObjectId().toHexString()}`,
      orderId: newOrderId(),
      userId: 'u-1',
      lines: [
        { productId: kept, sku: 'SKU-K', quantity: 3, amount: 3000, restock: false, restockQuantity: 2 },
        { productId: damaged, sku: 'SKU-D', quantity: 1, amount: 1000, restock: false, restockQuantity: 0 },
      ],
      amount: 4000,
      currency: 'USD',
      restock: false,
      approvedBy: 'support-1',
      receivedBy: 'dispatcher-1',
    });
    expect(await db.deliver(event)).toBe('processed');
    expect(await db.deliver(event)).toBe('duplicate');
    expect(await inventory(kept)).toMatchObject({ available: 6, onHand: 6 });
    const { item, sums, movements } = await db.ledger(kept);
    expect(movements).toEqual([
      { delta: 4, reservedDelta: 0, reason: 'PURCHASE' },
      { delta: 2, reservedDelta: 0, reason: 'RETURN' },
    ]);
    expect(sums).toEqual({ onHand: item!.onHand, reserved: item!.reserved });
    expect(await inventory(damaged)).toMatchObject({ available: 4, onHand: 4 });
    expect((await db.ledger(damaged)).movements).toHaveLength(1);
  });

  it('an event from before per-line choices (lines without restock) takes the top-level flag for each line', async () => {
    const first = newProductId();
    const second = newProductId();
    await db.deliver(productCreated(first, 4));
    await db.deliver(productCreated(second, 4));
    const old = mixed(first, second);
    const lines = old.payload.lines.map(({ restock: _restock, ...line }) => line);
    expect(await db.deliver({ ...old, payload: { ...old.payload, lines } })).toBe('processed');
    expect(await inventory(first)).toMatchObject({ onHand: 6 });
    expect(await inventory(second)).toMatchObject({ onHand: 5 });
    const writtenOff = mixed(first, second);
    const offLines = writtenOff.payload.lines.map(({ restock: _restock, ...line }) => line);
    expect(
      await db.deliver({
        ...writtenOff,
        payload: { ...writtenOff.payload, restock: false, lines: offLines },
      }),
    ).toBe('processed');
    expect(await inventory(first)).toMatchObject({ onHand: 6 });
    expect(await inventory(second)).toMatchObject({ onHand: 5 });
  });
});

describe("orders' restockReturn call and return.received agree", () => {
  /** An order that bought 3 units of the product (its reservation COMMITTED), returned in full. */
  async function soldAndReturned(productId: string) {
    const orderId = newOrderId();
    await db.services.models.Reservation.create({
      orderId,
      status: 'COMMITTED',
      lines: [{ productId, quantity: 3 }],
    });
    const returnId = `ret-${new Types.ObjectId().toHexString()}`;
    const event = createEvent('return.received', orderId, {
      returnId,
      orderId,
      userId: 'u-1',
      lines: [{ productId, sku: 'SKU-R', quantity: 3, amount: 3000 }],
      amount: 3000,
      currency: 'USD',
      restock: true,
      approvedBy: 'support-1',
      receivedBy: 'dispatcher-1',
    });
    const call = () =>
      db.services.stock.restockReturnNow({
        returnId,
        orderId,
        restock: true,
        lines: [{ productId, quantity: 3 }],
      });
    return { orderId, event, call };
  }

  async function expectOneReturnMovement(productId: string) {
    expect(await inventory(productId)).toMatchObject({ available: 7, onHand: 7, reserved: 0 });
    const { item, sums, movements } = await db.ledger(productId);
    expect(movements.filter((m) => m.reason === 'RETURN')).toEqual([
      { delta: 3, reservedDelta: 0, reason: 'RETURN' },
    ]);
    expect(sums).toEqual({ onHand: item!.onHand, reserved: item!.reserved });
  }

  it('the call first: it restocks and answers the stock; the event then changes nothing', async () => {
    const productId = newProductId();
    await db.deliver(productCreated(productId, 4));
    const { event, call } = await soldAndReturned(productId);
    expect(await call()).toMatchObject([{ available: 7, onHand: 7 }]);
    expect(await call()).toMatchObject([{ available: 7, onHand: 7 }]);
    expect(await db.deliver(event)).toBe('processed');
    await expectOneReturnMovement(productId);
  });

  it('the event first: the call then changes nothing', async () => {
    const productId = newProductId();
    await db.deliver(productCreated(productId, 4));
    const { event, call } = await soldAndReturned(productId);
    expect(await db.deliver(event)).toBe('processed');
    expect(await call()).toMatchObject([{ available: 7, onHand: 7 }]);
    await expectOneReturnMovement(productId);
  });

  it('both at once: one restock', async () => {
    const productId = newProductId();
    await db.deliver(productCreated(productId, 4));
    const { event, call } = await soldAndReturned(productId);
    // The loser of the race on the mark fails its transaction; the bus delivers the event again.
    const delivered = () => db.deliver(event).catch(() => db.deliver(event));
    await Promise.all([call(), delivered(), call()]);
    await expectOneReturnMovement(productId);
  });

  describe('a line partly restocked (2 of its 3 units)', () => {
    /** The event orders publishes for it, and its call, which names the 2 units going back. */
    async function partlyRestocked(productId: string) {
      const { orderId, event } = await soldAndReturned(productId);
      const partial = createEvent('return.received', orderId, {
        ...event.payload,
        lines: event.payload.lines.map((line) => ({ ...line, restock: false, restockQuantity: 2 })),
        restock: false,
      });
      const call = () =>
        db.services.stock.restockReturnNow({
          returnId: event.payload.returnId,
          orderId,
          restock: true,
          lines: [{ productId, quantity: 2 }],
        });
      return { event: partial, call };
    }

    async function expectTwoBack(productId: string) {
      expect(await inventory(productId)).toMatchObject({ available: 6, onHand: 6, reserved: 0 });
      const { item, sums, movements } = await db.ledger(productId);
      expect(movements.filter((m) => m.reason === 'RETURN')).toEqual([
        { delta: 2, reservedDelta: 0, reason: 'RETURN' },
      ]);
      expect(sums).toEqual({ onHand: item!.onHand, reserved: item!.reserved });
    }

    it('the call first, then the event: 2 units back, once', async () => {
      const productId = newProductId();
      await db.deliver(productCreated(productId, 4));
      const { event, call } = await partlyRestocked(productId);
      expect(await call()).toMatchObject([{ available: 6, onHand: 6 }]);
      expect(await db.deliver(event)).toBe('processed');
      await expectTwoBack(productId);
    });

    it('the event first, then the call: 2 units back, once', async () => {
      const productId = newProductId();
      await db.deliver(productCreated(productId, 4));
      const { event, call } = await partlyRestocked(productId);
      expect(await db.deliver(event)).toBe('processed');
      await expectTwoBack(productId);
      expect(await call()).toMatchObject([{ available: 6, onHand: 6 }]);
      await expectTwoBack(productId);
    });
  });

  it('refuses a return inventory did not sell to that order, writing nothing', async () => {
    const productId = newProductId();
    await db.deliver(productCreated(productId, 4));
    const { orderId } = await soldAndReturned(productId);
    const unsold = {
      returnId: 'ret-x',
      orderId: newOrderId(),
      restock: true,
      lines: [{ productId, quantity: 1 }],
    };
    expect((await rejection(db.services.stock.restockReturnNow(unsold))).code).toBe('CONFLICT');
    const tooMany = { returnId: 'ret-y', orderId, restock: true, lines: [{ productId, quantity: 4 }] };
    expect(await rejection(db.services.stock.restockReturnNow(tooMany))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.lines[0].quantity',
    });
    expect(await inventory(productId)).toMatchObject({ available: 4, onHand: 4 });
  });
});
