import { createEvent } from '@novamart/events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  newOrderId,
  newProductId,
  openInventoryDb,
  orderPlaced,
  productCreated,
  type InventoryTestDb,
} from './support';

let db: InventoryTestDb;

beforeAll(async () => {
  db = await openInventoryDb({ ttlSeconds: 60, defaultReorderLevel: 2 });
});
afterAll(async () => {
  await db?.close();
});

async function stocked(quantity: number): Promise<string> {
  const productId = newProductId();
  await db.deliver(productCreated(productId, quantity));
  return productId;
}

const stockOf = async (productId: string) => (await db.services.stock.inventoryOf([productId]))[0]!;

async function expectLedgerAgrees(productId: string) {
  const { item, sums } = await db.ledger(productId);
  expect(item).not.toBeNull();
  expect(sums).toEqual({ onHand: item!.onHand, reserved: item!.reserved });
  expect(item!.available).toBe(item!.onHand - item!.reserved);
  expect(item!.available).toBeGreaterThanOrEqual(0);
}

describe('reserveForOrder', () => {
  it('holds every line, records RESERVATION movements and emits inventory.reserved', async () => {
    const [a, b] = [await stocked(5), await stocked(3)];
    const orderId = newOrderId();
    const reservation = await db.services.reservations.reserveForOrder(orderId, [
      { productId: a, quantity: 2 },
      { productId: b, quantity: 1 },
      { productId: a, quantity: 1 },
    ]);
    expect(reservation.status).toBe('RESERVED');
    expect(await stockOf(a)).toMatchObject({ available: 2, reserved: 3, onHand: 5 });
    expect(await stockOf(b)).toMatchObject({ available: 2, reserved: 1, onHand: 3 });
    expect((await db.ledger(a)).movements.at(-1)).toEqual({
      delta: 0,
      reservedDelta: 3,
      reason: 'RESERVATION',
    });
    await expectLedgerAgrees(a);
    await expectLedgerAgrees(b);

    const reserved = (await db.outboxEvents('inventory.reserved')).find((e) => e.aggregateId === orderId);
    expect(reserved?.payload).toMatchObject({ orderId, reservationId: String(reservation._id) });
    expect(reserved?.payload.lines).toEqual(
      expect.arrayContaining([
        // A line without a variant holds the product's default variant, whose id is the product's.
        { productId: a, variantId: a, quantity: 3 },
        { productId: b, variantId: b, quantity: 1 },
      ]),
    );
    expect(new Date(reserved?.payload.expiresAt).getTime()).toBeGreaterThan(Date.now() + 50_000);
  });

  it('holds nothing when one line is short, and emits inventory.reservation_failed with the short lines', async () => {
    const [plenty, scarce] = [await stocked(10), await stocked(1)];
    const before = { plenty: await db.ledger(plenty), scarce: await db.ledger(scarce) };
    const orderId = newOrderId();
    const reservation = await db.services.reservations.reserveForOrder(orderId, [
      { productId: plenty, quantity: 4 },
      { productId: scarce, quantity: 2 },
    ]);
    expect(reservation.status).toBe('FAILED');
    expect(await db.ledger(plenty)).toEqual(before.plenty);
    expect(await db.ledger(scarce)).toEqual(before.scarce);
    const failed = (await db.outboxEvents('inventory.reservation_failed')).find(
      (e) => e.aggregateId === orderId,
    );
    expect(failed?.payload).toEqual({
      orderId,
      reason: 'OUT_OF_STOCK',
      lines: [{ productId: scarce, variantId: scarce, requested: 2, available: 1 }],
    });
  });

  it('treats a product inventory does not know as out of stock', async () => {
    const unknown = newProductId();
    const reservation = await db.services.reservations.reserveForOrder(newOrderId(), [
      { productId: unknown, quantity: 1 },
    ]);
    expect(reservation.shortLines).toEqual([
      { productId: unknown, variantId: unknown, requested: 1, available: 0 },
    ]);
  });

  it('is idempotent per order: a second call returns the first outcome and holds nothing more', async () => {
    const productId = await stocked(4);
    const orderId = newOrderId();
    const first = await db.services.reservations.reserveForOrder(orderId, [{ productId, quantity: 3 }]);
    const again = await db.services.reservations.reserveForOrder(orderId, [{ productId, quantity: 3 }]);
    expect(String(again._id)).toBe(String(first._id));
    expect(await stockOf(productId)).toMatchObject({ available: 1, reserved: 3 });
    expect(
      (await db.outboxEvents('inventory.reserved')).filter((e) => e.aggregateId === orderId),
    ).toHaveLength(1);
  });

  it('reserves from order.placed exactly once however often the event is delivered', async () => {
    const productId = await stocked(6);
    const orderId = newOrderId();
    const event = orderPlaced(orderId, [{ productId, quantity: 2 }]);
    expect(await db.deliver(event)).toBe('processed');
    expect(await db.deliver(event)).toBe('duplicate');
    // A redelivery under a new event id is absorbed by the reservation's own idempotency.
    expect(await db.deliver(orderPlaced(orderId, [{ productId, quantity: 2 }]))).toBe('processed');
    expect(await stockOf(productId)).toMatchObject({ available: 4, reserved: 2 });
    await expectLedgerAgrees(productId);
  });

  it('lets exactly the stock succeed when 100 orders of one unit race for 10 units', async () => {
    const productId = await stocked(10);
    const started = performance.now();
    const outcomes = await Promise.all(
      Array.from({ length: 100 }, () =>
        db.services.reservations.reserveForOrder(newOrderId(), [{ productId, quantity: 1 }]),
      ),
    );
    const elapsedMs = Math.round(performance.now() - started);
    const reserved = outcomes.filter((r) => r.status === 'RESERVED').length;
    const failed = outcomes.filter((r) => r.status === 'FAILED').length;
    expect({ reserved, failed }).toEqual({ reserved: 10, failed: 90 });

    const { item, sums, movements } = await db.ledger(productId);
    expect(item).toEqual({ available: 0, reserved: 10, onHand: 10 });
    expect(sums).toEqual({ onHand: 10, reserved: 10 });
    // Replaying the ledger in order: available never went below zero at any step.
    let available = 0;
    let lowest = Infinity;
    for (const m of movements) {
      available += m.delta - m.reservedDelta;
      lowest = Math.min(lowest, available);
    }
    expect(lowest).toBeGreaterThanOrEqual(0);
    const published = (await db.outboxEvents('inventory.stock_changed')).filter(
      (e) => e.aggregateId === productId,
    );
    expect(published.map((e) => e.payload.available).every((n: number) => n >= 0)).toBe(true);
    expect(published.at(-1)?.payload.available).toBe(0);
    console.warn(
      `[figures] 100 concurrent one-unit reservations on stock 10: ${reserved} reserved, ${failed} failed, ` +
        `available ${item?.available}, reserved ${item?.reserved}, onHand ${item?.onHand}, ledger Σdelta ${sums.onHand} ` +
        `Σreserved ${sums.reserved}, lowest available ${lowest}, ${movements.length} movements, ${elapsedMs} ms`,
    );
    // Every losing transaction is retried after a write conflict: give a loaded machine time.
  }, 120_000);

  it('through the idempotent consumer: 30 orders placed at once on stock 10, each delivered twice, reserve exactly 10', async () => {
    const productId = await stocked(10);
    const events = Array.from({ length: 30 }, () => orderPlaced(newOrderId(), [{ productId, quantity: 1 }]));
    const outcomes = await Promise.all(events.flatMap((event) => [db.deliver(event), db.deliver(event)]));
    expect(outcomes.filter((o) => o === 'processed')).toHaveLength(30);

    const orderIds = events.map((e) => e.aggregateId);
    const reservations = await db.services.models.Reservation.find({ orderId: { $in: orderIds } })
      .lean()
      .exec();
    expect(reservations).toHaveLength(30);
    expect(reservations.filter((r) => r.status === 'RESERVED')).toHaveLength(10);
    expect(reservations.filter((r) => r.status === 'FAILED')).toHaveLength(20);
    expect(await stockOf(productId)).toMatchObject({ available: 0, reserved: 10, onHand: 10 });
    await expectLedgerAgrees(productId);
    const failedEvents = (await db.outboxEvents('inventory.reservation_failed')).filter((e) =>
      orderIds.includes(e.aggregateId),
    );
    expect(failedEvents).toHaveLength(20);
  }, 120_000);

  it('through the consumer, orders and payments racing for one product never conflict in one process', async () => {
    // The stock locks (the kit's KeyedLocks) let one transaction at a time change a stock
    // item, so none of them has to run again after a WriteConflict.
    const productId = await stocked(10);
    const conflicts: string[] = [];
    const client = db.conn.getClient();
    const onFailed = (event: { commandName: string; failure: { code?: number } }) => {
      if (event.failure?.code === 112) conflicts.push(event.commandName);
    };
    client.on('commandFailed', onFailed);
    try {
      const placed = Array.from({ length: 20 }, () =>
        orderPlaced(newOrderId(), [{ productId, quantity: 1 }]),
      );
      await Promise.all(placed.map((event) => db.deliver(event)));
      const paid = await Promise.all(
        placed.map((event) =>
          db.deliver(
            createEvent('payment.succeeded', event.aggregateId, {
              paymentId: `pay-${event.aggregateId}`,
              orderId: event.aggregateId,
              userId: 'u',
              amount: 1000,
              currency: 'USD',
              provider: 'simulated',
            }),
          ),
        ),
      );
      expect(paid.filter((o) => o === 'processed')).toHaveLength(20);
    } finally {
      client.off('commandFailed', onFailed);
    }
    expect(conflicts).toEqual([]);
    expect(await stockOf(productId)).toMatchObject({ available: 0, reserved: 0, onHand: 0 });
    await expectLedgerAgrees(productId);
  }, 120_000);

  it('keeps multi-line orders all-or-nothing under concurrency', async () => {
    const [a, b] = [await stocked(6), await stocked(6)];
    // Each order takes one of a and two of b: b runs out after 3 orders while a still has 3.
    const outcomes = await Promise.all(
      Array.from({ length: 12 }, () =>
        db.services.reservations.reserveForOrder(newOrderId(), [
          { productId: a, quantity: 1 },
          { productId: b, quantity: 2 },
        ]),
      ),
    );
    expect(outcomes.filter((r) => r.status === 'RESERVED')).toHaveLength(3);
    expect(await stockOf(a)).toMatchObject({ available: 3, reserved: 3 });
    expect(await stockOf(b)).toMatchObject({ available: 0, reserved: 6 });
    await expectLedgerAgrees(a);
    await expectLedgerAgrees(b);
  });
});

