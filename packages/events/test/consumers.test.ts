import { type Connection } from 'mongoose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type ConsumerDeclaration,
  type DomainEvent,
  InProcessBus,
  PROCESSED_EVENTS_COLLECTION,
  consumerHandler,
  createEvent,
  createUncheckedEvent,
  subscribeConsumers,
} from '../src';
import { mongoPerTest } from './helpers/mongo';
import { waitFor } from './helpers/wait';

const db = mongoPerTest();
let conn: Connection;
let bus: InProcessBus;
beforeEach(() => {
  conn = db.conn;
  bus = new InProcessBus({ blockMs: 50 });
});
afterEach(async () => {
  await bus.close();
});

function orderPlaced(orderId: string) {
  return createEvent('order.placed', orderId, {
    orderId,
    userId: null,
    email: 'guest@example.com',
    cartId: 'cart-1',
    lines: [{ productId: 'p1', sku: 'SKU-1', name: 'Mug', quantity: 2, unitAmount: 1_250 }],
    subtotal: 2_500,
    shippingCost: 0,
    total: 2_500,
    currency: 'USD',
  });
}

/** `order.placed` whose total is a string and whose lines are missing: no producer writes this. */
function malformedOrderPlaced(orderId: string) {
  const { lines: _lines, ...rest } = orderPlaced(orderId).payload;
  return createUncheckedEvent('order.placed', orderId, { ...rest, total: '2500' });
}

async function deadLetterOf(group: string, event: DomainEvent) {
  let found: Awaited<ReturnType<InProcessBus['deadLetters']>>[number] | undefined;
  await waitFor(async () => {
    found = (await bus.deadLetters(group)).find((dead) => dead.event.id === event.id);
    return found !== undefined;
  }, `the dead letter of ${event.id}`);
  return found!;
}

