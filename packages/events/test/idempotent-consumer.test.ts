import { type Connection, Schema } from 'mongoose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  PROCESSED_EVENTS_COLLECTION,
  createUncheckedEvent,
  idempotentConsumer,
  outboxCollection,
} from '../src';
import { type TestMongo, startTestMongo } from './helpers/mongo';

let mongo: TestMongo;
let conn: Connection;
beforeAll(async () => {
  mongo = await startTestMongo();
});
afterAll(async () => {
  await mongo?.stop();
});
beforeEach(async (ctx) => {
  conn = await mongo.connect(ctx.task.name);
});

const reservations = (c: Connection) =>
  c.models.Reservation ?? c.model('Reservation', new Schema({ orderId: { type: String, required: true } }));

describe('idempotentConsumer', () => {
  it('runs the effect once however often the event is delivered', async () => {
    const handler = idempotentConsumer(conn, 'inventory', async (event, session) => {
      await reservations(conn).create([{ orderId: event.aggregateId }], { session });
    });
    const event = createUncheckedEvent('order.placed', 'o1', {});
    expect(await handler(event)).toBe('processed');
    expect(await handler(event)).toBe('duplicate');
    expect(await handler({ ...event })).toBe('duplicate');
    expect(await reservations(conn).countDocuments()).toBe(1);
    expect(await conn.collection(PROCESSED_EVENTS_COLLECTION).countDocuments()).toBe(1);
  });

  it('records nothing when the effect fails, so the next delivery runs it', async () => {
    let fail = true;
    const handler = idempotentConsumer(conn, 'inventory', async (event, session) => {
      await reservations(conn).create([{ orderId: event.aggregateId }], { session });
      if (fail) throw new Error('stock service said no');
    });
    const event = createUncheckedEvent('order.placed', 'o1', {});
    await expect(handler(event)).rejects.toThrow('stock service said no');
    expect(await reservations(conn).countDocuments()).toBe(0);
    expect(await conn.collection(PROCESSED_EVENTS_COLLECTION).countDocuments()).toBe(0);
    fail = false;
    expect(await handler(event)).toBe('processed');
    expect(await reservations(conn).countDocuments()).toBe(1);
  });

  it('keeps consumers apart: one event is processed once per consumer', async () => {
    const event = createUncheckedEvent('order.placed', 'o1', {});
    const a = idempotentConsumer(conn, 'inventory', async () => {});
    const b = idempotentConsumer(conn, 'notifications', async () => {});
    expect([await a(event), await b(event), await a(event)]).toEqual(['processed', 'processed', 'duplicate']);
  });

  it('does not take a duplicate key of the effect itself for a duplicate event', async () => {
    const Unique = conn.model('Unique', new Schema({ key: { type: String, unique: true } }));
    await Unique.init();
    await Unique.create({ key: 'taken' });
    const handler = idempotentConsumer(conn, 'inventory', async (_event, session) => {
      await Unique.create([{ key: 'taken' }], { session });
    });
    await expect(handler(createUncheckedEvent('order.placed', 'o1', {}))).rejects.toMatchObject({
      code: 11000,
    });
  });

  it('writes the events the handler adds in the same transaction', async () => {
    const handler = idempotentConsumer(conn, 'inventory', async (event, session, outbox) => {
      await reservations(conn).create([{ orderId: event.aggregateId }], { session });
      outbox.add(
        createUncheckedEvent('inventory.reserved', event.aggregateId, { orderId: event.aggregateId }),
      );
    });
    const event = createUncheckedEvent('order.placed', 'o1', {});
    await handler(event);
    await handler(event);
    const entries = await outboxCollection(conn).find().toArray();
    expect(entries.map((e) => e.event.type)).toEqual(['inventory.reserved']);
  });

  it('absorbs concurrent deliveries of one event', async () => {
    const handler = idempotentConsumer(conn, 'inventory', async (event, session) => {
      await reservations(conn).create([{ orderId: event.aggregateId }], { session });
    });
    const event = createUncheckedEvent('order.placed', 'o1', {});
    const outcomes = await Promise.all([handler(event), handler(event), handler(event)]);
    expect(outcomes.filter((o) => o === 'processed')).toHaveLength(1);
    expect(await reservations(conn).countDocuments()).toBe(1);
  });
});
