import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type Client } from 'graphql-ws';
import WebSocket, { WebSocketServer } from 'ws';
import { useServer, type Extra } from 'graphql-ws/use/ws';
import { createGatewayRuntime, getGraphQLWSOptions } from '@graphql-hive/gateway';
import { startSupergraph, type SignedInUser, type Supergraph } from './support/supergraph';
import { checkout, createProduct } from './support/storefront';
import { eventually } from '@novamart/kit/testing';
import { openResultStream } from './support/streams';
import { CHECKOUT_SUBGRAPHS } from './support/subgraphs';

// The subgraphs serve their own Subscription fields (kit/subgraph-subscriptions.ts) so that any
// federation router can use them: here directly over each protocol, then through Hive Gateway
// run on the committed schema/supergraph.graphql.

const WATCH = /* GraphQL */ `
  subscription Watch($orderId: ID!) {
    orderStatusChanged(orderId: $orderId) {
      status
      previousStatus
      order {
        id
        total {
          amount
          currency
        }
        items {
          quantity
          product {
            id
          }
        }
      }
    }
  }
`;

let sg: Supergraph;
let productId: string;
// Each test runs a checkout saga: 10-25 s on a loaded machine, more than vitest's default 30 s allows for safely.
const SAGA_TIMEOUT_MS = 90_000;

beforeAll(async () => {
  sg = await startSupergraph({
    subgraphs: CHECKOUT_SUBGRAPHS,
  });
  productId = await createProduct(sg, `SUBS-${Date.now()}`, 2500, 50);
}, 120_000);

afterAll(() => sg?.stop());

/** Waits until one more live-bus channel has a listener: the subgraph has subscribed. */
async function listening(before: number): Promise<void> {
  await eventually(
    async () => sg.live.activeChannelCount(),
    (n) => n > before,
    { what: 'the subgraph to listen on the live bus', timeoutMs: 20_000 },
  );
}

async function pay(customer: SignedInUser, orderId: string): Promise<void> {
  const intent = await sg.query(
    'mutation($o: ID!) { createPaymentIntent(orderId: $o) { id } }',
    { o: orderId },
    { token: customer.token },
  );
  expect(intent.errors).toBeUndefined();
  const confirmed = await sg.query(
    'mutation($p: ID!) { confirmPayment(paymentId: $p, paymentMethodId: "pm_card_visa") { status } }',
    { p: intent.data.createPaymentIntent.id },
    { token: customer.token },
  );
  expect(confirmed.errors).toBeUndefined();
}

async function cancel(customer: SignedInUser, orderId: string): Promise<void> {
  const cancelled = await sg.query(
    'mutation($id: ID!) { cancelOrder(id: $id) { status } }',
    { id: orderId },
    { token: customer.token },
  );
  expect(cancelled.errors).toBeUndefined();
}

