import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DomainEvent } from '@novamart/events';
import { createLogger, createSubgraphClient, type SubgraphClient, type Viewer } from '@novamart/kit';
import { orderModel, type OrderDoc } from '../src/models/order';
import { Fulfilment } from '../src/services/fulfilment';
import { ReturnFollowUp } from '../src/services/return-follow-up';
import {
  admin,
  checkoutInput,
  customer,
  eventually,
  failure,
  startOrdersHarness,
  type OrdersHarness,
} from './support';

/**
 * Shipments and returns on the orders services: the exact payloads of `shipment.created` and
 * `return.*` (what payments, inventory and notifications rely on), partial shipments and the
 * statuses they lead to, the return window at its boundary, and what each role may do.
 */
let h: OrdersHarness;
let seq = 0;
const dispatcher: Viewer = { id: 'dispatcher-1', role: 'DISPATCHER' };
const support: Viewer = { id: 'support-1', role: 'SUPPORT' };
const DAY_MS = 24 * 60 * 60 * 1000;

beforeAll(async () => {
  h = await startOrdersHarness();
  await h.product('p-a', 1500);
  await h.product('p-b', 700);
  await h.registered('u-ful', 'ful@example.com');
});

afterAll(async () => {
  await h?.close();
});

/** A PAID order of `u-ful`: 3 × p-a ($15.00) and 2 × p-b ($7.00). */
async function paidOrder(): Promise<OrderDoc> {
  await h.cart(
    'cart-of-u-ful',
    [
      { productId: 'p-a', quantity: 3 },
      { productId: 'p-b', quantity: 2 },
    ],
    { userId: 'u-ful', revision: ++seq },
  );
  const order = await h.checkout.checkout(customer('u-ful'), checkoutInput());
  await h.publish('inventory.reserved', order._id, {
    orderId: order._id,
    reservationId: `res-${order._id}`,
    lines: [],
    expiresAt: null,
  });
  const paymentId = `pay-${order._id}`;
  await h.publish('payment.status_changed', order._id, {
    paymentId,
    orderId: order._id,
    userId: 'u-ful',
    status: 'REQUIRES_PAYMENT_METHOD',
    previousStatus: null,
    at: new Date().toISOString(),
  });
  await h.publish('payment.succeeded', order._id, {
    paymentId,
    orderId: order._id,
    userId: 'u-ful',
    amount: order.total,
    currency: 'USD',
    provider: 'simulated',
  });
  return eventually(async () => {
    const [current] = await h.queries.byIds([order._id]);
    return current?.status === 'PAID' ? current : null;
  });
}

async function eventsOf(orderId: string, type: string, count: number): Promise<DomainEvent<any>[]> {
  return eventually(() => (h.eventsOf(orderId, type).length >= count ? h.eventsOf(orderId, type) : null));
}

const parcel = (
  orderId: string,
  lines: { productId: string; quantity: number }[] | null,
  tracking: string,
) => ({
  orderId,
  lines,
  carrier: 'UPS',
  trackingNumber: tracking,
  trackingUrl: `https://track.example/${tracking}`,
});

