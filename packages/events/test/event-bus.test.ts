import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type DomainEvent, createUncheckedEvent, rejectEvent } from '../src';
import { type BusEnv, busKinds } from './helpers/bus-env';
import { deferred, sleep, waitFor } from './helpers/wait';

describe.each(busKinds)('event bus over $kind', ({ create }) => {
  let env: BusEnv;
  beforeEach(async (ctx) => {
    env = await create(ctx.task.name.replace(/\W+/g, '-').slice(0, 40));
  });
  afterEach(async () => {
    await env.dispose();
  });

  it('delivers a group its events in publish order, each once', async () => {
    const registry = new Registry();
    const bus = env.bus({ metrics: registry });
    const seen: number[] = [];
    bus.subscribe({
      group: 'inventory',
      types: ['order.placed'],
      handler: async (e) => void seen.push(e.payload.n),
    });
    const events = Array.from({ length: 60 }, (_, n) => createUncheckedEvent('order.placed', `o${n}`, { n }));
    await bus.publish(events.slice(0, 30));
    await bus.start();
    for (const event of events.slice(30)) await bus.publish(event);
    await waitFor(() => seen.length >= 60, 'all 60 events');
    // Nothing left to deliver or acknowledge: no copy can follow any more.
    await waitFor(async () => (await bus.backlog()) === 0, 'an empty backlog');
    expect(seen).toEqual(events.map((e) => e.payload.n));
    await waitFor(async () => (await env.pending('inventory', 'order')) === 0, 'no pending entries');
    const lag = await registry.getSingleMetric('novamart_events_lag_seconds')!.get();
    expect(
      lag.values.find(
        (v) => (v as { metricName?: string }).metricName === 'novamart_events_lag_seconds_count',
      )?.value,
    ).toBe(60);
    const published = await registry.getSingleMetric('novamart_events_published_total')!.get();
    expect(published.values[0]).toMatchObject({ labels: { type: 'order.placed' }, value: 60 });
  });

  it('delivers every event to each group, and routes domain wildcards', async () => {
    const bus = env.bus();
    const inventory: string[] = [];
    const notifications: string[] = [];
    bus.subscribe({
      group: 'inventory',
      types: ['order.placed'],
      handler: async (e) => void inventory.push(e.type),
    });
    bus.subscribe({
      group: 'notifications',
      types: ['order.*'],
      handler: async (e) => void notifications.push(e.type),
    });
    bus.subscribe({
      group: 'notifications',
      types: ['user.registered'],
      handler: async (e) => void notifications.push(e.type),
    });
    await bus.start();
    await bus.publish([
      createUncheckedEvent('order.placed', 'o1', {}),
      createUncheckedEvent('user.registered', 'u1', {}),
      createUncheckedEvent('order.shipped', 'o1', {}),
    ]);
    await waitFor(() => notifications.length === 3 && inventory.length === 1, 'both groups');
    expect(inventory).toEqual(['order.placed']);
    expect(notifications.sort()).toEqual(['order.placed', 'order.shipped', 'user.registered']);
  });

  it('acknowledges at once the events of types a group does not handle', async () => {
    const registry = new Registry();
    const bus = env.bus({ metrics: registry });
    const seen: string[] = [];
    bus.subscribe({
      group: 'inventory',
      types: ['order.placed'],
      handler: async (e) => void seen.push(e.id),
    });
    await bus.start();
    const cancelled = createUncheckedEvent('order.cancelled', 'o1', {});
    const placed = createUncheckedEvent('order.placed', 'o1', {});
    await bus.publish([cancelled, placed]);
    await waitFor(() => seen.length === 1, 'the handled event');
    await waitFor(
      async () => (await env.pending('inventory', 'order')) === 0,
      'the ignored event acknowledged',
    );
    expect(seen).toEqual([placed.id]);
    const handled = await registry.getSingleMetric('novamart_events_handled_total')!.get();
    expect(handled.values).toContainEqual(
      expect.objectContaining({
        labels: { group: 'inventory', type: 'order.cancelled', outcome: 'ignored' },
        value: 1,
      }),
    );
  });

  it('retries a failing handler with backoff and acknowledges once it succeeds', async () => {
    const registry = new Registry();
    const bus = env.bus({ metrics: registry });
    const attemptsAt: number[] = [];
    bus.subscribe({
      group: 'payments',
      types: ['order.placed'],
      maxAttempts: 4,
      backoff: { initialMs: 40, factor: 2, jitter: false },
      handler: async () => {
        attemptsAt.push(Date.now());
        if (attemptsAt.length < 3) throw new Error('database hiccup');
      },
    });
    await bus.start();
    await bus.publish(createUncheckedEvent('order.placed', 'o1', {}));
    await waitFor(() => attemptsAt.length === 3, 'three attempts');
    await waitFor(async () => (await env.pending('payments', 'order')) === 0, 'the acknowledgement');
    expect(attemptsAt[1]! - attemptsAt[0]!).toBeGreaterThanOrEqual(35);
    expect(attemptsAt[2]! - attemptsAt[1]!).toBeGreaterThanOrEqual(75);
    expect((await registry.getSingleMetric('novamart_events_retries_total')!.get()).values[0]?.value).toBe(2);
    expect(await bus.deadLetters('payments')).toEqual([]);
  });

  it('keeps the events of one aggregate in order while other aggregates go ahead of a slow one', async () => {
    const bus = env.bus();
    const seen: string[] = [];
    let releaseSlow: () => void = () => {};
    const slow = new Promise<void>((resolve) => (releaseSlow = resolve));
    bus.subscribe({
      group: 'inventory',
      types: ['order.placed'],
      handler: async (e: DomainEvent<{ n: number }>) => {
        if (e.aggregateId === 'slow' && e.payload.n === 0) await slow;
        seen.push(`${e.aggregateId}:${e.payload.n}`);
      },
    });
    await bus.start();
    await bus.publish([
      createUncheckedEvent('order.placed', 'slow', { n: 0 }),
      createUncheckedEvent('order.placed', 'fast', { n: 0 }),
      createUncheckedEvent('order.placed', 'slow', { n: 1 }),
      createUncheckedEvent('order.placed', 'fast', { n: 1 }),
    ]);
    await waitFor(() => seen.length === 2, 'the other aggregate');
    expect(seen).toEqual(['fast:0', 'fast:1']);
    releaseSlow();
    await waitFor(() => seen.length === 4, 'the slow aggregate, in its order');
    expect(seen).toEqual(['fast:0', 'fast:1', 'slow:0', 'slow:1']);
  });

  it('dead-letters an event whose handler always fails after N tries, and later events keep flowing', async () => {
    const registry = new Registry();
    const bus = env.bus({ metrics: registry });
    const attempts = new Map<string, number>();
    const handled: string[] = [];
    bus.subscribe({
      group: 'notifications',
      types: ['order.placed'],
      maxAttempts: 3,
      backoff: { initialMs: 5 },
      handler: async (e: DomainEvent<{ poison: boolean }>) => {
        attempts.set(e.id, (attempts.get(e.id) ?? 0) + 1);
        if (e.payload.poison) throw new Error('template missing');
        handled.push(e.id);
      },
    });
    await bus.start();
    const poison = createUncheckedEvent('order.placed', 'o1', { poison: true });
    const after = [
      createUncheckedEvent('order.placed', 'o2', { poison: false }),
      createUncheckedEvent('order.placed', 'o3', { poison: false }),
    ];
    await bus.publish([poison, ...after]);
    // Other aggregates do not wait for the poison event's retries (per-aggregate order only).
    await waitFor(() => handled.length === 2, 'the events after the poison one');
    expect(handled).toEqual(after.map((e) => e.id));
    await waitFor(async () => (await bus.deadLetters('notifications')).length === 1, 'the dead letter');
    expect(attempts.get(poison.id)).toBe(3);
    const dead = await bus.deadLetters('notifications');
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ group: 'notifications', event: poison, attempts: 3 });
    expect(dead[0]!.error).toContain('template missing');
    await waitFor(async () => (await env.pending('notifications', 'order')) === 0, 'nothing left pending');
    expect(
      (await registry.getSingleMetric('novamart_events_dead_lettered_total')!.get()).values[0]?.value,
    ).toBe(1);
    // Publishing keeps working after the dead letter.
    const later = createUncheckedEvent('order.placed', 'o4', { poison: false });
    await bus.publish(later);
    await waitFor(() => handled.includes(later.id), 'an event published after the dead letter');
  });

  it('dead-letters an event its handler rejects at once, with the reason, and keeps flowing', async () => {
    const bus = env.bus();
    const attempts = new Map<string, number>();
    const handled: string[] = [];
    bus.subscribe({
      group: 'orders',
      types: ['payment.succeeded'],
      maxAttempts: 5,
      backoff: { initialMs: 5 },
      handler: async (e: DomainEvent<{ amount: number }>) => {
        attempts.set(e.id, (attempts.get(e.id) ?? 0) + 1);
        if (e.payload.amount !== 100) rejectEvent(`amount ${e.payload.amount} is not the order total 100`);
        handled.push(e.id);
      },
    });
    await bus.start();
    const forged = createUncheckedEvent('payment.succeeded', 'o1', { amount: 1 });
    const genuine = createUncheckedEvent('payment.succeeded', 'o2', { amount: 100 });
    await bus.publish([forged, genuine]);
    await waitFor(() => handled.length === 1, 'the event after the rejected one');
    expect(handled).toEqual([genuine.id]);
    expect(attempts.get(forged.id)).toBe(1); // no retries for a verdict that cannot change
    const dead = await bus.deadLetters('orders');
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ group: 'orders', event: forged, attempts: 1 });
    expect(dead[0]!.error).toBe('rejected: amount 1 is not the order total 100');
    await waitFor(async () => (await env.pending('orders', 'payment')) === 0, 'nothing left pending');
  });

  it('lets a second consumer claim what a killed consumer received but never acknowledged', async () => {
    const first = env.bus({ consumerName: 'first' });
    const received = deferred();
    const hang = new Promise<never>(() => {});
    first.subscribe({
      group: 'inventory',
      types: ['order.placed'],
      handler: async () => (received.resolve(), hang),
    });
    await first.start();
    const event = createUncheckedEvent('order.placed', 'o1', {});
    await first.publish(event);
    await received.promise;
    first.abort();
    expect(await env.pending('inventory', 'order')).toBe(1);

    const second = env.bus({ consumerName: 'second' });
    const handledBySecond: string[] = [];
    second.subscribe({
      group: 'inventory',
      types: ['order.placed'],
      handler: async (e) => void handledBySecond.push(e.id),
    });
    const startedAt = Date.now();
    await second.start();
    await waitFor(() => handledBySecond.length === 1, 'the claim by the second consumer');
    expect(handledBySecond).toEqual([event.id]);
    // Not before the entry was idle for claimIdleMs: a live consumer's work is not stolen.
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(250);
    await waitFor(async () => (await env.pending('inventory', 'order')) === 0, 'the acknowledgement');
  });

  it('does not let a live consumer lose a slow handler to the claim of another', async () => {
    const first = env.bus({ consumerName: 'first' });
    const calls: string[] = [];
    const release = deferred();
    first.subscribe({
      group: 'inventory',
      types: ['order.placed'],
      handler: async () => {
        calls.push('first');
        await release.promise;
      },
    });
    const second = env.bus({ consumerName: 'second' });
    second.subscribe({
      group: 'inventory',
      types: ['order.placed'],
      handler: async () => void calls.push('second'),
    });
    await first.start();
    await first.publish(createUncheckedEvent('order.placed', 'o1', {}));
    await waitFor(() => calls.length === 1, 'the first delivery');
    await second.start();
    await sleep(1_200); // three times claimIdleMs
    release.resolve();
    await waitFor(async () => (await env.pending('inventory', 'order')) === 0, 'the acknowledgement');
    expect(calls).toEqual(['first']);
  });

  it('dead-letters an event whose deliveries keep crashing the consumer', async () => {
    const hang = new Promise<never>(() => {});
    const event = createUncheckedEvent('order.placed', 'o1', {});
    for (let crash = 1; crash <= 3; crash++) {
      const doomed = env.bus({ consumerName: `doomed-${crash}`, maxAttempts: 3 });
      const received = deferred();
      doomed.subscribe({
        group: 'inventory',
        types: ['order.placed'],
        handler: async () => (received.resolve(), hang),
      });
      await doomed.start();
      if (crash === 1) await doomed.publish(event);
      await received.promise;
      doomed.abort();
    }
    const survivor = env.bus({ consumerName: 'survivor', maxAttempts: 3 });
    const calls: string[] = [];
    survivor.subscribe({
      group: 'inventory',
      types: ['order.placed'],
      handler: async (e) => void calls.push(e.id),
    });
    await survivor.start();
    await waitFor(async () => (await survivor.deadLetters('inventory')).length === 1, 'the dead letter');
    expect(calls).toEqual([]);
    const [dead] = await survivor.deadLetters('inventory');
    expect(dead!.event.id).toBe(event.id);
    expect(dead!.error).toMatch(/delivered 3 times without being acknowledged/);
  });

  it('closes gracefully: the handler in flight finishes and is acknowledged, nothing more is read', async () => {
    const bus = env.bus();
    const started = deferred();
    const finished: string[] = [];
    bus.subscribe({
      group: 'orders',
      types: ['payment.succeeded'],
      handler: async (e) => {
        started.resolve();
        await sleep(300);
        finished.push(e.id);
      },
    });
    await bus.start();
    const event = createUncheckedEvent('payment.succeeded', 'o1', {});
    await bus.publish(event);
    await started.promise;
    await bus.close();
    expect(finished).toEqual([event.id]);
    expect(await env.pending('orders', 'payment')).toBe(0);

    // Published after close: stays in the stream for the group's next consumer.
    const publisher = env.bus();
    await publisher.publish(createUncheckedEvent('payment.succeeded', 'o2', {}));
    await sleep(300);
    expect(finished).toHaveLength(1);
    expect(await env.streamLength('payment')).toBe(2);
  });

  it('closes without waiting for a blocking read to time out', async () => {
    const bus = env.bus({ blockMs: 30_000 });
    bus.subscribe({ group: 'orders', types: ['payment.succeeded'], handler: async () => {} });
    await bus.start();
    await sleep(100);
    const t0 = Date.now();
    await bus.close();
    expect(Date.now() - t0).toBeLessThan(2_000);
  });

  it('gives a group created before publishing the events published before it first consumes', async () => {
    const early = env.bus();
    early.subscribe({ group: 'search', types: ['product.created'], handler: async () => {} });
    await early.start();
    await waitFor(async () => (await env.streamLength('product')) === 0, 'stream creation');
    await early.close();
    const event = createUncheckedEvent('product.created', 'p1', {});
    await env.bus().publish(event);

    const later = env.bus();
    const seen: string[] = [];
    later.subscribe({
      group: 'search',
      types: ['product.created'],
      handler: async (e) => void seen.push(e.id),
    });
    await later.start();
    await waitFor(() => seen.length === 1, 'the earlier event');
    expect(seen).toEqual([event.id]);
  });

  it('accepts subscriptions after start and rejects overlapping ones', async () => {
    const bus = env.bus();
    const seen: string[] = [];
    bus.subscribe({
      group: 'cart',
      types: ['product.updated'],
      handler: async (e) => void seen.push(e.type),
    });
    await bus.start();
    bus.subscribe({
      group: 'cart',
      types: ['product.archived', 'inventory.stock_changed'],
      handler: async (e) => void seen.push(e.type),
    });
    expect(() =>
      bus.subscribe({ group: 'cart', types: ['product.updated'], handler: async () => {} }),
    ).toThrow(/already handles/);
    await bus.publish([
      createUncheckedEvent('product.archived', 'p1', {}),
      createUncheckedEvent('inventory.stock_changed', 'p1', {}),
    ]);
    await waitFor(() => seen.length === 2, 'events of the later subscription');
    expect(seen.sort()).toEqual(['inventory.stock_changed', 'product.archived']);
  });
});

describe('over Redis only', () => {
  it('recreates its consumer group when the stream disappears under it', async () => {
    const env = await busKinds[0]!.create('nogroup');
    try {
      const bus = env.bus();
      const seen: string[] = [];
      bus.subscribe({
        group: 'inventory',
        types: ['order.placed'],
        handler: async (e) => void seen.push(e.aggregateId),
      });
      await bus.start();
      await bus.publish(createUncheckedEvent('order.placed', 'o1', {}));
      await waitFor(() => seen.length === 1, 'the first event');
      const { Redis } = await import('ioredis');
      const admin = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
      await admin.del(`${bus.keyPrefix}:events:order`);
      await admin.quit();
      await bus.publish(createUncheckedEvent('order.placed', 'o2', {}));
      await waitFor(() => seen.length === 2, 'the event after the stream was recreated', 15_000);
    } finally {
      await env.dispose();
    }
  });
});
