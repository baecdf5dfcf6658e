import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvent, isEventRejected, type DomainEvent } from '@novamart/events';
import { commandStats, runWithRequestId } from '@novamart/kit';
import { orderSagaConsumer, ordersProjectionConsumer } from '../src/events/handlers';
import { orderChannel, userOrdersChannel, type OrderLiveMessage } from '../src/events/live-updates';
import { type OrderDoc } from '../src/models/order';
import {
  admin,
  checkoutInput,
  customer,
  eventually,
  failure,
  startOrdersHarness,
  type OrdersHarness,
} from './support';

let h: OrdersHarness;
let seq = 0;

beforeAll(async () => {
  h = await startOrdersHarness();
  await h.product('p-1', 2000);
  await h.registered('u-life', 'life@example.com');
});

afterAll(async () => {
  await h?.close();
});

/** A fresh PENDING order of `u-life` for 2 × $20.00 + $4.99 shipping = 4499. */
async function placeOrder(userId = 'u-life'): Promise<OrderDoc> {
  if (userId !== 'u-life') await h.registered(userId, `${userId}@example.com`);
  // A customer has one cart; each order leaves a new revision of it behind.
  await h.cart(`cart-of-${userId}`, [{ productId: 'p-1', quantity: 2 }], { userId, revision: ++seq });
  return h.checkout.checkout(customer(userId), checkoutInput());
}

const load = async (orderId: string) => (await h.queries.byIds([orderId]))[0]!;
const statuses = (order: OrderDoc) => order.statusHistory.map((change) => change.status);

function reserved(orderId: string, reservationId = `res-${orderId}`) {
  return h.publish('inventory.reserved', orderId, {
    orderId,
    reservationId,
    lines: [{ productId: 'p-1', quantity: 2 }],
    expiresAt: new Date(Date.now() + 900_000).toISOString(),
  });
}

/** The payment as the payments subgraph announces it when the intent is created. */
function announced(order: OrderDoc, paymentId = `pay-${order._id}`) {
  return h.publish('payment.status_changed', order._id, {
    paymentId,
    orderId: order._id,
    userId: order.userId ?? null,
    status: 'REQUIRES_PAYMENT_METHOD',
    previousStatus: null,
    at: new Date().toISOString(),
  });
}

async function paid(order: OrderDoc, paymentId = `pay-${order._id}`) {
  await announced(order, paymentId);
  return h.publish('payment.succeeded', order._id, {
    paymentId,
    orderId: order._id,
    userId: order.userId ?? null,
    amount: order.total,
    currency: 'USD',
    provider: 'simulated',
  });
}

async function eventsOf(orderId: string, type: string, count: number): Promise<DomainEvent<any>[]> {
  return eventually(() => (h.eventsOf(orderId, type).length >= count ? h.eventsOf(orderId, type) : null));
}