describe('shipments', () => {
  it('ships in parts: PROCESSING until the last unit, SHIPPED, then DELIVERED with the last delivery', async () => {
    const order = await paidOrder();
    const first = await h.fulfilment.createShipment(
      dispatcher,
      parcel(order._id, [{ productId: 'p-a', quantity: 2 }], 'T1'),
    );
    expect(first.order.status).toBe('PROCESSING');
    const [created] = await eventsOf(order._id, 'shipment.created', 1);
    expect(created!.payload).toEqual({
      orderId: order._id,
      shipmentId: first.item._id,
      lines: [{ productId: 'p-a', variantId: 'p-a', sku: 'SKU-p-a', quantity: 2, amount: 3000 }],
      amount: 3000,
      // Not the order's last unit: payments captures this parcel's amount only.
      final: false,
      currency: 'USD',
      carrier: 'UPS',
      trackingNumber: 'T1',
      trackingUrl: 'https://track.example/T1',
    });
    // Cancelling a partly shipped order is a CONFLICT, even for an admin.
    expect((await failure(h.lifecycle.cancel(admin, order._id))).code).toBe('CONFLICT');
    // More than is left of a line is refused with the field; nothing is written.
    expect(
      await failure(
        h.fulfilment.createShipment(dispatcher, parcel(order._id, [{ productId: 'p-a', quantity: 2 }], 'T2')),
      ),
    ).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.lines[0].quantity', available: 1 });

    const second = await h.fulfilment.createShipment(
      dispatcher,
      parcel(order._id, [{ productId: 'p-b', quantity: 1 }], 'T2'),
    );
    expect(second.order.status).toBe('PROCESSING');
    // markOrderShipped ships the rest (1 × p-a, 1 × p-b) in one shipment without a tracking URL.
    const rest = await h.lifecycle.markShipped(dispatcher, order._id, 'DHL', 'T3');
    expect(rest.status).toBe('SHIPPED');
    expect(rest.shipments!.map((s) => s.lines.map((l) => `${l.productId}×${l.quantity}`))).toEqual([
      ['p-a×2'],
      ['p-b×1'],
      ['p-a×1', 'p-b×1'],
    ]);
    const created3 = (await eventsOf(order._id, 'shipment.created', 3))[2]!;
    expect(created3.payload).toMatchObject({ amount: 2200, final: true, trackingUrl: null, carrier: 'DHL' });
    const [shipped] = await eventsOf(order._id, 'order.shipped', 1);
    expect(shipped!.payload.shipmentIds).toEqual(rest.shipments!.map((s) => s._id));
    expect(rest.statusHistory.map((c) => c.status)).toEqual([
      'PENDING',
      'AWAITING_PAYMENT',
      'PAID',
      'PROCESSING',
      'SHIPPED',
    ]);

    for (const [i, shipment] of rest.shipments!.entries()) {
      const delivered = await h.fulfilment.markShipmentDelivered(dispatcher, shipment._id);
      expect(delivered.order.status).toBe(i < 2 ? 'SHIPPED' : 'DELIVERED');
    }
    expect(
      (await failure(h.fulfilment.markShipmentDelivered(dispatcher, rest.shipments![0]!._id))).code,
    ).toBe('CONFLICT');
  });

  it('is DISPATCHER work: a customer and SUPPORT are FORBIDDEN; a bad URL or line names its field', async () => {
    const order = await paidOrder();
    for (const viewer of [customer('u-ful'), support]) {
      expect((await failure(h.fulfilment.createShipment(viewer, parcel(order._id, null, 'X')))).code).toBe(
        'FORBIDDEN',
      );
      expect((await failure(h.lifecycle.markShipped(viewer, order._id, 'UPS', 'X'))).code).toBe('FORBIDDEN');
    }
    expect(
      await failure(
        h.fulfilment.createShipment(dispatcher, {
          ...parcel(order._id, null, 'X'),
          trackingUrl: 'ftp://x.example',
        }),
      ),
    ).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.trackingUrl' });
    expect(
      await failure(
        h.fulfilment.createShipment(dispatcher, parcel(order._id, [{ productId: 'p-a', quantity: 0 }], 'X')),
      ),
    ).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.lines[0].quantity' });
    expect(
      await failure(
        h.fulfilment.createShipment(
          dispatcher,
          parcel(
            order._id,
            [
              { productId: 'p-b', quantity: 1 },
              { productId: 'p-b', quantity: 1 },
            ],
            'X',
          ),
        ),
      ),
    ).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.lines[1].productId' });
    const [unchanged] = await h.queries.byIds([order._id]);
    expect(unchanged).toMatchObject({ status: 'PAID', revision: order.revision });
    expect(h.eventsOf(order._id, 'shipment.created')).toEqual([]);
  });
});