describe('the orders subgraph serves its subscriptions itself', () => {
  it(
    'over GraphQL over SSE, with the same token rules as order(id:)',
    async () => {
      const alice = await sg.customer('Alice');
      const mallory = await sg.customer('Mallory');
      const orderId = await checkout(sg, alice, productId, `sse-${Date.now()}`);
      const url = sg.subgraph('orders').url;

      const refused = await openResultStream(url, 'sse', {
        body: { query: WATCH, variables: { orderId } },
        headers: { authorization: `Bearer ${mallory.token}` },
      });
      expect(refused.headers.get('content-type')).toContain('text/event-stream');
      const [denied, ...after] = await refused.rest();
      expect(denied?.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(after).toEqual([]);

      const before = sg.live.activeChannelCount();
      const stream = await openResultStream(url, 'sse', {
        body: { query: WATCH, variables: { orderId } },
        headers: { authorization: `Bearer ${alice.token}` },
      });
      await listening(before);
      await cancel(alice, orderId);
      let event = await stream.next();
      while (event.data?.orderStatusChanged.status !== 'CANCELLED') event = await stream.next();
      expect(event.errors).toBeUndefined();
      expect(event.data.orderStatusChanged.order).toMatchObject({
        id: orderId,
        total: { amount: 2500 + 499, currency: expect.any(String) },
        items: [{ quantity: 1, product: { id: productId } }],
      });
      stream.close();
      await eventually(
        async () => sg.live.activeChannelCount(),
        (n) => n === before,
        { what: 'the subgraph to stop listening once the client hung up', timeoutMs: 20_000 },
      );
    },
    SAGA_TIMEOUT_MS,
  );

  it(
    "over Apollo's multipart protocol",
    async () => {
      const bob = await sg.customer('Bob');
      const orderId = await checkout(sg, bob, productId, `multipart-${Date.now()}`);
      const before = sg.live.activeChannelCount();
      const stream = await openResultStream(sg.subgraph('orders').url, 'multipart', {
        body: { query: 'subscription { myOrderUpdates { status order { id } } }' },
        headers: { authorization: `Bearer ${bob.token}` },
      });
      expect(stream.headers.get('content-type')).toBe(
        'multipart/mixed;boundary="graphql";subscriptionSpec="1.0"',
      );
      await listening(before);
      await cancel(bob, orderId);
      let event = await stream.next();
      while (event.data?.myOrderUpdates.status !== 'CANCELLED') event = await stream.next();
      expect(event.data.myOrderUpdates.order.id).toBe(orderId);
      stream.close();
    },
    SAGA_TIMEOUT_MS,
  );

  it(
    'over graphql-ws, refusing a bad token at connection_init',
    async () => {
      const carol = await sg.customer('Carol');
      const orderId = await checkout(sg, carol, productId, `ws-${Date.now()}`);
      const wsUrl = sg.subgraph('orders').url.replace(/^http/, 'ws');
      const events: any[] = [];
      const before = sg.live.activeChannelCount();
      const client = createClient({
        url: wsUrl,
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        connectionParams: { authorization: `Bearer ${carol.token}` },
      });
      const done = new Promise<void>((resolve, reject) =>
        client.subscribe(
          { query: WATCH, variables: { orderId } },
          {
            next: (event) => {
              events.push(event);
              if ((event.data as any)?.orderStatusChanged.status === 'CANCELLED') resolve();
            },
            error: reject,
            complete: () => resolve(),
          },
        ),
      );
      await listening(before);
      await cancel(carol, orderId);
      await done;
      expect(events.at(-1).data.orderStatusChanged.order.id).toBe(orderId);
      await client.dispose();

      const bad = createClient({
        url: wsUrl,
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        lazy: true,
        connectionParams: { authorization: 'Bearer not-a-token' },
      });
      const closed = await new Promise<{ code: number; reason: string }>((resolve) =>
        bad.subscribe(
          { query: 'subscription { myOrderUpdates { status } }' },
          {
            next: () => undefined,
            error: (error) => resolve(error as { code: number; reason: string }),
            complete: () => resolve({ code: 0, reason: 'completed' }),
          },
        ),
      );
      expect(closed.code).toBe(4403);
      expect(closed.reason).toMatch(/^UNAUTHENTICATED/);
      await bad.dispose();
    },
    SAGA_TIMEOUT_MS,
  );

  it(
    'keeps browser CSRF blocked and says how to subscribe when the request cannot stream',
    async () => {
      const url = new URL(sg.subgraph('orders').url);
      url.searchParams.set('query', 'subscription { myOrderUpdates { status } }');
      // What an EventSource or a <form> could send cross-site: no preflight, so refused.
      const simple = await fetch(url, { headers: { accept: 'text/event-stream' } });
      expect(simple.status).toBe(400);
      expect(JSON.stringify(await simple.json())).toContain('Cross-Site Request Forgery');
      const form = await fetch(sg.subgraph('orders').url, {
        method: 'POST',
        headers: { accept: 'text/event-stream', 'content-type': 'text/plain' },
        body: JSON.stringify({ query: 'subscription { myOrderUpdates { status } }' }),
      });
      expect(form.status).toBe(400);

      // A GET with a preflight header is not simple: a router may subscribe that way.
      const preflighted = await openResultStream(url.href, 'sse', {
        method: 'GET',
        headers: { 'apollo-require-preflight': 'true' },
      });
      const [unauthenticated] = await preflighted.rest();
      expect(unauthenticated?.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

      const plain = await fetch(sg.subgraph('orders').url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: 'subscription { myOrderUpdates { status } }' }),
      });
      expect(plain.status).toBe(406);
      expect(JSON.stringify(await plain.json())).toContain('text/event-stream');
    },
    SAGA_TIMEOUT_MS,
  );
});