describe('the saga', () => {
  it('PENDING → AWAITING_PAYMENT on inventory.reserved → PAID on payment.succeeded, with events and live updates in order', async () => {
    const order = await placeOrder();
    const onOrder: OrderLiveMessage[] = [];
    const onUser: OrderLiveMessage[] = [];
    const stopOrder = h.live.subscribe<OrderLiveMessage>(orderChannel(order._id), (message) =>
      onOrder.push(message),
    );
    const stopUser = h.live.subscribe<OrderLiveMessage>(userOrdersChannel('u-life'), (message) =>
      onUser.push(message),
    );
    await Promise.all([stopOrder.ready, stopUser.ready]);

    await reserved(order._id);
    expect((await load(order._id)).status).toBe('AWAITING_PAYMENT');
    await paid(order);
    const after = await load(order._id);
    expect(after.status).toBe('PAID');
    expect(after.statusHistory.map(({ status, reason }) => ({ status, reason }))).toEqual([
      { status: 'PENDING', reason: 'Order placed' },
      { status: 'AWAITING_PAYMENT', reason: 'Stock reserved' },
      { status: 'PAID', reason: 'Payment succeeded' },
    ]);

    const changes = await eventsOf(order._id, 'order.status_changed', 2);
    expect(changes.map((event) => [event.payload.previousStatus, event.payload.status])).toEqual([
      ['PENDING', 'AWAITING_PAYMENT'],
      ['AWAITING_PAYMENT', 'PAID'],
    ]);
    expect(changes[1]?.payload).toMatchObject({
      orderId: order._id,
      userId: 'u-life',
      email: 'life@example.com',
      reason: 'Payment succeeded',
    });
    const [orderPaid] = await eventsOf(order._id, 'order.paid', 1);
    expect(orderPaid?.payload).toEqual({
      orderId: order._id,
      userId: 'u-life',
      paymentId: `pay-${order._id}`,
      lines: [{ productId: 'p-1', quantity: 2 }],
    });

    await eventually(() => onOrder.length >= 2 && onUser.length >= 2);
    expect(onOrder.map((message) => message.status)).toEqual(['AWAITING_PAYMENT', 'PAID']);
    expect(onUser.map((message) => message.status)).toEqual(['AWAITING_PAYMENT', 'PAID']);
    expect(onOrder[1]).toEqual({
      orderId: order._id,
      userId: 'u-life',
      status: 'PAID',
      previousStatus: 'AWAITING_PAYMENT',
      reason: 'Payment succeeded',
      at: changes[1]?.payload.at,
      eventId: changes[1]?.id,
    });
    stopOrder();
    stopUser();
  });

  it('redelivered events change nothing a second time', async () => {
    const order = await placeOrder();
    const reservation = await reserved(order._id);
    const payment = await paid(order);
    const before = await load(order._id);
    await h.redeliver(reservation);
    await h.redeliver(payment);
    const after = await load(order._id);
    expect(after.revision).toBe(before.revision);
    expect(statuses(after)).toEqual(['PENDING', 'AWAITING_PAYMENT', 'PAID']);
    await h.settled();
    expect(h.eventsOf(order._id, 'order.status_changed')).toHaveLength(2);
    expect(h.eventsOf(order._id, 'order.paid')).toHaveLength(1);
  });

  it('a payment that arrives before the reservation is kept, and the order goes straight on to PAID once reserved', async () => {
    const order = await placeOrder();
    await paid(order);
    expect((await load(order._id)).status).toBe('PENDING');
    await reserved(order._id);
    expect(statuses(await load(order._id))).toEqual(['PENDING', 'AWAITING_PAYMENT', 'PAID']);
  });

  it('inventory.reservation_failed cancels with OUT_OF_STOCK; nothing is to be refunded', async () => {
    const order = await placeOrder();
    await h.publish('inventory.reservation_failed', order._id, {
      orderId: order._id,
      reason: 'OUT_OF_STOCK',
      lines: [{ productId: 'p-1', requested: 2, available: 1 }],
    });
    const after = await load(order._id);
    expect(after.status).toBe('CANCELLED');
    expect(after.statusHistory.at(-1)?.reason).toBe('Out of stock: Name p-1');
    const [cancelled] = await eventsOf(order._id, 'order.cancelled', 1);
    expect(cancelled?.payload).toEqual({
      orderId: order._id,
      userId: 'u-life',
      email: 'life@example.com',
      reason: 'Out of stock: Name p-1',
      reasonCode: 'OUT_OF_STOCK',
      wasPaid: false,
      paymentId: null,
      reservationId: null,
    });
    // A reservation that still shows up afterwards does not revive the order.
    await reserved(order._id);
    expect((await load(order._id)).status).toBe('CANCELLED');
  });

  it('inventory.reservation_expired cancels an unpaid order; an expiry of another reservation is ignored', async () => {
    const order = await placeOrder();
    await reserved(order._id, 'res-current');
    await h.publish('inventory.reservation_expired', order._id, {
      orderId: order._id,
      reservationId: 'res-old',
    });
    expect((await load(order._id)).status).toBe('AWAITING_PAYMENT');
    await h.publish('inventory.reservation_expired', order._id, {
      orderId: order._id,
      reservationId: 'res-current',
    });
    expect((await load(order._id)).status).toBe('CANCELLED');
    const [cancelled] = await eventsOf(order._id, 'order.cancelled', 1);
    expect(cancelled?.payload).toMatchObject({
      reasonCode: 'RESERVATION_EXPIRED',
      wasPaid: false,
      reservationId: 'res-current',
    });
  });

  it('a payment for an order already cancelled is recorded without reviving it', async () => {
    const order = await placeOrder();
    await reserved(order._id);
    await h.lifecycle.cancel(customer('u-life'), order._id);
    await paid(order);
    const after = await load(order._id);
    expect(after.status).toBe('CANCELLED');
    expect(after.payment?.paymentId).toBe(`pay-${order._id}`);
  });
});