describe('returns', () => {
  it('accepts a return until RETURN_WINDOW_DAYS after the delivery, not a millisecond later', async () => {
    const order = await paidOrder();
    const shipped = await h.lifecycle.markShipped(dispatcher, order._id, 'UPS', 'R1');
    const deliveredAt = new Date();
    let now = deliveredAt;
    const fulfilment = new Fulfilment({
      lifecycle: h.lifecycle,
      orders: orderModel(h.conn),
      returnWindowDays: 30,
      now: () => now,
    });
    await fulfilment.markShipmentDelivered(dispatcher, shipped.shipments![0]!._id);
    const input = { orderId: order._id, lines: [{ productId: 'p-b', quantity: 1 }], reason: 'Broken' };

    now = new Date(deliveredAt.getTime() + 30 * DAY_MS + 1);
    expect(await failure(fulfilment.requestReturn(customer('u-ful'), input))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.lines[0].productId',
      returnWindowDays: 30,
    });
    expect(h.eventsOf(order._id, 'return.requested')).toEqual([]);

    now = new Date(deliveredAt.getTime() + 30 * DAY_MS);
    expect((await failure(fulfilment.requestReturn(customer('someone-else'), input))).code).toBe('FORBIDDEN');
    const requested = await fulfilment.requestReturn(customer('u-ful'), input);
    expect(requested.item).toMatchObject({ status: 'REQUESTED', amount: 700 });
    const [event] = await eventsOf(order._id, 'return.requested', 1);
    expect(event!.payload).toEqual({
      returnId: requested.item._id,
      orderId: order._id,
      userId: 'u-ful',
      lines: [{ productId: 'p-b', variantId: 'p-b', sku: 'SKU-p-b', quantity: 1, amount: 700 }],
      amount: 700,
      currency: 'USD',
      reason: 'Broken',
    });
  });

  it('SUPPORT decides, SUPPORT or a DISPATCHER receives; return.received carries the approver', async () => {
    const order = await paidOrder();
    const shipped = await h.lifecycle.markShipped(dispatcher, order._id, 'UPS', 'R2');
    await h.fulfilment.markShipmentDelivered(dispatcher, shipped.shipments![0]!._id);
    const ask = (quantity: number) =>
      h.fulfilment.requestReturn(customer('u-ful'), {
        orderId: order._id,
        lines: [{ productId: 'p-a', quantity }],
        reason: 'Not needed',
      });
    const rejected = await ask(3);
    expect(
      (
        await failure(
          h.fulfilment.decideReturn(dispatcher, rejected.item._id, { approve: false, reason: 'x' }),
        )
      ).code,
    ).toBe('FORBIDDEN');
    expect(
      await failure(h.fulfilment.decideReturn(support, rejected.item._id, { approve: false, reason: ' ' })),
    ).toMatchObject({ code: 'BAD_USER_INPUT', field: 'reason' });
    await h.fulfilment.decideReturn(support, rejected.item._id, { approve: false, reason: 'Used' });
    // A rejected return gives its units back: they can be asked for again.
    const approved = await ask(2);
    expect((await failure(h.fulfilment.receiveReturn(customer('u-ful'), approved.item._id, true))).code).toBe(
      'FORBIDDEN',
    );
    await h.fulfilment.decideReturn(support, approved.item._id, { approve: true, reason: null });
    const received = await h.fulfilment.receiveReturn(dispatcher, approved.item._id, false);
    expect(received.item).toMatchObject({ status: 'RECEIVED', restock: false, receivedBy: dispatcher.id });
    expect((await failure(h.fulfilment.receiveReturn(support, approved.item._id, true))).code).toBe(
      'CONFLICT',
    );
    const [event] = await eventsOf(order._id, 'return.received', 1);
    expect(event!.payload).toEqual({
      returnId: approved.item._id,
      orderId: order._id,
      userId: 'u-ful',
      lines: [
        {
          productId: 'p-a',
          variantId: 'p-a',
          sku: 'SKU-p-a',
          quantity: 2,
          amount: 3000,
          restock: false,
          restockQuantity: 0,
        },
      ],
      amount: 3000,
      currency: 'USD',
      restock: false,
      approvedBy: support.id,
      receivedBy: dispatcher.id,
    });
    expect((await eventsOf(order._id, 'return.rejected', 1))[0]!.payload).toMatchObject({
      rejectedBy: support.id,
      reason: 'Used',
    });
    expect(received.order.status).toBe('DELIVERED');
  });

  it('receives each line its own way (lines, else restock), in the write that makes it RECEIVED', async () => {
    const order = await paidOrder();
    const shipped = await h.lifecycle.markShipped(dispatcher, order._id, 'UPS', `R-${++seq}`);
    await h.fulfilment.markShipmentDelivered(dispatcher, shipped.shipments![0]!._id);
    const requested = await h.fulfilment.requestReturn(customer('u-ful'), {
      orderId: order._id,
      lines: [
        { productId: 'p-a', quantity: 2 },
        { productId: 'p-b', quantity: 1 },
      ],
      reason: 'One arrived broken',
    });
    const returnId = requested.item._id;
    await h.fulfilment.decideReturn(support, returnId, { approve: true, reason: null });
    const receive = (lines: { variantId: string; restock: boolean }[]) =>
      h.fulfilment.receiveReturn(dispatcher, returnId, true, { lines });

    // A line the return does not have, or one named twice: refused on its field, nothing written.
    expect(await failure(receive([{ variantId: 'p-c', restock: false }]))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'lines[0].variantId',
    });
    expect(
      await failure(
        receive([
          { variantId: 'p-b', restock: false },
          { variantId: 'p-b', restock: true },
        ]),
      ),
    ).toMatchObject({ code: 'BAD_USER_INPUT', field: 'lines[1].variantId' });
    const [unchanged] = await h.queries.byIds([order._id]);
    expect(unchanged!.returns!.find((r) => r._id === returnId)).toMatchObject({
      status: 'APPROVED',
      restock: null,
    });
    expect(h.eventsOf(order._id, 'return.received')).toEqual([]);

    const received = await receive([{ variantId: 'p-b', restock: false }]);
    expect(received.item).toMatchObject({ status: 'RECEIVED', restock: true });
    expect(received.item.lines.map(({ sku, restocked }) => ({ sku, restocked }))).toEqual([
      { sku: 'SKU-p-a', restocked: true },
      { sku: 'SKU-p-b', restocked: false },
    ]);
    const [event] = await eventsOf(order._id, 'return.received', 1);
    // The event's own flag is every line's (an inventory from before per-line choices writes the
    // mixed return off whole instead of restocking the written-off line); its lines say each.
    expect(event!.payload).toMatchObject({
      restock: false,
      lines: [
        { productId: 'p-a', quantity: 2, restock: true },
        { productId: 'p-b', quantity: 1, restock: false },
      ],
    });

    // Every line written off one by one: the return restocked nothing.
    const again = await h.fulfilment.requestReturn(customer('u-ful'), {
      orderId: order._id,
      lines: [{ productId: 'p-a', quantity: 1 }],
      reason: 'Scratched',
    });
    await h.fulfilment.decideReturn(support, again.item._id, { approve: true, reason: null });
    const writtenOff = await h.fulfilment.receiveReturn(dispatcher, again.item._id, true, {
      lines: [{ variantId: 'p-a', restock: false }],
    });
    expect(writtenOff.item).toMatchObject({ restock: false, lines: [{ sku: 'SKU-p-a', restocked: false }] });
  });

  it('restocks part of a line (restockQuantity), each out-of-range figure refused on its field before anything is written', async () => {
    const order = await paidOrder();
    const shipped = await h.lifecycle.markShipped(dispatcher, order._id, 'UPS', `R-${++seq}`);
    await h.fulfilment.markShipmentDelivered(dispatcher, shipped.shipments![0]!._id);
    const requested = await h.fulfilment.requestReturn(customer('u-ful'), {
      orderId: order._id,
      lines: [
        { productId: 'p-a', quantity: 3 },
        { productId: 'p-b', quantity: 2 },
      ],
      reason: 'One of the three arrived broken',
    });
    const returnId = requested.item._id;
    await h.fulfilment.decideReturn(support, returnId, { approve: true, reason: null });
    const receive = (lines: { variantId: string; restock: boolean; restockQuantity?: number | null }[]) =>
      h.fulfilment.receiveReturn(dispatcher, returnId, true, { lines });

    const refused: [Parameters<typeof receive>[0], string][] = [
      [[{ variantId: 'p-a', restock: true, restockQuantity: 4 }], 'lines[0].restockQuantity'],
      [
        [
          { variantId: 'p-b', restock: true },
          { variantId: 'p-a', restock: true, restockQuantity: -1 },
        ],
        'lines[1].restockQuantity',
      ],
      [[{ variantId: 'p-a', restock: true, restockQuantity: 1.5 }], 'lines[0].restockQuantity'],
      // A line written off puts nothing back: only 0 goes with restock: false.
      [[{ variantId: 'p-a', restock: false, restockQuantity: 2 }], 'lines[0].restockQuantity'],
    ];
    for (const [lines, field] of refused) {
      expect(await failure(receive(lines)), field).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
    const [unchanged] = await h.queries.byIds([order._id]);
    const untouched = unchanged!.returns!.find((r) => r._id === returnId)!;
    expect(untouched).toMatchObject({ status: 'APPROVED', restock: null });
    expect(untouched.lines.map((line) => line.restockedQuantity)).toEqual([undefined, undefined]);
    expect(h.eventsOf(order._id, 'return.received')).toEqual([]);

    const received = await receive([
      { variantId: 'p-a', restock: true, restockQuantity: 2 },
      { variantId: 'p-b', restock: false, restockQuantity: 0 },
    ]);
    expect(received.item).toMatchObject({ status: 'RECEIVED', restock: true });
    const [stored] = await h.queries.byIds([order._id]);
    expect(
      stored!
        .returns!.find((r) => r._id === returnId)!
        .lines.map(({ sku, restocked, restockedQuantity }) => ({
          sku,
          restocked,
          restockedQuantity,
        })),
    ).toEqual([
      { sku: 'SKU-p-a', restocked: true, restockedQuantity: 2 },
      { sku: 'SKU-p-b', restocked: false, restockedQuantity: 0 },
    ]);
    const [event] = await eventsOf(order._id, 'return.received', 1);
    // The units going back per line; a partly restocked line is not back whole, so the flags a
    // consumer from before partial restocks reads write it off rather than restock its damaged unit.
    expect(event!.payload).toMatchObject({
      restock: false,
      amount: requested.item.amount,
      lines: [
        { productId: 'p-a', quantity: 3, restock: false, restockQuantity: 2 },
        { productId: 'p-b', quantity: 2, restock: false, restockQuantity: 0 },
      ],
    });
  });

  describe('receiveReturn asks inventory and payments before answering', () => {
    /** A DELIVERED order with an APPROVED return of 2 × p-a ($30.00), and a Fulfilment asking `peers`. */
    async function approvedReturn(peers: { inventory: SubgraphClient; payments: SubgraphClient }) {
      const fulfilment = new Fulfilment({
        lifecycle: h.lifecycle,
        orders: orderModel(h.conn),
        returnWindowDays: 30,
        followUp: new ReturnFollowUp({
          ...peers,
          lifecycle: h.lifecycle,
          logger: createLogger('orders-test', { level: 'silent' }),
        }),
      });
      const order = await paidOrder();
      const shipped = await h.lifecycle.markShipped(dispatcher, order._id, 'UPS', `R-${++seq}`);
      await fulfilment.markShipmentDelivered(dispatcher, shipped.shipments![0]!._id);
      const requested = await fulfilment.requestReturn(customer('u-ful'), {
        orderId: order._id,
        lines: [{ productId: 'p-a', quantity: 2 }],
        reason: 'Too many',
      });
      await fulfilment.decideReturn(support, requested.item._id, { approve: true, reason: null });
      return { fulfilment, orderId: order._id, returnId: requested.item._id };
    }

    it("records the refund payments answers, once with refund.succeeded, and passes the caller's authorization", async () => {
      const calls: {
        name: string;
        variables: Record<string, any>;
        authorization: string | null | undefined;
      }[] = [];
      const peer = (name: string, answer: Record<string, unknown>): SubgraphClient => ({
        name,
        url: `http://${name}.test/graphql`,
        async request<T>(
          _document: string,
          variables: Record<string, unknown> = {},
          options: { authorization?: string | null } = {},
        ) {
          calls.push({ name, variables, authorization: options.authorization });
          return answer as T;
        },
      });
      const refundId = `refund-${++seq}`;
      const { fulfilment, orderId, returnId } = await approvedReturn({
        inventory: peer('inventory', { restockReturn: [{ onHand: 5 }] }),
        payments: peer('payments', {
          refundReturn: { id: refundId, status: 'SUCCEEDED', amount: { amount: 3000, currency: 'USD' } },
        }),
      });
      const received = await fulfilment.receiveReturn(dispatcher, returnId, true, {
        authorization: 'Bearer t',
      });
      expect(received.item.status).toBe('RECEIVED');
      expect(received.order.refunds).toMatchObject([{ refundId, amount: 3000 }]);
      expect(calls.sort((a, b) => a.name.localeCompare(b.name))).toEqual([
        {
          name: 'inventory',
          variables: {
            input: {
              returnId,
              orderId,
              restock: true,
              lines: [{ productId: 'p-a', variantId: 'p-a', quantity: 2 }],
            },
          },
          authorization: 'Bearer t',
        },
        {
          name: 'payments',
          variables: { input: { returnId, orderId, amount: 3000, currency: 'USD', approvedBy: support.id } },
          authorization: 'Bearer t',
        },
      ]);
      // The event that follows (handled when publish returns) finds the refund recorded.
      await h.publish('refund.succeeded', orderId, {
        refundId,
        paymentId: `pay-${orderId}`,
        orderId,
        userId: 'u-ful',
        amount: 3000,
        currency: 'USD',
      });
      const [after] = await h.queries.byIds([orderId]);
      expect(after!.refunds).toHaveLength(1);
    });

    it('asks inventory for no restock when every line is written off line by line', async () => {
      const calls: string[] = [];
      const peer = (name: string, answer: Record<string, unknown>): SubgraphClient => ({
        name,
        url: `http://${name}.test/graphql`,
        async request<T>() {
          calls.push(name);
          return answer as T;
        },
      });
      const { fulfilment, returnId } = await approvedReturn({
        inventory: peer('inventory', { restockReturn: [{ onHand: 5 }] }),
        payments: peer('payments', {
          refundReturn: {
            id: `refund-${++seq}`,
            status: 'PENDING',
            amount: { amount: 3000, currency: 'USD' },
          },
        }),
      });
      const received = await fulfilment.receiveReturn(dispatcher, returnId, true, {
        lines: [{ variantId: 'p-a', restock: false }],
      });
      expect(received.item).toMatchObject({ status: 'RECEIVED', restock: false });
      expect(calls).toEqual(['payments']);
    });

    it('asks inventory to restock only the units going back of a line partly restocked', async () => {
      const calls: { name: string; variables: Record<string, any> }[] = [];
      const peer = (name: string, answer: Record<string, unknown>): SubgraphClient => ({
        name,
        url: `http://${name}.test/graphql`,
        async request<T>(_document: string, variables: Record<string, unknown> = {}) {
          calls.push({ name, variables });
          return answer as T;
        },
      });
      const { fulfilment, orderId, returnId } = await approvedReturn({
        inventory: peer('inventory', { restockReturn: [{ onHand: 5 }] }),
        payments: peer('payments', {
          refundReturn: {
            id: `refund-${++seq}`,
            status: 'PENDING',
            amount: { amount: 3000, currency: 'USD' },
          },
        }),
      });
      await fulfilment.receiveReturn(dispatcher, returnId, true, {
        lines: [{ variantId: 'p-a', restock: true, restockQuantity: 1 }],
      });
      expect(calls.sort((a, b) => a.name.localeCompare(b.name))).toEqual([
        {
          name: 'inventory',
          variables: {
            input: {
              returnId,
              orderId,
              restock: true,
              lines: [{ productId: 'p-a', variantId: 'p-a', quantity: 1 }],
            },
          },
        },
        // The refund is the return's amount whatever is restocked.
        {
          name: 'payments',
          variables: { input: { returnId, orderId, amount: 3000, currency: 'USD', approvedBy: support.id } },
        },
      ]);
    });

    it('answers the return RECEIVED when inventory and payments cannot be reached (the event will do it)', async () => {
      const down = 'http://127.0.0.1:9/graphql';
      const { fulfilment, returnId } = await approvedReturn({
        inventory: createSubgraphClient('inventory', down, { timeoutMs: 500 }),
        payments: createSubgraphClient('payments', down, { timeoutMs: 500 }),
      });
      const received = await fulfilment.receiveReturn(support, returnId, true);
      expect(received.item).toMatchObject({ status: 'RECEIVED', restock: true, receivedBy: support.id });
      expect(received.order.refunds).toEqual([]);
      expect(await eventsOf(received.order._id, 'return.received', 1)).toHaveLength(1);
    });
  });
});