describe('after the reservation', () => {
  it('commits on payment.succeeded: reserved units become SALE movements, once', async () => {
    const productId = await stocked(5);
    const orderId = newOrderId();
    const reservation = await db.services.reservations.reserveForOrder(orderId, [{ productId, quantity: 2 }]);
    const paid = createEvent('payment.succeeded', orderId, {
      paymentId: 'pay-1',
      orderId,
      userId: 'u',
      amount: 2000,
      currency: 'USD',
      provider: 'simulated',
    });
    await db.deliver(paid);
    await db.deliver(paid);
    await db.services.reservations.commitForOrder(orderId);

    expect(await stockOf(productId)).toMatchObject({ available: 3, reserved: 0, onHand: 3 });
    expect((await db.ledger(productId)).movements.filter((m) => m.reason === 'SALE')).toEqual([
      { delta: -2, reservedDelta: -2, reason: 'SALE' },
    ]);
    await expectLedgerAgrees(productId);
    const committed = (await db.outboxEvents('inventory.reservation_committed')).filter(
      (e) => e.aggregateId === orderId,
    );
    expect(committed.map((e) => e.payload)).toEqual([{ orderId, reservationId: String(reservation._id) }]);
  });

  it('announces a sale with reservation_committed alone: available did not move, so no stock_changed', async () => {
    const productId = await stocked(5);
    const orderId = newOrderId();
    await db.services.reservations.reserveForOrder(orderId, [{ productId, quantity: 2 }]);
    const changes = async () =>
      (await db.outboxEvents('inventory.stock_changed'))
        .filter((e) => e.aggregateId === productId)
        .map((e) => e.payload.available);
    const beforeSale = await changes();
    expect(beforeSale.at(-1)).toBe(3);

    await db.services.reservations.commitForOrder(orderId);
    expect(await stockOf(productId)).toMatchObject({ available: 3, reserved: 0, onHand: 3 });
    expect(await changes()).toEqual(beforeSale);

    // A paid order cancelled before shipment puts its units back: that moves available again.
    await db.services.reservations.cancelForOrder(orderId, 'CUSTOMER_REQUEST');
    expect(await changes()).toEqual([...beforeSale, 5]);
  });

  it('releases held stock on order.cancelled', async () => {
    const productId = await stocked(5);
    const orderId = newOrderId();
    await db.services.reservations.reserveForOrder(orderId, [{ productId, quantity: 4 }]);
    await db.deliver(
      createEvent('order.cancelled', orderId, {
        orderId,
        userId: 'u',
        email: 'e@x.io',
        reason: 'changed my mind',
        wasPaid: false,
      }),
    );
    expect(await stockOf(productId)).toMatchObject({ available: 5, reserved: 0, onHand: 5 });
    expect((await db.ledger(productId)).movements.at(-1)).toEqual({
      delta: 0,
      reservedDelta: -4,
      reason: 'RELEASE',
    });
    const released = (await db.outboxEvents('inventory.reservation_released')).find(
      (e) => e.aggregateId === orderId,
    );
    expect(released?.payload.reason).toBe('changed my mind');
    await expectLedgerAgrees(productId);
  });

  it('restocks a paid order that is cancelled with RETURN movements', async () => {
    const productId = await stocked(5);
    const orderId = newOrderId();
    await db.services.reservations.reserveForOrder(orderId, [{ productId, quantity: 2 }]);
    await db.services.reservations.commitForOrder(orderId);
    const cancelled = await db.services.reservations.cancelForOrder(orderId, 'refunded');
    await db.services.reservations.cancelForOrder(orderId, 'refunded');
    expect(cancelled.status).toBe('RETURNED');
    expect(await stockOf(productId)).toMatchObject({ available: 5, reserved: 0, onHand: 5 });
    expect((await db.ledger(productId)).movements.map((m) => m.reason)).toEqual([
      'PURCHASE',
      'RESERVATION',
      'SALE',
      'RETURN',
    ]);
    await expectLedgerAgrees(productId);
  });

  it('never reserves for an order cancelled before it was placed', async () => {
    const productId = await stocked(5);
    const orderId = newOrderId();
    expect((await db.services.reservations.cancelForOrder(orderId, 'cancelled early')).status).toBe(
      'CANCELLED',
    );
    const late = await db.services.reservations.reserveForOrder(orderId, [{ productId, quantity: 1 }]);
    expect(late.status).toBe('CANCELLED');
    expect(await stockOf(productId)).toMatchObject({ available: 5, reserved: 0 });
  });

  it('commits as soon as it reserves when payment.succeeded overtook order.placed', async () => {
    const productId = await stocked(5);
    const orderId = newOrderId();
    await db.deliver(
      createEvent('payment.succeeded', orderId, {
        paymentId: 'pay-early',
        orderId,
        userId: 'u',
        amount: 1000,
        currency: 'USD',
        provider: 'simulated',
      }),
    );
    expect(await stockOf(productId)).toMatchObject({ available: 5, reserved: 0 });
    await db.deliver(orderPlaced(orderId, [{ productId, quantity: 2 }]));

    expect((await db.services.reservations.findByOrder(orderId))?.status).toBe('COMMITTED');
    expect(await stockOf(productId)).toMatchObject({ available: 3, reserved: 0, onHand: 3 });
    const types = (await db.outboxEvents()).filter((e) => e.aggregateId === orderId).map((e) => e.type);
    expect(types).toEqual(['inventory.reserved', 'inventory.reservation_committed']);
    await expectLedgerAgrees(productId);
  });

  it('is idempotent by the reservation: redeliveries are duplicates, without a processed-event record', async () => {
    const productId = await stocked(5);
    const paid = (orderId: string) =>
      createEvent('payment.succeeded', orderId, {
        paymentId: `pay-${orderId}`,
        orderId,
        userId: 'u',
        amount: 1000,
        currency: 'USD',
        provider: 'simulated',
      });
    // Placed, then paid, each delivered twice.
    const orderId = newOrderId();
    const placed = orderPlaced(orderId, [{ productId, quantity: 2 }]);
    const payment = paid(orderId);
    expect(await db.deliver(placed)).toBe('processed');
    expect(await db.deliver(payment)).toBe('processed');
    expect(await db.deliver(placed)).toBe('duplicate');
    expect(await db.deliver(payment)).toBe('duplicate');
    // Paid before placed: the marker and the reservation that takes its place keep both events.
    const early = newOrderId();
    const earlyPayment = paid(early);
    const earlyPlaced = orderPlaced(early, [{ productId, quantity: 1 }]);
    expect(await db.deliver(earlyPayment)).toBe('processed');
    expect(await db.deliver(earlyPayment)).toBe('duplicate');
    expect(await db.deliver(earlyPlaced)).toBe('processed');
    expect(await db.deliver(earlyPayment)).toBe('duplicate');
    expect(await db.deliver(earlyPlaced)).toBe('duplicate');
    // A failed reservation is the outcome of its event too.
    const short = orderPlaced(newOrderId(), [{ productId, quantity: 50 }]);
    expect(await db.deliver(short)).toBe('processed');
    expect(await db.deliver(short)).toBe('duplicate');

    expect((await db.services.reservations.findByOrder(early))?.status).toBe('COMMITTED');
    expect(await stockOf(productId)).toMatchObject({ available: 2, reserved: 0, onHand: 2 });
    await expectLedgerAgrees(productId);
    const ids = [placed.id, payment.id, earlyPayment.id, earlyPlaced.id, short.id];
    expect(await db.conn.collection('processed_events').countDocuments({ eventId: { $in: ids } })).toBe(0);
    const types = (await db.outboxEvents()).filter((e) => e.aggregateId === early).map((e) => e.type);
    expect(types).toEqual(['inventory.reserved', 'inventory.reservation_committed']);
  });

  it("tells stock_changed readers the product's available before the change too", async () => {
    const productId = await stocked(3);
    const orderId = newOrderId();
    const levels = async () =>
      (await db.outboxEvents('inventory.stock_changed'))
        .filter((e) => e.aggregateId === productId)
        .map((e) => [e.payload.previousProductAvailable, e.payload.productAvailable]);
    await db.deliver(orderPlaced(orderId, [{ productId, quantity: 2 }]));
    await db.deliver(orderPlaced(newOrderId(), [{ productId, quantity: 1 }]));
    await db.services.reservations.cancelForOrder(orderId, 'CUSTOMER');
    expect(await levels()).toEqual([
      [0, 3],
      [3, 1],
      [1, 0],
      [0, 2],
    ]);
  });

  it('does not commit a reservation that already expired', async () => {
    const productId = await stocked(5);
    const orderId = newOrderId();
    await db.services.reservations.reserveForOrder(orderId, [{ productId, quantity: 1 }]);
    await db.services.models.Reservation.updateOne(
      { orderId },
      { $set: { expiresAt: new Date(Date.now() - 1_000) } },
    );
    expect(await db.services.reservations.expireDue()).toBeGreaterThanOrEqual(1);
    const late = await db.services.reservations.commitForOrder(orderId);
    expect(late?.status).toBe('EXPIRED');
    expect(await stockOf(productId)).toMatchObject({ available: 5, reserved: 0, onHand: 5 });
  });
});

