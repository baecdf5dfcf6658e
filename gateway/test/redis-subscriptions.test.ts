import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { requireRedis, testRedisUrl, uniqueKeyPrefix } from '@novamart/kit/testing';
import { RedisLiveBus } from '@novamart/events/redis';
import type { RunningGateway } from '../src';
import { startProbeSupergraph, subscribe, wsClient, type ProbeSupergraph } from './support/probe-supergraph';
import { eventually } from '@novamart/kit/testing';

const alice = { id: 'user-alice', role: 'CUSTOMER' as const };

describe('subscriptions across gateway instances on Redis', () => {
  let redis: Redis;
  let keyPrefix: string;
  let probe: ProbeSupergraph;
  let secondLive: RedisLiveBus;
  let secondGateway: RunningGateway;
  let publisher: RedisLiveBus;

  beforeAll(async () => {
    redis = await requireRedis();
    keyPrefix = uniqueKeyPrefix('gateway');
    probe = await startProbeSupergraph({ live: new RedisLiveBus(testRedisUrl(), { keyPrefix }) });
    secondLive = new RedisLiveBus(testRedisUrl(), { keyPrefix });
    secondGateway = await probe.startGateway({ live: secondLive });
    // The owning subgraph's process, publishing on its own connection.
    publisher = new RedisLiveBus(testRedisUrl(), { keyPrefix });
    probe.world.orders.set('o-1', { id: 'o-1', userId: alice.id, status: 'PENDING', total: 4200 });
  });
  afterAll(async () => {
    await probe?.stop();
    await secondLive?.close();
    await publisher?.close();
    redis?.disconnect();
  });

  // Redis's own count of connections subscribed to the order's channel.
  const subscribers = async () => {
    const reply = (await redis.call('PUBSUB', 'NUMSUB', `${keyPrefix}:live:order:o-1`)) as [
      string,
      number | string,
    ];
    return Number(reply[1]);
  };

  it('delivers the same event to a subscriber on each instance, and leaves no Redis subscription behind', async () => {
    const query = 'subscription($id: ID!) { orderStatusChanged(orderId: $id) { status order { id total } } }';
    const token = await probe.tokens.bearer(alice);
    const onFirst = wsClient(probe.gateway.wsUrl, { authorization: token });
    const onSecond = wsClient(secondGateway.wsUrl, { authorization: token });
    const first = subscribe(onFirst, query, { id: 'o-1' });
    const second = subscribe(onSecond, query, { id: 'o-1' });
    await eventually(
      () => probe.gateway.activeSubscriptions() === 1 && secondGateway.activeSubscriptions() === 1,
      { timeoutMs: 5000, what: 'both subscriptions' },
    );
    expect(await subscribers()).toBe(2);

    await publisher.publish('order:o-1', {
      orderId: 'o-1',
      userId: alice.id,
      status: 'PAID',
      previousStatus: 'AWAITING_PAYMENT',
      reason: null,
      at: new Date().toISOString(),
    });
    const expected = { data: { orderStatusChanged: { status: 'PAID', order: { id: 'o-1', total: 4200 } } } };
    expect(await first.next()).toEqual(expected);
    expect(await second.next()).toEqual(expected);

    await onFirst.dispose();
    await onSecond.dispose();
    await eventually(
      () => probe.gateway.activeSubscriptions() === 0 && secondGateway.activeSubscriptions() === 0,
      { timeoutMs: 5000, what: 'subscriptions to end' },
    );
    await eventually(async () => (await subscribers()) === 0, {
      timeoutMs: 5000,
      what: 'Redis to drop the channel subscriptions',
    });
    expect(probe.live.activeChannelCount()).toBe(0);
    expect(secondLive.activeChannelCount()).toBe(0);
  });

  it('ends a subscription with an error when Redis does not take its SUBSCRIBE, and keeps the connection', async () => {
    // A live bus whose connections cannot reach Redis (nothing listens on port 1; no queueing,
    // no reconnecting): every SUBSCRIBE fails at once.
    const unreachable = new RedisLiveBus(
      () =>
        new Redis({
          port: 1,
          lazyConnect: true,
          enableOfflineQueue: false,
          maxRetriesPerRequest: 0,
          retryStrategy: () => null,
        }),
      { keyPrefix },
    );
    const cutOff = await probe.startGateway({ live: unreachable });
    try {
      const client = wsClient(cutOff.wsUrl, { authorization: await probe.tokens.bearer(alice) });
      const query = 'subscription($id: ID!) { orderStatusChanged(orderId: $id) { status } }';
      const failed = subscribe(client, query, { id: 'o-1' });
      const answer = await failed.next();
      expect(answer.data ?? null).toBeNull();
      expect(answer.errors?.[0]?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
      expect(answer.errors?.[0]?.extensions?.errorId).toEqual(expect.any(String));
      // Never counted, nothing left listening, and the connection still serves: a second try on it
      // is answered the same way (the channel is subscribed afresh, not taken as already listening).
      expect(cutOff.activeSubscriptions()).toBe(0);
      await eventually(() => unreachable.activeChannelCount() === 0, {
        timeoutMs: 5000,
        what: 'the failed channel to be released',
      });
      const again = await subscribe(client, query, { id: 'o-1' }).next();
      expect(again.errors?.[0]?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
      expect(cutOff.activeSubscriptions()).toBe(0);
      await client.dispose();
    } finally {
      await cutOff.stop();
      await unreachable.close();
    }
  });
});
