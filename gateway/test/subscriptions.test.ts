import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Client } from 'graphql-ws';
import { tamper } from '@novamart/kit/testing';
import { startProbeSupergraph, subscribe, wsClient, type ProbeSupergraph } from './support/probe-supergraph';
import { eventually } from '@novamart/kit/testing';

const alice = { id: 'user-alice', role: 'CUSTOMER' as const };
const bob = { id: 'user-bob', role: 'CUSTOMER' as const };

const ORDER_STATUS = /* GraphQL */ `
  subscription Watch($orderId: ID!) {
    orderStatusChanged(orderId: $orderId) {
      __typename
      status
      previousStatus
      reason
      at
      order {
        id
        total
        ...Paid
      }
    }
  }
  fragment Paid on Order {
    payment {
      id
      status
    }
  }
`;

function statusMessage(
  orderId: string,
  userId: string,
  status: string,
  previousStatus: string | null,
  reason: string | null = null,
) {
  return { orderId, userId, status, previousStatus, reason, at: new Date().toISOString() };
}

describe('federated subscriptions', () => {
  let probe: ProbeSupergraph;
  const clients: Client[] = [];
  const connect = async (viewer?: { id: string; role: 'CUSTOMER' | 'ADMIN' }) => {
    const client = wsClient(
      probe.gateway.wsUrl,
      viewer ? { authorization: await probe.tokens.bearer(viewer) } : undefined,
    );
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    probe = await startProbeSupergraph({ env: { WS_KEEPALIVE_MS: '200' } });
    probe.world.orders.set('o-1', { id: 'o-1', userId: alice.id, status: 'PENDING', total: 4200 });
    probe.world.orders.set('o-2', { id: 'o-2', userId: alice.id, status: 'PENDING', total: 990 });
    probe.world.orders.set('o-bob', { id: 'o-bob', userId: bob.id, status: 'PENDING', total: 100 });
    probe.world.payments.set('pay-1', { id: 'pay-1', orderId: 'o-1', status: 'REQUIRES_PAYMENT_METHOD' });
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) await client.dispose();
    await eventually(
      () => probe.gateway.activeSubscriptions() === 0 && probe.live.activeChannelCount() === 0,
      { timeoutMs: 5000, what: 'subscriptions to end' },
    );
  });
  afterAll(async () => {
    await probe?.stop();
  });

  it('delivers every status change in order, resolved across subgraphs as a query would return it', async () => {
    const client = await connect(alice);
    const sub = subscribe(client, ORDER_STATUS, { orderId: 'o-1' });
    await eventually(() => probe.gateway.activeSubscriptions() === 1, {
      timeoutMs: 5000,
      what: 'the subscription',
    });
    // The first event's cross-subgraph field resolves slowly: it must still arrive first.
    probe.world.paymentDelays = [300, 0, 0];
    const messages = [
      statusMessage('o-1', alice.id, 'AWAITING_PAYMENT', 'PENDING'),
      statusMessage('o-1', alice.id, 'PAID', 'AWAITING_PAYMENT'),
      statusMessage('o-1', alice.id, 'CANCELLED', 'PAID', 'customer asked'),
    ];
    for (const message of messages) await probe.live.publish('order:o-1', message);

    const query = await probe.query(
      'query { order(id: "o-1") { id total ... on Order { payment { id status } } } }',
      {},
      { authorization: await probe.tokens.bearer(alice) },
    );
    for (const message of messages) {
      const event = await sub.next();
      expect(event.errors).toBeUndefined();
      expect(event.data).toEqual({
        orderStatusChanged: {
          __typename: 'OrderStatusUpdate',
          status: message.status,
          previousStatus: message.previousStatus,
          reason: message.reason,
          at: message.at,
          order: query.data.order,
        },
      });
    }
    expect(query.data.order).toEqual({
      id: 'o-1',
      total: 4200,
      payment: { id: 'pay-1', status: 'REQUIRES_PAYMENT_METHOD' },
    });
  });

  it('delivers a redelivered message (same eventId) once', async () => {
    const client = await connect(alice);
    const sub = subscribe(client, 'subscription($id: ID!) { orderStatusChanged(orderId: $id) { status } }', {
      id: 'o-2',
    });
    await eventually(() => probe.gateway.activeSubscriptions() === 1, {
      timeoutMs: 5000,
      what: 'the subscription',
    });
    const paid = { ...statusMessage('o-2', alice.id, 'PAID', 'AWAITING_PAYMENT'), eventId: 'evt-1' };
    await probe.live.publish('order:o-2', paid);
    await probe.live.publish('order:o-2', paid);
    await probe.live.publish('order:o-2', {
      ...statusMessage('o-2', alice.id, 'CANCELLED', 'PAID'),
      eventId: 'evt-2',
    });
    expect(await sub.next()).toEqual({ data: { orderStatusChanged: { status: 'PAID' } } });
    expect(await sub.next()).toEqual({ data: { orderStatusChanged: { status: 'CANCELLED' } } });
    await probe.live.publish('order:o-2', {
      ...statusMessage('o-2', alice.id, 'PENDING', 'CANCELLED'),
      eventId: 'evt-3',
    });
    expect(await sub.next()).toEqual({ data: { orderStatusChanged: { status: 'PENDING' } } });
  });

  it('serializes message fields like execution would: an unknown enum value is an error, not data', async () => {
    const client = await connect(alice);
    const sub = subscribe(
      client,
      'subscription($id: ID!) { orderStatusChanged(orderId: $id) { status previousStatus } }',
      { id: 'o-2' },
    );
    await eventually(() => probe.gateway.activeSubscriptions() === 1, {
      timeoutMs: 5000,
      what: 'the subscription',
    });
    await probe.live.publish('order:o-2', statusMessage('o-2', alice.id, 'TELEPORTED', 'PAID'));
    const event = await sub.next();
    expect(event.data).toBeNull();
    expect(event.errors).toEqual([
      expect.objectContaining({
        path: ['orderStatusChanged', 'status'],
        message: expect.stringContaining('TELEPORTED'),
      }),
    ]);
  });

  it('reports an event that cannot be resolved as an error and goes on with the next', async () => {
    const client = await connect(alice);
    const sub = subscribe(
      client,
      'subscription($id: ID!) { orderStatusChanged(orderId: $id) { status order { total } } }',
      { id: 'o-2' },
    );
    await eventually(() => probe.gateway.activeSubscriptions() === 1, {
      timeoutMs: 5000,
      what: 'the subscription',
    });
    probe.world.failingOrderReads = 1;
    await probe.live.publish('order:o-2', statusMessage('o-2', alice.id, 'PAID', 'AWAITING_PAYMENT'));
    await probe.live.publish('order:o-2', statusMessage('o-2', alice.id, 'CANCELLED', 'PAID'));
    const failed = await sub.next();
    expect(failed.data).toBeNull();
    expect(failed.errors).toEqual([
      expect.objectContaining({
        message: 'Internal server error',
        path: ['orderStatusChanged', 'order'],
        extensions: expect.objectContaining({ code: 'INTERNAL_SERVER_ERROR', errorId: expect.any(String) }),
      }),
    ]);
    expect(JSON.stringify(failed)).not.toContain('replica lagging');
    expect(await sub.next()).toEqual({
      data: { orderStatusChanged: { status: 'CANCELLED', order: { total: 990 } } },
    });
  });

  it('keeps the client’s aliases and skips what @skip says', async () => {
    const client = await connect(alice);
    const sub = subscribe(
      client,
      `subscription($orderId: ID!, $noReason: Boolean!) {
        update: orderStatusChanged(orderId: $orderId) {
          now: status
          reason @skip(if: $noReason)
          o: order { ref: id amount: total }
          again: order { payment { status } }
        }
      }`,
      { orderId: 'o-2', noReason: true },
    );
    await eventually(() => probe.gateway.activeSubscriptions() === 1, {
      timeoutMs: 5000,
      what: 'the subscription',
    });
    await probe.live.publish('order:o-2', statusMessage('o-2', alice.id, 'PAID', 'PENDING', 'hidden'));
    const event = await sub.next();
    expect(event).toEqual({
      data: { update: { now: 'PAID', o: { ref: 'o-2', amount: 990 }, again: { payment: null } } },
    });
  });

  it('serves myOrderUpdates from the subscriber’s own channel', async () => {
    const client = await connect(alice);
    const sub = subscribe(client, 'subscription { myOrderUpdates { status order { id total } } }');
    await eventually(() => probe.gateway.activeSubscriptions() === 1, {
      timeoutMs: 5000,
      what: 'the subscription',
    });
    await probe.live.publish(`user-orders:${bob.id}`, statusMessage('o-bob', bob.id, 'PAID', 'PENDING'));
    await probe.live.publish(`user-orders:${alice.id}`, statusMessage('o-2', alice.id, 'PAID', 'PENDING'));
    expect(await sub.next()).toEqual({
      data: { myOrderUpdates: { status: 'PAID', order: { id: 'o-2', total: 990 } } },
    });
  });

  it('answers an entity asked only for its id from the message, without reading it', async () => {
    const client = await connect(alice);
    const sub = subscribe(
      client,
      'subscription { myOrderUpdates { status order { ref: id __typename } again: order { id } } }',
    );
    await eventually(() => probe.gateway.activeSubscriptions() === 1, {
      timeoutMs: 5000,
      what: 'the subscription',
    });
    const reads = probe.world.callsTo('order').length;
    await probe.live.publish(`user-orders:${alice.id}`, statusMessage('o-2', alice.id, 'PAID', 'PENDING'));
    const event = await sub.next();
    expect(JSON.stringify(event)).toBe(
      JSON.stringify({
        data: {
          myOrderUpdates: {
            status: 'PAID',
            order: { ref: 'o-2', __typename: 'Order' },
            again: { id: 'o-2' },
          },
        },
      }),
    );
    expect(probe.world.callsTo('order').length).toBe(reads);
  });

  it('serves paymentStatusChanged with the payment resolved through its subgraph and back', async () => {
    const client = await connect(alice);
    const sub = subscribe(
      client,
      'subscription($orderId: ID!) { paymentStatusChanged(orderId: $orderId) { status previousStatus payment { id order { id total } } } }',
      { orderId: 'o-1' },
    );
    await eventually(() => probe.gateway.activeSubscriptions() === 1, {
      timeoutMs: 5000,
      what: 'the subscription',
    });
    await probe.live.publish('payment:o-1', {
      paymentId: 'pay-1',
      orderId: 'o-1',
      userId: alice.id,
      status: 'SUCCEEDED',
      previousStatus: 'REQUIRES_PAYMENT_METHOD',
      at: new Date().toISOString(),
    });
    expect(await sub.next()).toEqual({
      data: {
        paymentStatusChanged: {
          status: 'SUCCEEDED',
          previousStatus: 'REQUIRES_PAYMENT_METHOD',
          payment: { id: 'pay-1', order: { id: 'o-1', total: 4200 } },
        },
      },
    });
  });

  it('resolves an event once for the subscribers who ask the same with the same token', async () => {
    const admin = { id: 'user-admin', role: 'ADMIN' as const };
    // Two connections (two tabs) with the same token, and an admin.
    const token = await probe.tokens.bearer(alice);
    const [aliceA, aliceB] = [0, 1].map(() => wsClient(probe.gateway.wsUrl, { authorization: token }));
    clients.push(aliceA!, aliceB!);
    const adminClient = await connect(admin);
    const alices = [aliceA!, aliceB!].flatMap((client) =>
      Array.from({ length: 5 }, () => subscribe(client, ORDER_STATUS, { orderId: 'o-2' })),
    );
    const admins = [subscribe(adminClient, ORDER_STATUS, { orderId: 'o-2' })];
    await eventually(() => probe.gateway.activeSubscriptions() === 11, {
      what: 'the subscriptions',
      timeoutMs: 5000,
    });
    const reads = probe.world.callsTo('order').length;
    const message = statusMessage('o-2', alice.id, 'PAID', 'AWAITING_PAYMENT');
    await probe.live.publish('order:o-2', message);
    const events = await Promise.all([...alices, ...admins].map((sub) => sub.next()));
    // One read with alice's token serves her ten subscribers; the admin's token gets its own.
    expect(
      probe.world
        .callsTo('order')
        .slice(reads)
        .map((call) => call.viewerId),
    ).toEqual(expect.arrayContaining([alice.id, admin.id]));
    expect(probe.world.callsTo('order').length - reads).toBe(2);
    for (const event of events) {
      expect(event.errors).toBeUndefined();
      expect(event.data?.orderStatusChanged).toMatchObject({
        status: 'PAID',
        order: { id: 'o-2', total: 990 },
      });
    }
  });

  it('checks ownership once for a burst of identical subscriptions', async () => {
    const client = await connect(alice);
    const reads = probe.world.callsTo('order').length;
    for (let i = 0; i < 8; i++) subscribe(client, ORDER_STATUS, { orderId: 'o-1' });
    await eventually(() => probe.gateway.activeSubscriptions() === 8, {
      what: 'the subscriptions',
      timeoutMs: 5000,
    });
    expect(probe.world.callsTo('order').length - reads).toBe(1);
  });

  it('delivers what is published while the ownership check runs, once the check has passed', async () => {
    let release = () => {};
    probe.world.orderReadGate = new Promise<void>((resolve) => (release = resolve));
    try {
      const client = await connect(alice);
      const reads = probe.world.callsTo('order').length;
      const sub = subscribe(client, 'subscription($o: ID!) { orderStatusChanged(orderId: $o) { status } }', {
        o: 'o-1',
      });
      await eventually(() => probe.world.callsTo('order').length > reads, {
        what: 'the ownership check',
        timeoutMs: 5000,
      });
      await probe.live.publish('order:o-1', statusMessage('o-1', alice.id, 'AWAITING_PAYMENT', 'PENDING'));
      await new Promise((resolve) => setImmediate(resolve));
      expect(probe.gateway.activeSubscriptions()).toBe(0);
      release();
      expect((await sub.next()).data).toEqual({ orderStatusChanged: { status: 'AWAITING_PAYMENT' } });
    } finally {
      probe.world.orderReadGate = undefined;
      release();
    }
  });

  it('drops what was published during an ownership check that refuses', async () => {
    let release = () => {};
    probe.world.orderReadGate = new Promise<void>((resolve) => (release = resolve));
    try {
      const client = await connect(bob);
      const reads = probe.world.callsTo('order').length;
      const sub = subscribe(client, 'subscription($o: ID!) { orderStatusChanged(orderId: $o) { status } }', {
        o: 'o-1',
      });
      await eventually(() => probe.world.callsTo('order').length > reads, {
        what: 'the ownership check',
        timeoutMs: 5000,
      });
      await probe.live.publish('order:o-1', statusMessage('o-1', alice.id, 'PAID', 'AWAITING_PAYMENT'));
      release();
      expect(await sub.failure).toEqual([
        expect.objectContaining({ extensions: expect.objectContaining({ code: 'FORBIDDEN' }) }),
      ]);
      expect(probe.live.activeChannelCount()).toBe(0);
    } finally {
      probe.world.orderReadGate = undefined;
      release();
    }
  });

  it('refuses someone else’s order with FORBIDDEN at subscribe time', async () => {
    const client = await connect(bob);
    const order = subscribe(client, ORDER_STATUS, { orderId: 'o-1' });
    expect(await order.failure).toEqual([
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'FORBIDDEN' }) }),
    ]);
    const payment = subscribe(client, 'subscription { paymentStatusChanged(orderId: "o-1") { status } }');
    expect(await payment.failure).toEqual([
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'FORBIDDEN' }) }),
    ]);
    expect(probe.gateway.activeSubscriptions()).toBe(0);
    expect(probe.live.activeChannelCount()).toBe(0);
  });

  it('refuses an unknown order with NOT_FOUND and an anonymous myOrderUpdates with UNAUTHENTICATED', async () => {
    const signedIn = await connect(alice);
    const missing = subscribe(signedIn, ORDER_STATUS, { orderId: 'nope' });
    expect(await missing.failure).toEqual([
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'NOT_FOUND' }) }),
    ]);
    const anonymous = await connect();
    const mine = subscribe(anonymous, 'subscription { myOrderUpdates { status } }');
    expect(await mine.failure).toEqual([
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'UNAUTHENTICATED' }) }),
    ]);
  });

  it('validates subscriptions against the API schema and applies the depth limit', async () => {
    const client = await connect(alice);
    const ownershipChecksBefore = probe.world.callsTo('order').length;
    const invalid = subscribe(client, 'subscription { orderStatusChanged(orderId: "o-1") { nope } }');
    expect(await invalid.failure).toEqual([
      expect.objectContaining({ message: expect.stringContaining('nope') }),
    ]);
    let nested = 'id';
    for (let i = 0; i < 6; i++) nested = `payment { order { ${nested} } }`;
    const deep = subscribe(
      client,
      `subscription { orderStatusChanged(orderId: "o-1") { order { ${nested} } } }`,
    );
    expect(await deep.failure).toEqual([
      expect.objectContaining({
        extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', limit: 'MAX_QUERY_DEPTH' }),
      }),
    ]);
    expect(probe.world.callsTo('order').length).toBe(ownershipChecksBefore);
  });

  it('refuses a connection whose token is tampered or expired, saying why', async () => {
    for (const authorization of [
      `Bearer ${tamper(await probe.tokens.sign(alice))}`,
      await probe.tokens.bearer(alice, { expired: true }),
    ]) {
      const closed = new Promise<{ code: number; reason: string }>((resolve) => {
        const client = wsClient(
          probe.gateway.wsUrl,
          { authorization },
          { on: { closed: (event) => resolve(event as { code: number; reason: string }) } },
        );
        clients.push(client);
        subscribe(client, 'subscription { myOrderUpdates { status } }');
      });
      const { code, reason } = await closed;
      expect(code).toBe(4403);
      expect(reason).toMatch(/^UNAUTHENTICATED: (Invalid token|Token expired)$/);
    }
  });

  it('closes a connection when its token expires, ending its subscriptions', async () => {
    const closed = new Promise<{ code: number; reason: string }>((resolve) => {
      void probe.tokens.bearer(alice, { expiresInSeconds: 2 }).then((authorization) => {
        const client = wsClient(
          probe.gateway.wsUrl,
          { authorization },
          { on: { closed: (event) => resolve(event as { code: number; reason: string }) } },
        );
        clients.push(client);
        subscribe(client, 'subscription { myOrderUpdates { status } }');
      });
    });
    await eventually(() => probe.gateway.activeSubscriptions() === 1, {
      timeoutMs: 5000,
      what: 'the subscription',
    });
    const { code, reason } = await closed;
    expect({ code, reason }).toEqual({ code: 4403, reason: 'UNAUTHENTICATED: Token expired' });
    await eventually(
      () => probe.gateway.activeSubscriptions() === 0 && probe.live.activeChannelCount() === 0,
      { timeoutMs: 5000, what: 'the subscription to end' },
    );
  });

  it('tears the live-bus subscription down on complete and on disconnect', async () => {
    const client = await connect(alice);
    const first = subscribe(client, ORDER_STATUS, { orderId: 'o-1' });
    const second = subscribe(client, ORDER_STATUS, { orderId: 'o-2' });
    await eventually(() => probe.gateway.activeSubscriptions() === 2, {
      timeoutMs: 5000,
      what: 'two subscriptions',
    });
    expect(probe.live.activeChannelCount()).toBe(2);
    first.dispose(); // graphql-ws `complete`
    await eventually(
      () => probe.gateway.activeSubscriptions() === 1 && probe.live.activeChannelCount() === 1,
      { timeoutMs: 5000, what: 'complete to unsubscribe' },
    );

    // An abrupt disconnect: the socket is destroyed without a close handshake.
    const raw = new WebSocket(probe.gateway.wsUrl, 'graphql-transport-ws');
    await new Promise((resolve) => raw.once('open', resolve));
    raw.send(
      JSON.stringify({
        type: 'connection_init',
        payload: { authorization: await probe.tokens.bearer(alice) },
      }),
    );
    await new Promise((resolve) => raw.once('message', resolve));
    raw.send(
      JSON.stringify({
        id: '1',
        type: 'subscribe',
        payload: { query: ORDER_STATUS, variables: { orderId: 'o-1' } },
      }),
    );
    await eventually(() => probe.gateway.activeSubscriptions() === 2, {
      timeoutMs: 5000,
      what: 'the raw subscription',
    });
    raw.terminate();
    await eventually(() => probe.gateway.activeSubscriptions() === 1, {
      timeoutMs: 5000,
      what: 'disconnect to unsubscribe',
    });

    await client.dispose();
    await eventually(
      () => probe.gateway.activeSubscriptions() === 0 && probe.live.activeChannelCount() === 0,
      { timeoutMs: 5000, what: 'dispose to unsubscribe' },
    );
    await expect(second.failure).rejects.toThrow(); // ended by the client, not by an error
  });

  it('answers pings and drops a client that stops answering the server’s', async () => {
    const client = await connect(alice);
    const sub = subscribe(client, 'subscription { myOrderUpdates { status } }');
    await eventually(() => probe.gateway.activeSubscriptions() === 1, {
      timeoutMs: 5000,
      what: 'the subscription',
    });
    // graphql-ws protocol ping from the client: the server answers pong.
    await new Promise<void>((resolve, reject) => {
      const raw = new WebSocket(probe.gateway.wsUrl, 'graphql-transport-ws');
      raw.on('open', () => raw.send(JSON.stringify({ type: 'connection_init' })));
      raw.on('message', (data) => {
        const message = JSON.parse(String(data)) as { type: string };
        if (message.type === 'connection_ack') raw.send(JSON.stringify({ type: 'ping' }));
        if (message.type === 'pong') {
          raw.close();
          resolve();
        }
      });
      raw.on('error', reject);
    });
    // A socket that ignores WebSocket pings is terminated after one keep-alive interval (200 ms).
    const deaf = new WebSocket(probe.gateway.wsUrl, 'graphql-transport-ws', { autoPong: false });
    await new Promise((resolve) => deaf.once('open', resolve));
    deaf.send(
      JSON.stringify({
        type: 'connection_init',
        payload: { authorization: await probe.tokens.bearer(alice) },
      }),
    );
    await new Promise((resolve) => deaf.once('message', resolve));
    deaf.send(
      JSON.stringify({
        id: 'd',
        type: 'subscribe',
        payload: { query: 'subscription { myOrderUpdates { status } }' },
      }),
    );
    await eventually(() => probe.gateway.activeSubscriptions() === 2, {
      timeoutMs: 5000,
      what: 'the deaf subscription',
    });
    const closedAt = await new Promise<number>((resolve) => deaf.once('close', () => resolve(Date.now())));
    expect(closedAt).toBeGreaterThan(0);
    await eventually(() => probe.gateway.activeSubscriptions() === 1, {
      timeoutMs: 5000,
      what: 'the deaf one to be dropped',
    });
    // The answering client outlived several intervals and still gets events.
    await probe.live.publish(`user-orders:${alice.id}`, statusMessage('o-1', alice.id, 'PAID', 'PENDING'));
    expect(await sub.next()).toEqual({ data: { myOrderUpdates: { status: 'PAID' } } });
  });
});
