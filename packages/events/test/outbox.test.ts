import { type Connection, Schema } from 'mongoose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type DomainEvent,
  type EventBus,
  OutboxRelay,
  createUncheckedEvent,
  inTransaction,
  outboxCollection,
  writeOutbox,
} from '../src';
import { type TestMongo, startTestMongo } from './helpers/mongo';
import { deferred, waitFor } from './helpers/wait';

/** Records what it is asked to publish. */
class RecordingBus implements Pick<EventBus, 'publish'> {
  published: DomainEvent[] = [];
  async publish(events: DomainEvent | readonly DomainEvent[]) {
    this.published.push(...(Array.isArray(events) ? events : [events as DomainEvent]));
  }
}

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

const orders = (c: Connection) =>
  c.models.Order ?? c.model('Order', new Schema({ _id: String, status: { type: String, required: true } }));

describe('inTransaction', () => {
  it('commits the state change and its events together', async () => {
    const placed = createUncheckedEvent('order.placed', 'o1', { total: 1299 });
    const value = await inTransaction(conn, async (session, outbox) => {
      await orders(conn).create([{ _id: 'o1', status: 'PENDING' }], { session });
      outbox.add(placed);
      return 'done';
    });
    expect(value).toBe('done');
    expect(await orders(conn).countDocuments()).toBe(1);
    const entries = await outboxCollection(conn).find().toArray();
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ event: placed, sentAt: null });
  });

  it('writes neither when the callback fails', async () => {
    await expect(
      inTransaction(conn, async (session, outbox) => {
        await orders(conn).create([{ _id: 'o2', status: 'PENDING' }], { session });
        outbox.add(createUncheckedEvent('order.placed', 'o2', {}));
        throw new Error('payment declined');
      }),
    ).rejects.toThrow('payment declined');
    expect(await orders(conn).countDocuments()).toBe(0);
    expect(await outboxCollection(conn).countDocuments()).toBe(0);
  });

  it('adds outbox entries inside a transaction the caller runs', async () => {
    const event = createUncheckedEvent('order.shipped', 'o3', {});
    await conn.transaction(async (session) => {
      await orders(conn).create([{ _id: 'o3', status: 'SHIPPED' }], { session });
      await writeOutbox(conn, session, [event]);
    });
    expect((await outboxCollection(conn).find().toArray()).map((e) => e.event.id)).toEqual([event.id]);
    const session = await conn.startSession();
    await expect(writeOutbox(conn, session, [event])).rejects.toThrow(/active transaction/);
    await session.endSession();
  });

  it('gets the relay index and the retention TTL from the relay', async () => {
    const relay = new OutboxRelay(conn, new RecordingBus());
    await relay.start();
    await relay.stop();
    const indexes = await outboxCollection(conn).listIndexes().toArray();
    expect(indexes).toContainEqual(
      expect.objectContaining({ name: 'relay_pending', key: { sentAt: 1, _id: 1 } }),
    );
    expect(indexes).toContainEqual(
      expect.objectContaining({ name: 'sent_retention', expireAfterSeconds: 7 * 24 * 3600 }),
    );
  });
});

describe('OutboxRelay', () => {
  async function commit(...events: DomainEvent[]) {
    await inTransaction(conn, async (_session, outbox) => outbox.add(...events));
  }

  it('publishes pending entries in order and marks them sent', async () => {
    const events = Array.from({ length: 7 }, (_, n) => createUncheckedEvent('order.placed', `o${n}`, { n }));
    await commit(...events.slice(0, 3));
    await commit(...events.slice(3));
    const bus = new RecordingBus();
    const relay = new OutboxRelay(conn, bus, { batchSize: 2 });
    expect(await relay.flushOnce()).toBe(7);
    expect(bus.published.map((e) => e.id)).toEqual(events.map((e) => e.id));
    expect(await outboxCollection(conn).countDocuments({ sentAt: null })).toBe(0);
    expect(await relay.flushOnce()).toBe(0);
    expect(bus.published).toHaveLength(7);
  });

  it('publishes right after a commit in the same process, without waiting for the poll', async () => {
    const bus = new RecordingBus();
    const relay = new OutboxRelay(conn, bus, { pollIntervalMs: 60_000 });
    await relay.start();
    const event = createUncheckedEvent('order.placed', 'o1', {});
    await commit(event);
    await waitFor(() => bus.published.length === 1, 'the poked relay', 3_000);
    await relay.stop();
  });

  it('counts what it has not finished: a publish in progress and the marks, which markNow hurries', async () => {
    const started = deferred();
    const held = deferred();
    const bus = new RecordingBus();
    const slow = {
      publish: async (events: DomainEvent | readonly DomainEvent[]) => {
        started.resolve();
        await held.promise;
        await bus.publish(events);
      },
    };
    // Marks wait a minute for company: only markNow() ends the wait within the test.
    const relay = new OutboxRelay(conn, slow, {
      pollIntervalMs: 60_000,
      sweepGraceMs: 240_000,
      markDelayMs: 60_000,
    });
    await relay.start();
    await waitFor(() => relay.pending() === 0, 'the first sweep', 3_000);
    await commit(createUncheckedEvent('order.placed', 'o1', {}));
    // Taken from what was committed, its publish not finished: still the relay's.
    await started.promise;
    expect(relay.pending()).toBe(1);
    held.resolve();
    await waitFor(() => bus.published.length === 1, 'the publish', 3_000);
    expect(relay.pending()).toBeGreaterThan(0); // published, not marked sent
    expect(await outboxCollection(conn).countDocuments({ sentAt: null })).toBe(1);
    relay.markNow();
    await waitFor(() => relay.pending() === 0, 'the marks', 3_000);
    expect(await outboxCollection(conn).countDocuments({ sentAt: null })).toBe(0);
    await relay.stop();
  });

  it('lets one relay of several publish while its lease holds, and hands over on stop', async () => {
    await commit(createUncheckedEvent('order.placed', 'o1', {}));
    const busA = new RecordingBus();
    const busB = new RecordingBus();
    const a = new OutboxRelay(conn, busA, { leaseMs: 30_000, pollIntervalMs: 60_000 });
    const b = new OutboxRelay(conn, busB, { leaseMs: 30_000 });
    expect(await a.flushOnce()).toBe(1);
    await commit(createUncheckedEvent('order.placed', 'o2', {}));
    expect(await b.flushOnce()).toBe(0);
    expect(busB.published).toHaveLength(0);
    await a.start();
    await a.stop(); // drains o2, then releases the lease
    expect(busA.published.map((e) => e.aggregateId)).toEqual(['o1', 'o2']);
    await commit(createUncheckedEvent('order.placed', 'o3', {}));
    expect(await b.flushOnce()).toBe(1);
    expect(busB.published.map((e) => e.aggregateId)).toEqual(['o3']);
  });

  it('keeps entries pending when publishing fails, and publishes them on the next pass', async () => {
    await commit(createUncheckedEvent('order.placed', 'o1', {}));
    let down = true;
    const bus = new RecordingBus();
    const flaky = {
      publish: async (events: DomainEvent | readonly DomainEvent[]) =>
        down ? Promise.reject(new Error('redis down')) : bus.publish(events),
    };
    const relay = new OutboxRelay(conn, flaky);
    await expect(relay.flushOnce()).rejects.toThrow('redis down');
    expect(await outboxCollection(conn).countDocuments({ sentAt: null })).toBe(1);
    down = false;
    expect(await relay.flushOnce()).toBe(1);
    expect(bus.published).toHaveLength(1);
  });
});