describe('declared consumers validate payloads against the catalog', () => {
  it('a malformed payload is dead-lettered with the reason and never reaches the transactional handler', async () => {
    const handled: string[] = [];
    const declaration: ConsumerDeclaration = {
      group: 'inventory',
      handlers: {
        'order.placed': async (event, { session }) => {
          handled.push(event.payload.orderId);
          await conn.collection('reservations').insertOne({ orderId: event.payload.orderId }, { session });
        },
      },
    };
    subscribeConsumers(bus, conn, [declaration]);
    await bus.start();

    const bad = malformedOrderPlaced('o-bad');
    const good = orderPlaced('o-good');
    await bus.publish([bad, good]);

    const dead = await deadLetterOf('inventory', bad);
    expect(dead.error).toMatch(/^rejected: malformed order\.placed payload: /);
    expect(dead.error).toContain('lines');
    expect(dead.error).toContain('total');
    expect(dead.attempts).toBe(1);
    await waitFor(async () => (await bus.backlog()) === 0, 'the valid event to be handled');
    expect(handled).toEqual(['o-good']);
    expect(await conn.collection('reservations').countDocuments({})).toBe(1);
    // Rejected before the transaction: no idempotency record stands for an event that did nothing.
    const records = await conn.collection(PROCESSED_EVENTS_COLLECTION).find().toArray();
    expect(records.map((r) => r.eventId)).toEqual([good.id]);
  });

  it('a direct consumer gets the same check', async () => {
    const handled: string[] = [];
    subscribeConsumers(bus, conn, [
      {
        group: 'live',
        idempotentBy: 'listeners drop a repeated eventId',
        handlers: {
          'payment.status_changed': async (event) => {
            handled.push(event.payload.status);
          },
        },
      },
    ]);
    await bus.start();
    const base = { paymentId: 'pay-1', orderId: 'o-1', userId: null, previousStatus: null, at: 'now' };
    const bad = createUncheckedEvent('payment.status_changed', 'o-1', { ...base, status: 42 });
    const good = createEvent('payment.status_changed', 'o-1', { ...base, status: 'SUCCEEDED' });
    await bus.publish([bad, good]);

    expect((await deadLetterOf('live', bad)).error).toBe(
      'rejected: malformed payment.status_changed payload: status: Invalid input: expected string, received number',
    );
    await waitFor(() => handled.length === 1, 'the valid event');
    expect(handled).toEqual(['SUCCEEDED']);
  });

  it('runs afterCommit effects once, after a first processing only', async () => {
    const effects: string[] = [];
    const consume = consumerHandler(conn, {
      group: 'recommendations',
      handlers: {
        'order.placed': async (event, tx) => {
          tx.afterCommit(() => {
            effects.push(event.id);
          });
        },
      },
    });
    const event = orderPlaced('o-1');
    expect(await consume(event)).toBe('processed');
    expect(await consume(event)).toBe('duplicate');
    expect(effects).toEqual([event.id]);
  });

  it('a consumer idempotent by state commits its write and its events in one transaction, without a record', async () => {
    const orders = conn.collection<{ _id: string; status: string; revision: number }>('orders');
    await orders.insertOne({ _id: 'o-1', status: 'PENDING', revision: 1 });
    const consume = consumerHandler(conn, {
      group: 'orders',
      transactional: true,
      idempotentBy: 'a compare-and-set of the status: a repeat finds it moved',
      handlers: {
        'inventory.reserved': async (event, { session, outbox }) => {
          const order = await orders.findOne({ _id: event.payload.orderId }, { session });
          if (order?.status !== 'PENDING') return;
          const moved = await orders.updateOne(
            { _id: order._id, revision: order.revision },
            { $set: { status: 'AWAITING_PAYMENT', revision: order.revision + 1 } },
            { session },
          );
          if (moved.matchedCount === 1) outbox.add(createUncheckedEvent('test.moved', order._id, {}));
          // A failure after the write takes the write and the event back with it.
          if (event.payload.reservationId === 'fails') throw new Error('after the write');
        },
      },
    });
    const reserved = (reservationId: string) =>
      createEvent('inventory.reserved', 'o-1', {
        orderId: 'o-1',
        reservationId,
        lines: [],
        expiresAt: new Date().toISOString(),
      });
    await expect(consume(reserved('fails'))).rejects.toThrow('after the write');
    expect(await orders.findOne({ _id: 'o-1' })).toMatchObject({ status: 'PENDING', revision: 1 });
    const event = reserved('r-1');
    expect(await consume(event)).toBe('processed');
    expect(await consume(event)).toBe('processed');
    expect(await orders.findOne({ _id: 'o-1' })).toMatchObject({ status: 'AWAITING_PAYMENT', revision: 2 });
    expect(await conn.collection('outbox').countDocuments({ 'event.type': 'test.moved' })).toBe(1);
    expect(await conn.collection(PROCESSED_EVENTS_COLLECTION).countDocuments({})).toBe(0);
  });

  it("a consumer idempotent by state reports 'duplicate' when its handler finds that very event applied", async () => {
    const marks = conn.collection<{ _id: string; eventId: string }>('marks');
    const effects: string[] = [];
    const consume = consumerHandler(conn, {
      group: 'inventory',
      transactional: true,
      idempotentBy: 'the mark keeps the id of the event that wrote it',
      handlers: {
        'payment.succeeded': async (event, { session, afterCommit }) => {
          const mark = await marks.findOne({ _id: event.payload.orderId }, { session });
          if (mark) return mark.eventId === event.id ? 'duplicate' : undefined;
          await marks.insertOne({ _id: event.payload.orderId, eventId: event.id }, { session });
          afterCommit(() => {
            effects.push(event.id);
          });
          return undefined;
        },
      },
    });
    const paid = () =>
      createEvent('payment.succeeded', 'o-9', {
        paymentId: 'pay-9',
        orderId: 'o-9',
        userId: null,
        amount: 100,
        currency: 'USD',
        provider: 'fake',
      });
    const event = paid();
    expect(await consume(event)).toBe('processed');
    expect(await consume(event)).toBe('duplicate');
    // Another event of the same fact finds the change made too, but it is not the same event.
    expect(await consume(paid())).toBe('processed');
    expect(effects).toEqual([event.id]);
    expect(await marks.countDocuments({})).toBe(1);
    expect(await conn.collection(PROCESSED_EVENTS_COLLECTION).countDocuments({})).toBe(0);
  });

  it('types createEvent and handlers against the catalog', () => {
    // @ts-expect-error a catalog type takes exactly its payload
    createEvent('order.placed', 'o-1', { orderId: 'o-1' });
    const declaration: ConsumerDeclaration = {
      group: 'g',
      handlers: {
        // @ts-expect-error the handler of `order.cancelled` reads the catalog's payload
        'order.cancelled': async (event: DomainEvent<{ orderId: number }>) => event.payload.orderId,
      },
    };
    expect(declaration.group).toBe('g');
  });
});