describe('Hive Gateway on schema/supergraph.graphql', () => {
  interface Hive {
    url: string;
    stop(): Promise<void>;
  }

  /** Hive Gateway as its CLI serves it (HTTP and graphql-ws on one port), subgraphs reached over `mode`. */
  async function startHive(mode: 'sse' | 'ws'): Promise<Hive> {
    let supergraph = readFileSync(new URL('../schema/supergraph.graphql', import.meta.url), 'utf8');
    for (const name of ['users', 'products', 'inventory', 'cart', 'orders', 'payments']) {
      supergraph = supergraph.replace(
        new RegExp(`(@join__graph\\(name: "${name}", url: )"[^"]*"`),
        `$1"${sg.subgraph(name).url}"`,
      );
    }
    // The README's configuration: subscriptions POST as JSON over SSE (the subgraphs' CSRF
    // prevention refuses a bare GET), or graphql-ws with the client's token in connection_init.
    const subscriptions =
      mode === 'sse'
        ? { kind: 'http', options: { method: 'POST' } }
        : {
            kind: 'ws',
            options: { connectionParams: { authorization: '{context.connectionParams.authorization}' } },
          };
    const gateway = createGatewayRuntime({
      supergraph,
      logging: (process.env.HIVE_LOG as 'error') ?? false,
      landingPage: false,
      transportEntries: {
        '*': { options: { subscriptions } as never },
      },
      propagateHeaders: {
        fromClientToSubgraphs: ({ request, context }) => {
          const fromParams = (context as { connectionParams?: { authorization?: string } }).connectionParams
            ?.authorization;
          const authorization = fromParams ?? request.headers.get('authorization');
          return authorization ? { authorization } : {};
        },
      },
    });
    const server: Server = createServer(gateway);
    const wsServer = new WebSocketServer({ server, path: '/graphql' });
    const served = useServer(
      // As the Hive Gateway CLI does it: the upgrade request stands for the client's request.
      getGraphQLWSOptions<Record<string, any>, Extra>(gateway, (ctx) => ({
        req: ctx.extra.request,
        socket: ctx.extra.socket,
        request: new gateway.fetchAPI.Request(`http://127.0.0.1${ctx.extra.request.url ?? '/graphql'}`, {
          headers: ctx.extra.request.headers as Record<string, string>,
        }),
      })),
      wsServer,
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const url = `http://127.0.0.1:${port}/graphql`;
    // Hive Gateway loads the supergraph on its first HTTP request; a graphql-ws subscription that
    // came first would find no schema ("Expected null to be a GraphQL schema").
    const warm = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(warm.status).toBe(200);
    return {
      url,
      async stop() {
        await served.dispose();
        await new Promise<void>((resolve) => wsServer.close(() => resolve()));
        await gateway.dispose();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      },
    };
  }

  const PAID_WATCH = /* GraphQL */ `
    subscription Paid($orderId: ID!) {
      orderStatusChanged(orderId: $orderId) {
        status
        order {
          id
          total {
            amount
          }
          items {
            product {
              name
            }
          }
          payment {
            status
          }
        }
      }
    }
  `;

  function expectPaid(event: any, orderId: string) {
    expect(event.errors).toBeUndefined();
    expect(event.data.orderStatusChanged).toEqual({
      status: 'PAID',
      order: {
        id: orderId,
        total: { amount: 2500 + 499 },
        items: [{ product: { name: expect.stringMatching(/^Bench SUBS-/) } }],
        payment: { status: 'SUCCEEDED' },
      },
    });
  }

  it(
    'delivers checkout → pay → PAID with fields from products and payments, client and subgraphs over SSE',
    async () => {
      const hive = await startHive('sse');
      try {
        const dave = await sg.customer('Dave');
        const orderId = await checkout(sg, dave, productId, `hive-sse-${Date.now()}`);
        const before = sg.live.activeChannelCount();
        const stream = await openResultStream(hive.url, 'sse', {
          body: { query: PAID_WATCH, variables: { orderId } },
          headers: { authorization: `Bearer ${dave.token}` },
        });
        await listening(before);
        await pay(dave, orderId);
        let event = await stream.next();
        while (event.data?.orderStatusChanged?.status !== 'PAID' && !event.errors)
          event = await stream.next();
        expectPaid(event, orderId);
        stream.close();

        // Another customer's order is refused by the orders subgraph, through Hive.
        const eve = await sg.customer('Eve');
        const refused = await openResultStream(hive.url, 'sse', {
          body: { query: PAID_WATCH, variables: { orderId } },
          headers: { authorization: `Bearer ${eve.token}` },
        });
        const denied = await refused.next();
        expect(denied.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
        refused.close();
      } finally {
        await hive.stop();
      }
    },
    SAGA_TIMEOUT_MS,
  );

  it(
    'delivers checkout → pay → PAID, client and subgraphs over graphql-ws',
    async () => {
      const hive = await startHive('ws');
      let client: Client | undefined;
      try {
        const frank = await sg.customer('Frank');
        const orderId = await checkout(sg, frank, productId, `hive-ws-${Date.now()}`);
        client = createClient({
          url: hive.url.replace(/^http/, 'ws'),
          webSocketImpl: WebSocket,
          retryAttempts: 0,
          connectionParams: { authorization: `Bearer ${frank.token}` },
        });
        const before = sg.live.activeChannelCount();
        const events: any[] = [];
        const paid = new Promise<any>((resolve, reject) =>
          client!.subscribe(
            { query: PAID_WATCH, variables: { orderId } },
            {
              next: (event) => {
                events.push(event);
                if (event.errors || (event.data as any)?.orderStatusChanged?.status === 'PAID')
                  resolve(event);
              },
              error: reject,
              complete: () => reject(new Error(`completed before PAID: ${JSON.stringify(events)}`)),
            },
          ),
        );
        // A subscription Hive refuses ends `paid` instead of ever listening.
        await Promise.race([listening(before), paid]);
        await pay(frank, orderId);
        expectPaid(await paid, orderId);
      } finally {
        await client?.dispose();
        await hive.stop();
      }
    },
    SAGA_TIMEOUT_MS,
  );
});
