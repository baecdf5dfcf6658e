import { type Connection, type Model, Schema } from 'mongoose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  DocumentEvents,
  type DomainEvent,
  type EventBus,
  OutboxRelay,
  createUncheckedEvent,
  pendingEventsPath,
  type PendingEvent,
} from '../src';
import { type TestMongo, startTestMongo } from './helpers/mongo';
import { waitFor } from './helpers/wait';

class RecordingBus implements Pick<EventBus, 'publish'> {
  published: DomainEvent[] = [];
  async publish(events: DomainEvent | readonly DomainEvent[]) {
    this.published.push(...(Array.isArray(events) ? events : [events as DomainEvent]));
  }
}

interface Counter {
  _id: string;
  n: number;
  pendingEvents?: PendingEvent[];
}

let mongo: TestMongo;
let conn: Connection;
let counters: Model<Counter>;
/** Every command the test's connection sends, by name. */
let commands: string[];
beforeAll(async () => {
  mongo = await startTestMongo();
});
afterAll(async () => {
  await mongo?.stop();
});
beforeEach(async (ctx) => {
  conn = await mongo.connect(ctx.task.name, { monitorCommands: true });
  counters = conn.model<Counter>(
    'Counter',
    new Schema<Counter>(
      { _id: String, n: { type: Number, required: true }, pendingEvents: pendingEventsPath },
      { collection: 'counters', versionKey: false },
    ),
  );
  commands = [];
  conn.getClient().on('commandStarted', (event) => commands.push(event.commandName));
});

const bumped = (id: string, n: number) => createUncheckedEvent('order.placed', id, { n });

/** A counter's change with its events, in one write: what a service does. */
async function bump(id: string, n: number, notify = true): Promise<DomainEvent> {
  const event = bumped(id, n);
  const events = new DocumentEvents([event]);
  await counters.updateOne({ _id: id }, events.update({ $set: { n } }), { upsert: true });
  if (notify) events.written(conn, 'counters', id);
  return event;
}

describe('events on the document', () => {
  it('writes the change and its events in one command, and reads never return the events', async () => {
    await counters.create([{ _id: 'c1', n: 0, ...new DocumentEvents([bumped('c1', 0)]).inserted() }]);
    commands.length = 0;
    await bump('c1', 1, false);
    expect(commands).toEqual(['update']);
    const read = await counters.findById('c1').lean();
    expect(read).toEqual({ _id: 'c1', n: 1 });
    const raw = await conn.collection('counters').findOne({ _id: 'c1' as never });
    expect(raw?.pendingEvents.map((e: { event: DomainEvent }) => e.event.payload)).toEqual([
      { n: 0 },
      { n: 1 },
    ]);
  });

  it('publishes from memory right after the write, then pulls the events off the document', async () => {
    const bus = new RecordingBus();
    const relay = new OutboxRelay(conn, bus, { documents: 'counters', pollIntervalMs: 60_000 });
    await relay.start();
    await waitFor(() => relay.pending() === 0, 'the first sweep', 3_000);
    const first = await bump('c1', 1);
    const second = await bump('c1', 2);
    await waitFor(() => bus.published.length === 2, 'the notified relay', 3_000);
    expect(bus.published.map((e) => e.id)).toEqual([first.id, second.id]);
    relay.markNow();
    await waitFor(() => relay.pending() === 0, 'the marks', 3_000);
    const raw = await conn.collection('counters').findOne({ _id: 'c1' as never });
    expect(raw?.pendingEvents).toEqual([]);
    expect(raw?.n).toBe(2);
    await relay.stop();
    expect(bus.published).toHaveLength(2);
  });

  it('publishes what a writer left unannounced (it died after the write) from the poll, once', async () => {
    const events = [await bump('c1', 1, false), await bump('c2', 1, false), await bump('c1', 2, false)];
    const bus = new RecordingBus();
    const relay = new OutboxRelay(conn, bus, { documents: 'counters', batchSize: 1 });
    expect(await relay.flushOnce()).toBe(3);
    // A document's events in the order they were pushed.
    const c1 = bus.published.filter((e) => e.aggregateId === 'c1').map((e) => e.id);
    expect(c1).toEqual([events[0]!.id, events[2]!.id]);
    expect(bus.published.map((e) => e.id).sort()).toEqual(events.map((e) => e.id).sort());
    expect(await relay.flushOnce()).toBe(0);
    expect(await conn.collection('counters').countDocuments({ 'pendingEvents.0': { $exists: true } })).toBe(
      0,
    );
  });

  it('leaves the poll alone events younger than the grace, which their writer publishes', async () => {
    await bump('c1', 1, false);
    const bus = new RecordingBus();
    const relay = new OutboxRelay(conn, bus, {
      documents: 'counters',
      sweepGraceMs: 60_000,
      pollIntervalMs: 20,
    });
    await relay.start();
    // The first pass takes everything written before the relay listened.
    await waitFor(() => bus.published.length === 1, 'the first sweep', 3_000);
    const late = await bump('c2', 1, false);
    // Two of the relay's polls (its finds) after the write have looked and left it.
    const finds = () => commands.filter((name) => name === 'find').length;
    const polled = finds();
    await waitFor(() => finds() >= polled + 2, 'two polls after the write', 3_000);
    expect(bus.published.map((e) => e.id)).not.toContain(late.id);
    await relay.stop();
  });

  it('takes in its first pass only what was written before it listened, not what its writer publishes', async () => {
    const before = await bump('c0', 1, false);
    const bus = new RecordingBus();
    const relay = new OutboxRelay(conn, bus, {
      documents: 'counters',
      pollIntervalMs: 60_000,
      sweepGraceMs: 60_000,
    });
    await relay.start();
    // Written while the first pass runs: its writer's relay (here, one that is never told) owns it
    // until the grace has passed; taking it now would publish it twice when its writer does.
    const during = await bump('c1', 1, false);
    // The first pass over (no pass running or queued, nothing told to publish): what it published is final.
    await waitFor(() => bus.published.length >= 1 && relay.pending() === 0, 'the first pass', 3_000);
    expect(bus.published.map((e) => e.id)).toEqual([before.id]);
    expect(bus.published.map((e) => e.id)).not.toContain(during.id);
    await relay.stop();
  });

  it('keeps the events on the document when publishing fails, and publishes them on the next pass', async () => {
    await bump('c1', 1, false);
    let down = true;
    const bus = new RecordingBus();
    const flaky = {
      publish: async (events: DomainEvent | readonly DomainEvent[]) =>
        down ? Promise.reject(new Error('redis down')) : bus.publish(events),
    };
    const relay = new OutboxRelay(conn, flaky, { documents: 'counters' });
    await expect(relay.flushOnce()).rejects.toThrow('redis down');
    const raw = await conn.collection('counters').findOne({ _id: 'c1' as never });
    expect(raw?.pendingEvents).toHaveLength(1);
    down = false;
    expect(await relay.flushOnce()).toBe(1);
    expect(bus.published).toHaveLength(1);
  });
});