describe('cancelling', () => {
  it('the customer may cancel before shipment; a paid order is cancelled with wasPaid so that payments refunds it', async () => {
    const order = await placeOrder();
    await reserved(order._id);
    await paid(order);
    const cancelled = await h.lifecycle.cancel(customer('u-life'), order._id, 'changed my mind');
    expect(cancelled.status).toBe('CANCELLED');
    expect(cancelled.statusHistory.at(-1)?.reason).toBe('Cancelled by customer: changed my mind');
    const [event] = await eventsOf(order._id, 'order.cancelled', 1);
    expect(event?.payload).toMatchObject({
      reasonCode: 'CUSTOMER',
      wasPaid: true,
      paymentId: `pay-${order._id}`,
      reservationId: `res-${order._id}`,
    });

    // The refund that follows covers the total: REFUNDED.
    await h.publish('refund.succeeded', order._id, {
      refundId: 'rf-1',
      paymentId: `pay-${order._id}`,
      orderId: order._id,
      userId: 'u-life',
      amount: order.total,
      currency: 'USD',
    });
    expect(statuses(await load(order._id))).toEqual([
      'PENDING',
      'AWAITING_PAYMENT',
      'PAID',
      'CANCELLED',
      'REFUNDED',
    ]);
  });

  it('after shipment, cancelling is a CONFLICT; another customer is FORBIDDEN; an admin may cancel', async () => {
    const order = await placeOrder();
    expect((await failure(h.lifecycle.cancel(customer('u-stranger'), order._id))).extensions.code).toBe(
      'FORBIDDEN',
    );
    expect((await failure(h.lifecycle.cancel(null, order._id))).extensions.code).toBe('FORBIDDEN');
    const byAdmin = await h.lifecycle.cancel(admin, order._id, 'fraud check');
    expect(byAdmin.statusHistory.at(-1)?.reason).toBe('Cancelled by admin: fraud check');
    const [event] = await eventsOf(order._id, 'order.cancelled', 1);
    expect(event?.payload).toMatchObject({ reasonCode: 'ADMIN', wasPaid: false });
    expect((await failure(h.lifecycle.cancel(admin, order._id))).extensions.code).toBe('CONFLICT');

    const shipped = await placeOrder();
    await reserved(shipped._id);
    await paid(shipped);
    await h.lifecycle.markShipped(admin, shipped._id, 'UPS', '1Z999');
    expect((await failure(h.lifecycle.cancel(customer('u-life'), shipped._id))).extensions.code).toBe(
      'CONFLICT',
    );
    expect((await failure(h.lifecycle.cancel(admin, shipped._id))).extensions.code).toBe('CONFLICT');
  });

  it('concurrent cancels of one order make one transition', async () => {
    const order = await placeOrder();
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () => h.lifecycle.cancel(customer('u-life'), order._id)),
    );
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    expect(statuses(await load(order._id))).toEqual(['PENDING', 'CANCELLED']);
  });
});

