import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trace } from '@opentelemetry/api';
import { createLogger } from '@novamart/kit';
import { startTracingForTests, type TestTracing } from '@novamart/kit/testing';
import { usersSubgraph } from '@novamart/users';
import { productsSubgraph } from '@novamart/products';
import { inventorySubgraph } from '@novamart/inventory';
import { cartSubgraph } from '@novamart/cart';
import { ordersSubgraph } from '@novamart/orders';
import { startSupergraph, type Supergraph } from './support/supergraph';
import { checkout, createProduct } from './support/storefront';
import { eventually } from '@novamart/kit/testing';

// One trace from a storefront's checkout through the gateway, the orders subgraph, the outbox,
// inventory's reservation and back to orders' AWAITING_PAYMENT update: the events carry the
// traceparent of the span that wrote them (OTLP replaced by an in-memory exporter).

let tracing: TestTracing;
let sg: Supergraph;

beforeAll(async () => {
  tracing = await startTracingForTests();
  sg = await startSupergraph({
    subgraphs: [usersSubgraph, productsSubgraph, inventorySubgraph, cartSubgraph, ordersSubgraph],
  });
}, 120_000);

afterAll(async () => {
  await sg?.stop();
  await tracing?.shutdown();
});

const attr = (span: { attributes: Record<string, unknown> }, name: string) => span.attributes[name];

describe('tracing', () => {
  it('follows a checkout through the gateway, orders, the outbox and inventory back to AWAITING_PAYMENT', async () => {
    const productId = await createProduct(sg, `TRACE-${Date.now()}`, 1200, 5);
    const customer = await sg.customer('Tracy');
    const orderId = await checkout(sg, customer, productId, `trace-${Date.now()}`);
    await eventually(
      () =>
        sg.query('query($id: ID!) { order(id: $id) { status } }', { id: orderId }, { token: customer.token }),
      (r) => r.data?.order?.status === 'AWAITING_PAYMENT',
      { what: 'the order to await payment', timeoutMs: 20_000 },
    );
    const consumed = (group: string, type: string) =>
      tracing
        .spans()
        .find(
          (s) =>
            attr(s, 'messaging.consumer.group.name') === group &&
            attr(s, 'messaging.destination.name') === type &&
            (type === 'order.placed' ? attr(s, 'novamart.event.aggregate_id') === orderId : true),
        );
    const placed = await eventually(
      async () => consumed('inventory', 'order.placed'),
      (s) => s !== undefined,
      { what: "inventory's order.placed span", timeoutMs: 20_000 },
    );
    const traceId = placed!.spanContext().traceId;
    const inTrace = () => tracing.spans().filter((s) => s.spanContext().traceId === traceId);
    const childrenOf = (parent: { spanContext(): { spanId: string } }) =>
      inTrace().filter((s) => s.parentSpanContext?.spanId === parent.spanContext().spanId);

    // The order.placed event was written under the orders subgraph's checkout span, itself a
    // child of the gateway's fetch to orders.
    const checkoutSpan = inTrace().find((s) => s.spanContext().spanId === placed!.parentSpanContext?.spanId);
    expect(checkoutSpan?.name).toMatch(/^mutation/);
    expect(attr(checkoutSpan!, 'novamart.subgraph')).toBe('orders');
    const fetch = inTrace().find((s) => s.spanContext().spanId === checkoutSpan!.parentSpanContext?.spanId);
    expect(fetch?.name).toBe('gateway.fetch');
    expect(inTrace().map((s) => s.name)).toEqual(expect.arrayContaining(['gateway.request', 'gateway.plan']));
    // The checkout's own MongoDB commands, under its span.
    expect(childrenOf(checkoutSpan!).some((s) => s.name === 'mongodb insert')).toBe(true);

    // Inventory's reservation: its commands under the consumer span, and the event it wrote
    // (inventory.reserved) consumed by orders in the same trace, which moves the order on.
    expect(childrenOf(placed!).filter((s) => s.name.startsWith('mongodb ')).length).toBeGreaterThan(0);
    const reserved = await eventually(
      async () =>
        inTrace().find(
          (s) =>
            attr(s, 'messaging.consumer.group.name') === 'orders' &&
            attr(s, 'messaging.destination.name') === 'inventory.reserved',
        ),
      (s) => s !== undefined,
      { what: "orders' inventory.reserved span in the checkout's trace", timeoutMs: 20_000 },
    );
    expect(reserved!.parentSpanContext?.spanId).toBe(placed!.spanContext().spanId);
    const ordersWrites = childrenOf(reserved!).filter(
      (s) =>
        /^mongodb (update|findAndModify)$/.test(s.name) && String(attr(s, 'db.namespace')).includes('orders'),
    );
    expect(ordersWrites.length).toBeGreaterThan(0);
    // A whole checkout saga: on a loaded machine it takes longer than the default 30 s.
  }, 90_000);

  it('gives a subgraph called in process (as npm start does) its own span under the gateway fetch', async () => {
    const inProcess = await startSupergraph({
      subgraphs: [usersSubgraph, productsSubgraph],
      inProcess: true,
    });
    try {
      const before = new Set(tracing.spans());
      // The gateway names the subgraph operation after the client's: TracedPage__products__0.
      const servedByProducts = (s: ReturnType<TestTracing['spans']>[number]) =>
        /^query TracedPage__products/.test(s.name) && attr(s, 'novamart.subgraph') === 'products';
      const page = await inProcess.query('query TracedPage { products(first: 2) { totalCount } }');
      expect(page.errors).toBeUndefined();
      const spans = await eventually(
        async () => tracing.spans().filter((s) => !before.has(s)),
        (all) => all.some(servedByProducts),
        { what: "the products subgraph's span", timeoutMs: 10_000 },
      );
      const served = spans.find(servedByProducts)!;
      const fetch = spans.find((s) => s.spanContext().spanId === served.parentSpanContext?.spanId);
      // The plugin names the subgraph's own span: the gateway's fetch keeps its name.
      expect(fetch?.name).toBe('gateway.fetch');
    } finally {
      await inProcess.stop();
    }
  }, 60_000);

  it('writes trace_id and span_id on log lines under a span', async () => {
    const lines: string[] = [];
    const logger = createLogger('trace-log', {
      destination: new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(chunk.toString());
          done();
        },
      }),
    });
    const ids = trace.getTracer('test').startActiveSpan('logged', (span) => {
      logger.info('inside');
      span.end();
      return span.spanContext();
    });
    logger.info('outside');
    const [inside, outside] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(inside).toMatchObject({ trace_id: ids.traceId, span_id: ids.spanId });
    expect(outside).not.toHaveProperty('trace_id');
  });
});
