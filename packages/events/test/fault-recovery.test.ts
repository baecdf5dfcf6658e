// The acceptance faults, against real Redis and against the in-process bus: a consumer
// killed between receiving and acknowledging, and a relay killed between publishing and marking
// sent. The effect is a MongoDB write through idempotentConsumer and must happen exactly once.
import { type Connection, Schema } from 'mongoose';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type DomainEvent,
  type IdempotentOutcome,
  OutboxRelay,
  createUncheckedEvent,
  idempotentConsumer,
  inTransaction,
  outboxCollection,
} from '../src';
import { type BusEnv, busKinds } from './helpers/bus-env';
import { type TestMongo, startTestMongo } from './helpers/mongo';
import { deferred, waitFor } from './helpers/wait';

let mongo: TestMongo;
beforeAll(async () => {
  mongo = await startTestMongo();
});
afterAll(async () => {
  await mongo?.stop();
});

const reservations = (c: Connection) =>
  c.models.Reservation ?? c.model('Reservation', new Schema({ orderId: { type: String, required: true } }));

describe.each(busKinds)('fault recovery over $kind', ({ create }) => {
  let env: BusEnv;
  let conn: Connection;
  beforeEach(async (ctx) => {
    env = await create(ctx.task.name.replace(/\W+/g, '-').slice(0, 40));
    conn = await mongo.connect(ctx.task.name);
  });
  afterEach(async () => {
    await env.dispose();
  });

  const reserve = () =>
    idempotentConsumer(conn, 'inventory', async (event, session) => {
      await reservations(conn).create([{ orderId: event.aggregateId }], { session });
    });

  it('a consumer killed between receiving and acknowledging gets the event again, and the effect happens once', async () => {
    const effect = reserve();
    const committed = deferred();
    const hang = new Promise<never>(() => {});
    const doomed = env.bus({ consumerName: 'doomed' });
    doomed.subscribe({
      group: 'inventory',
      types: ['order.placed'],
      handler: async (event) => {
        await effect(event); // the effect commits...
        committed.resolve();
        return hang; // ...and the process dies before the acknowledgement
      },
    });
    await doomed.start();
    const event = createUncheckedEvent('order.placed', 'o1', {});
    await doomed.publish(event);
    await committed.promise;
    doomed.abort();
    expect(await env.pending('inventory', 'order')).toBe(1);

    const outcomes: IdempotentOutcome[] = [];
    const survivor = env.bus({ consumerName: 'survivor' });
    survivor.subscribe({
      group: 'inventory',
      types: ['order.placed'],
      handler: async (e) => outcomes.push(await effect(e)),
    });
    await survivor.start();
    await waitFor(() => outcomes.length === 1, 'the redelivery');
    await waitFor(async () => (await env.pending('inventory', 'order')) === 0, 'the acknowledgement');
    expect(outcomes).toEqual(['duplicate']);
    expect(await reservations(conn).countDocuments()).toBe(1);
  });

  it('a relay killed between publishing and marking sent loses nothing, and the duplicate is absorbed', async () => {
    const placed = createUncheckedEvent('order.placed', 'o1', {});
    await inTransaction(conn, async (_session, outbox) => outbox.add(placed));

    const bus = env.bus();
    const published = deferred();
    const hang = new Promise<never>(() => {});
    const dyingBus = {
      publish: async (events: DomainEvent | readonly DomainEvent[]) => {
        await bus.publish(events); // the events reach the stream...
        published.resolve();
        return hang; // ...and the relay dies before marking them sent
      },
    };
    const doomed = new OutboxRelay(conn, dyingBus, { leaseMs: 300 });
    void doomed.flushOnce();
    await published.promise;
    expect(await env.streamLength('order')).toBe(1);
    expect(await outboxCollection(conn).countDocuments({ sentAt: null })).toBe(1);

    const successor = new OutboxRelay(conn, bus, { leaseMs: 300 });
    let republished = 0;
    await waitFor(
      async () => (republished += await successor.flushOnce()) > 0,
      "the successor's takeover once the lease ran out",
    );
    expect(republished).toBe(1);
    expect(await env.streamLength('order')).toBe(2);
    expect(await outboxCollection(conn).countDocuments({ sentAt: null })).toBe(0);

    const effect = reserve();
    const outcomes: IdempotentOutcome[] = [];
    bus.subscribe({
      group: 'inventory',
      types: ['order.placed'],
      handler: async (e) => outcomes.push(await effect(e)),
    });
    await bus.start();
    await waitFor(() => outcomes.length === 2, 'both copies');
    expect(outcomes).toEqual(['processed', 'duplicate']);
    expect(await reservations(conn).countDocuments()).toBe(1);
  });

  it('a handler that always fails ends in dead letters after N tries, and the events behind it still take effect', async () => {
    const effect = reserve();
    const attempts: string[] = [];
    const bus = env.bus();
    bus.subscribe({
      group: 'inventory',
      types: ['order.placed'],
      maxAttempts: 4,
      backoff: { initialMs: 5 },
      handler: async (event: DomainEvent<{ sku: string | null }>) => {
        attempts.push(event.aggregateId);
        if (!event.payload.sku) throw new Error('order line without sku');
        await effect(event);
      },
    });
    await bus.start();
    const poison = createUncheckedEvent('order.placed', 'bad', { sku: null });
    await bus.publish([
      poison,
      createUncheckedEvent('order.placed', 'o2', { sku: 'A' }),
      createUncheckedEvent('order.placed', 'o3', { sku: 'B' }),
    ]);
    // Other aggregates no longer queue behind the poison event, so they can finish before its
    // last attempt: wait for both the later effects and the dead letter, then count.
    await waitFor(
      async () =>
        (await reservations(conn).countDocuments()) === 2 &&
        (await bus.deadLetters('inventory')).length === 1,
      'the later events and the dead letter',
    );
    expect(attempts.filter((id) => id === 'bad')).toHaveLength(4);
    const dead = await bus.deadLetters('inventory');
    expect(dead.map((d) => ({ id: d.event.id, attempts: d.attempts }))).toEqual([
      { id: poison.id, attempts: 4 },
    ]);
    expect(dead[0]!.error).toContain('order line without sku');
    await waitFor(async () => (await env.pending('inventory', 'order')) === 0, 'nothing left pending');
  });
});