describe('fulfilment', () => {
  it('an admin ships a PAID order and marks it delivered; illegal steps are CONFLICT; customers are FORBIDDEN', async () => {
    const order = await placeOrder();
    expect((await failure(h.lifecycle.markShipped(admin, order._id, 'UPS', '1Z'))).extensions.code).toBe(
      'CONFLICT',
    );
    await reserved(order._id);
    await paid(order);
    expect(
      (await failure(h.lifecycle.markShipped(customer('u-life'), order._id, 'UPS', '1Z'))).extensions.code,
    ).toBe('FORBIDDEN');
    expect((await failure(h.lifecycle.markShipped(admin, order._id, ' ', '1Z'))).extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'carrier',
    });
    expect((await failure(h.lifecycle.markDelivered(admin, order._id))).extensions.code).toBe('CONFLICT');

    const shipped = await h.lifecycle.markShipped(admin, order._id, 'UPS', '1Z999AA');
    expect(shipped).toMatchObject({ status: 'SHIPPED', carrier: 'UPS', trackingNumber: '1Z999AA' });
    const [shippedEvent] = await eventsOf(order._id, 'order.shipped', 1);
    expect(shippedEvent?.payload).toEqual({
      orderId: order._id,
      userId: 'u-life',
      email: 'life@example.com',
      carrier: 'UPS',
      trackingNumber: '1Z999AA',
      shipmentIds: [shipped.shipments![0]!._id],
    });
    expect((await failure(h.lifecycle.markShipped(admin, order._id, 'UPS', 'again'))).extensions.code).toBe(
      'CONFLICT',
    );

    const delivered = await h.lifecycle.markDelivered(admin, order._id);
    expect(delivered.status).toBe('DELIVERED');
    const [deliveredEvent] = await eventsOf(order._id, 'order.delivered', 1);
    expect(deliveredEvent?.payload).toEqual({ orderId: order._id, userId: 'u-life' });
    expect(statuses(delivered)).toEqual(['PENDING', 'AWAITING_PAYMENT', 'PAID', 'SHIPPED', 'DELIVERED']);
  });

  it('partial refunds are recorded; REFUNDED once they cover the total; a refund seen twice counts once', async () => {
    const order = await placeOrder();
    await reserved(order._id);
    await paid(order);
    const half = Math.floor(order.total / 2);
    const first = await h.publish('refund.succeeded', order._id, {
      refundId: 'rf-a',
      paymentId: 'p',
      orderId: order._id,
      userId: 'u-life',
      amount: half,
      currency: 'USD',
    });
    await h.redeliver(first);
    let after = await load(order._id);
    expect(after.status).toBe('PAID');
    expect(after.refunds).toHaveLength(1);
    await h.publish('refund.succeeded', order._id, {
      refundId: 'rf-b',
      paymentId: 'p',
      orderId: order._id,
      userId: 'u-life',
      amount: order.total - half,
      currency: 'USD',
    });
    after = await load(order._id);
    expect(after.status).toBe('REFUNDED');
    expect(after.statusHistory.at(-1)?.reason).toBe('Refunded in full');
  });
});