describe('expiry', () => {
  it('releases due reservations once, emitting inventory.reservation_expired, and leaves the rest', async () => {
    const productId = await stocked(9);
    const due = newOrderId();
    const kept = newOrderId();
    const dueReservation = await db.services.reservations.reserveForOrder(due, [{ productId, quantity: 3 }]);
    // Push the other reservation's deadline out of reach of this sweep.
    await db.services.reservations.reserveForOrder(kept, [{ productId, quantity: 2 }]);
    await db.services.models.Reservation.updateOne(
      { orderId: kept },
      { $set: { expiresAt: new Date(Date.now() + 3_600_000) } },
    );
    await db.services.models.Reservation.updateOne(
      { orderId: due },
      { $set: { expiresAt: new Date(Date.now() - 1_000) } },
    );

    const [first, second] = await Promise.all([
      db.services.reservations.expireDue(),
      db.services.reservations.expireDue(),
    ]);
    expect(first + second).toBeGreaterThanOrEqual(1);
    expect((await db.services.reservations.findByOrder(due))?.status).toBe('EXPIRED');
    expect((await db.services.reservations.findByOrder(kept))?.status).toBe('RESERVED');
    expect(await stockOf(productId)).toMatchObject({ available: 7, reserved: 2, onHand: 9 });
    const expired = (await db.outboxEvents('inventory.reservation_expired')).filter(
      (e) => e.aggregateId === due,
    );
    expect(expired.map((e) => e.payload)).toEqual([
      { orderId: due, reservationId: String(dueReservation._id) },
    ]);
    await expectLedgerAgrees(productId);
  });
});