describe('event trust: payment.succeeded moves money state only for a payment orders can match', () => {
  /** Publishes without waiting for a processed record (a rejected event leaves none). */
  /** The payment.succeeded payments would send for `order`'s full total, with `overrides`. */
  function paymentSucceeded(order: OrderDoc, overrides: Record<string, unknown> = {}) {
    return createEvent('payment.succeeded', order._id, {
      paymentId: `pay-${order._id}`,
      orderId: order._id,
      userId: order.userId ?? null,
      amount: order.total,
      currency: 'USD',
      provider: 'simulated',
      ...overrides,
    });
  }

  async function succeededEvent(order: OrderDoc, overrides: Record<string, unknown> = {}) {
    const event = paymentSucceeded(order, overrides);
    await h.bus.publish(event);
    return event;
  }

  async function deadLetterOf(event: DomainEvent) {
    return eventually(
      async () => (await h.bus.deadLetters('orders')).find((dead) => dead.event.id === event.id),
      { timeoutMs: 10_000 },
    );
  }

  async function expectUnchanged(order: OrderDoc) {
    const after = await load(order._id);
    expect(after.status).toBe('AWAITING_PAYMENT');
    expect(after.payment).toBeUndefined();
    expect(after.revision).toBe(order.revision);
    expect(h.eventsOf(order._id, 'order.paid')).toEqual([]);
  }

  async function awaitingPayment() {
    const order = await placeOrder();
    await reserved(order._id);
    return eventually(async () => {
      const current = await load(order._id);
      return current.status === 'AWAITING_PAYMENT' ? current : null;
    });
  }

  it('a payment for another amount or currency than the order total is dead-lettered with the reason', async () => {
    const order = await awaitingPayment();
    await announced(order);
    const short = await succeededEvent(order, { amount: 1 });
    const euros = await succeededEvent(order, { currency: 'EUR' });
    const dead = [await deadLetterOf(short), await deadLetterOf(euros)];
    console.warn('[event-trust] injected: payment.succeeded of 1 USD and of the total in EUR for', order._id);
    expect(dead[0]!.error).toBe(
      `rejected: payment pay-${order._id} of 1 USD does not match order ${order._id}'s total of ${order.total} USD`,
    );
    expect(dead[1]!.error).toContain(`of ${order.total} EUR does not match`);
    expect(dead.map((d) => d.attempts)).toEqual([1, 1]);
    await expectUnchanged(order);
    console.warn('[event-trust] verified: both dead-lettered at once with the reason; order unchanged');

    // The genuine one still pays it.
    await succeededEvent(order);
    await eventually(async () => (await load(order._id)).status === 'PAID');
  });

  it('a payment id payments never announced for this order is dead-lettered and changes nothing', async () => {
    const order = await awaitingPayment();
    const other = await awaitingPayment();
    await announced(other, 'pay-of-the-other-order');
    const unknown = await succeededEvent(order, { paymentId: 'pay-forged' });
    const borrowed = await succeededEvent(order, { paymentId: 'pay-of-the-other-order' });
    const elsewhere = await succeededEvent(order, { orderId: other._id });
    console.warn(
      '[event-trust] injected: payment.succeeded with an unannounced payment id, another order’s payment id, and a payload order that is not the event’s',
    );
    // Its id is on the other order, not this one: never announced for this order (retried, then
    // dead-lettered), like a forged one.
    const borrowedDead = await deadLetterOf(borrowed);
    expect(borrowedDead.error).toContain(
      'payment pay-of-the-other-order was never announced by the payments subgraph (no payment.status_changed)',
    );
    expect(borrowedDead.attempts).toBeGreaterThan(1);
    expect((await deadLetterOf(elsewhere)).error).toBe(
      `rejected: payment.succeeded for order ${other._id} on aggregate ${order._id}`,
    );
    const unknownDead = await deadLetterOf(unknown);
    expect(unknownDead.error).toContain('payment pay-forged was never announced by the payments subgraph');
    await expectUnchanged(order);
    expect((await load(other._id)).status).toBe('AWAITING_PAYMENT');
    console.warn('[event-trust] verified: all three dead-lettered with their reasons; neither order changed');
  });

  /** The MongoDB commands `run` sends on the orders database. */
  async function commandsOf(run: () => Promise<unknown>) {
    const requestId = `trust-${Math.random().toString(36).slice(2)}`;
    await runWithRequestId(requestId, run);
    return commandStats.forRequest(requestId, { database: h.conn.name });
  }

  const rawOrder = (orderId: string) => h.conn.collection<OrderDoc>('orders').findOne({ _id: orderId });

  function announcement(order: OrderDoc, paymentId: string, status: string, previousStatus: string | null) {
    return createEvent('payment.status_changed', order._id, {
      paymentId,
      orderId: order._id,
      userId: order.userId ?? null,
      status,
      previousStatus,
      at: new Date().toISOString(),
    });
  }

  it('an announced payment is recorded on the order (one command, no revision); payment.succeeded then reads only the order', async () => {
    const order = await awaitingPayment();
    const paymentId = `pay-${order._id}`;
    const onAnnounced = ordersProjectionConsumer(h).handlers['payment.status_changed']!;
    const onSucceeded = orderSagaConsumer(h).handlers['payment.succeeded']!;

    const created = announcement(order, paymentId, 'REQUIRES_PAYMENT_METHOD', null);
    expect(await commandsOf(() => onAnnounced(created as never))).toMatchObject({
      total: 1,
      byCommand: { update: 1 },
    });
    // A redelivery, a step between (written nothing) and the announcement with the money: one id.
    await onAnnounced(created as never);
    expect(
      await commandsOf(() =>
        onAnnounced(announcement(order, paymentId, 'PROCESSING', 'REQUIRES_PAYMENT_METHOD') as never),
      ),
    ).toMatchObject({ total: 0 });
    await onAnnounced(announcement(order, paymentId, 'SUCCEEDED', 'PROCESSING') as never);
    const announced = await rawOrder(order._id);
    expect(announced?.announcedPaymentIds).toEqual([paymentId]);
    // Not a change of the order's state: the lifecycle's compare-and-set still sees its revision.
    expect(announced?.revision).toBe(order.revision);
    expect(announced?.updatedAt).toEqual(order.updatedAt);
    expect(await h.conn.collection('known_payments').countDocuments({ _id: paymentId } as never)).toBe(0);

    const succeeded = paymentSucceeded(order, { paymentId });
    // The order's read (trust check and the lifecycle's decision) and its compare-and-set write.
    expect(await commandsOf(() => onSucceeded(succeeded as never))).toMatchObject({
      total: 2,
      byCommand: { find: 1, update: 1 },
    });
    const after = await rawOrder(order._id);
    expect(after?.status).toBe('PAID');
    expect(after?.payment?.paymentId).toBe(paymentId);
    // The lifecycle's write kept the announcement.
    expect(after?.announcedPaymentIds).toEqual([paymentId]);
  });

  it('a payment announced before the upgrade, only in the legacy known_payments rows, is still accepted', async () => {
    const order = await awaitingPayment();
    const paymentId = `pay-legacy-${order._id}`;
    await h.conn
      .collection('known_payments')
      .insertOne({ _id: paymentId, orderId: order._id, announcedAt: new Date() } as never);
    const succeeded = paymentSucceeded(order, { paymentId });
    // The order, the legacy row, the write.
    expect(
      await commandsOf(() => orderSagaConsumer(h).handlers['payment.succeeded']!(succeeded as never)),
    ).toMatchObject({
      total: 3,
      byCommand: { find: 2, update: 1 },
    });
    const after = await load(order._id);
    expect(after.status).toBe('PAID');
    expect(after.payment?.paymentId).toBe(paymentId);
  });

  it('a legacy known_payments row of another order is rejected at once', async () => {
    const order = await awaitingPayment();
    const other = await awaitingPayment();
    await h.conn
      .collection('known_payments')
      .insertOne({ _id: `pay-legacy-${other._id}`, orderId: other._id, announcedAt: new Date() } as never);
    const borrowed = await succeededEvent(order, { paymentId: `pay-legacy-${other._id}` });
    const dead = await deadLetterOf(borrowed);
    expect(dead.error).toBe(
      `rejected: payment pay-legacy-${other._id} belongs to order ${other._id}, not ${order._id}`,
    );
    expect(dead.attempts).toBe(1);
    await expectUnchanged(order);
  });

  it('a payment.succeeded before its announcement fails to be retried (not rejected), and goes through once it is recorded', async () => {
    const order = await awaitingPayment();
    const onSucceeded = orderSagaConsumer(h).handlers['payment.succeeded']!;
    const succeeded = paymentSucceeded(order);
    const early = await onSucceeded(succeeded as never).then(
      () => null,
      (error: unknown) => error,
    );
    expect(early).toBeInstanceOf(Error);
    expect(isEventRejected(early)).toBe(false);
    expect((early as Error).message).toBe(
      `payment pay-${order._id} was never announced by the payments subgraph (no payment.status_changed)`,
    );
    expect((await load(order._id)).revision).toBe(order.revision);
    await ordersProjectionConsumer(h).handlers['payment.status_changed']!(
      announcement(order, `pay-${order._id}`, 'REQUIRES_PAYMENT_METHOD', null) as never,
    );
    // The bus's next attempt.
    await onSucceeded(succeeded as never);
    expect((await load(order._id)).status).toBe('PAID');
  });

  it('an announcement for an order orders does not have is dead-lettered at once and writes nothing', async () => {
    const event = createEvent('payment.status_changed', 'no-such-order', {
      paymentId: 'pay-of-no-order',
      orderId: 'no-such-order',
      userId: null,
      status: 'REQUIRES_PAYMENT_METHOD',
      previousStatus: null,
      at: new Date().toISOString(),
    });
    await h.bus.publish(event);
    const dead = await deadLetterOf(event);
    expect(dead.error).toBe('rejected: payment pay-of-no-order announced for an unknown order no-such-order');
    expect(dead.attempts).toBe(1);
    expect(await h.conn.collection('orders').countDocuments({ _id: 'no-such-order' } as never)).toBe(0);
    expect(
      await h.conn.collection('known_payments').countDocuments({ _id: 'pay-of-no-order' } as never),
    ).toBe(0);
  });

  it('a second, different payment for a paid order is dead-lettered; the first stays', async () => {
    const order = await awaitingPayment();
    await paid(order);
    await eventually(async () => (await load(order._id)).status === 'PAID');
    await announced(order, 'pay-second');
    const second = await succeededEvent(order, { paymentId: 'pay-second' });
    expect((await deadLetterOf(second)).error).toBe(
      `rejected: order ${order._id} is already paid by payment pay-${order._id}, not pay-second`,
    );
    expect((await load(order._id)).payment?.paymentId).toBe(`pay-${order._id}`);
    expect(h.eventsOf(order._id, 'order.paid')).toHaveLength(1);
  });
});
