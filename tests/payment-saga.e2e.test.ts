import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DomainEvent, type StreamBus } from '@novamart/events';
import { notificationsSubgraph } from '@novamart/notifications';
import { startSupergraph, type SignedInUser, type Supergraph } from './support/supergraph';
import {
  awaitPayment,
  checkout,
  confirmPayment,
  createPaymentIntent,
  createProduct,
} from './support/storefront';
import { eventually } from '@novamart/kit/testing';
import { CHECKOUT_SUBGRAPHS } from './support/subgraphs';

/**
 * The payment side of the checkout saga through the gateway: declines and retries seen live, events
 * delivered again changing nothing, cancellation refunds, the customer's messages, and an unpaid
 * order cancelled when its reservation runs out.
 */
const SAGA_SUBGRAPHS = [...CHECKOUT_SUBGRAPHS, notificationsSubgraph];

/** The storefront's steps for one test: products named for it, one-line orders awaiting payment. */
function shop(sg: () => Supergraph) {
  let skuSeq = 0;
  return {
    product: (name: string, priceAmount: number, initialStock: number) =>
      createProduct(sg(), `SAGA-${Date.now()}-${++skuSeq}`, priceAmount, initialStock, {
        name,
        description: `${name}, for the saga tests`,
      }),
    /** A customer's checkout of one line, returned once the order awaits payment. */
    async orderAwaitingPayment(customer: SignedInUser, productId: string, quantity: number, key: string) {
      const orderId = await checkout(sg(), customer, productId, key, { quantity });
      await awaitPayment(sg(), customer, orderId);
      return orderId;
    },
    paymentFor: (customer: SignedInUser, orderId: string) => createPaymentIntent(sg(), customer, orderId),
    confirm: (customer: SignedInUser, paymentId: string, paymentMethodId: string) =>
      confirmPayment(sg(), customer, paymentId, paymentMethodId),
  };
}

describe('paying for an order through the gateway', () => {
  let sg: Supergraph;
  const s = shop(() => sg);
  beforeAll(async () => {
    sg = await startSupergraph({ subgraphs: SAGA_SUBGRAPHS });
  });
  afterAll(async () => sg?.stop());

  it('shows a decline live with its reason, then a retry succeeds and the stock is sold', async () => {
    const kettle = await s.product('Kettle', 3_500, 4);
    const customer = await sg.customer('Ada');
    const orderId = await s.orderAwaitingPayment(customer, kettle, 1, 'saga-decline-1');
    const live = await sg.subscribe(
      `subscription($o: ID!) { paymentStatusChanged(orderId: $o) {
        status previousStatus
        payment { failureReason declineCode amount { formatted } order { id status items { product { name inventory { reserved } } } } }
      } }`,
      { o: orderId },
      { token: customer.token },
    );
    const paymentId = await s.paymentFor(customer, orderId);
    expect((await live.next()).data?.paymentStatusChanged.status).toBe('REQUIRES_PAYMENT_METHOD');

    const declined = await s.confirm(customer, paymentId, 'pm_card_chargeDeclinedInsufficientFunds');
    expect(declined.data?.confirmPayment).toEqual({
      status: 'FAILED',
      declineCode: 'insufficient_funds',
      failureReason: 'Your card has insufficient funds.',
    });
    expect((await live.next()).data?.paymentStatusChanged).toMatchObject({ status: 'PROCESSING' });
    const failed = (await live.next()).data?.paymentStatusChanged;
    expect(failed).toEqual({
      status: 'FAILED',
      previousStatus: 'PROCESSING',
      payment: {
        failureReason: 'Your card has insufficient funds.',
        declineCode: 'insufficient_funds',
        amount: { formatted: '$39.99' },
        order: {
          id: orderId,
          status: 'AWAITING_PAYMENT',
          items: [{ product: { name: 'Kettle', inventory: { reserved: 1 } } }],
        },
      },
    });

    expect((await s.confirm(customer, paymentId, 'pm_card_visa')).data?.confirmPayment.status).toBe(
      'SUCCEEDED',
    );
    expect((await live.next()).data?.paymentStatusChanged.status).toBe('PROCESSING');
    expect((await live.next()).data?.paymentStatusChanged).toMatchObject({
      status: 'SUCCEEDED',
      previousStatus: 'PROCESSING',
    });
    await live.close();

    const order = await eventually(
      () =>
        sg.query(
          'query($id: ID!) { order(id: $id) { status payment { status } items { product { inventory { available reserved onHand } } } } }',
          { id: orderId },
          { token: customer.token },
        ),
      (r) => r.data?.order?.status === 'PAID' && r.data.order.items[0].product.inventory.reserved === 0,
      { what: 'the order to be paid and the reservation committed', timeoutMs: 20_000 },
    );
    expect(order.data!.order).toEqual({
      status: 'PAID',
      payment: { status: 'SUCCEEDED' },
      items: [{ product: { inventory: { available: 3, reserved: 0, onHand: 3 } } }],
    });
  });

  it('events delivered again change nothing: one charge, one status change, one message each', async () => {
    const lamp = await s.product('Lamp', 2_000, 5);
    const customer = await sg.customer('Grace');
    const orderId = await s.orderAwaitingPayment(customer, lamp, 2, 'saga-redeliver-1');
    const paymentId = await s.paymentFor(customer, orderId);
    expect((await s.confirm(customer, paymentId, 'pm_card_visa')).data?.confirmPayment.status).toBe(
      'SUCCEEDED',
    );
    const snapshot = async () => {
      const res = await eventually(
        () =>
          sg.query(
            `query($id: ID!) {
              order(id: $id) { status statusHistory { status } payment { status history { status } } items { product { inventory { available reserved onHand } } } }
              myNotifications(first: 50) { edges { node { type } } }
            }`,
            { id: orderId },
            { token: customer.token },
          ),
        (r) =>
          r.data?.order?.status === 'PAID' &&
          r.data.myNotifications.edges.some((e: any) => e.node.type === 'PAYMENT_SUCCEEDED') &&
          r.data.myNotifications.edges.some((e: any) => e.node.type === 'ORDER_CONFIRMED'),
        { what: 'the paid order and its messages', timeoutMs: 20_000 },
      );
      return res.data;
    };
    const before = await snapshot();

    // Every event any subgraph published about this order, delivered a second time with the same
    // ids: read off the bus's streams (payments' events were carried by the payment, not an outbox).
    const events: DomainEvent[] = [];
    for (const domain of ['order', 'inventory', 'payment']) {
      const published = await (sg.bus as StreamBus).recentEvents(domain, 10_000);
      events.push(...published.filter((event) => event.aggregateId === orderId));
    }
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['order.placed', 'inventory.reserved', 'payment.succeeded', 'order.paid']),
    );
    await sg.bus.publish(events);
    await sg.settled();

    const after = await snapshot();
    expect(after).toEqual(before);
    const types = after!.myNotifications.edges.map((e: any) => e.node.type);
    expect(types.filter((t: string) => t === 'ORDER_CONFIRMED')).toHaveLength(1);
    expect(types.filter((t: string) => t === 'PAYMENT_SUCCEEDED')).toHaveLength(1);
    expect(after!.order.items[0].product.inventory).toEqual({ available: 3, reserved: 0, onHand: 3 });
  });

  it('a paid order cancelled by its customer is refunded and its stock returned', async () => {
    const chair = await s.product('Chair', 8_000, 2);
    const customer = await sg.customer('Linus');
    const orderId = await s.orderAwaitingPayment(customer, chair, 1, 'saga-cancel-paid-1');
    const paymentId = await s.paymentFor(customer, orderId);
    await s.confirm(customer, paymentId, 'pm_card_visa');
    await eventually(
      () =>
        sg.query('query($id: ID!) { order(id: $id) { status } }', { id: orderId }, { token: customer.token }),
      (r) => r.data?.order?.status === 'PAID',
      { what: 'PAID', timeoutMs: 20_000 },
    );
    const cancelled = await sg.query(
      'mutation($id: ID!) { cancelOrder(id: $id, reason: "changed my mind") { status } }',
      { id: orderId },
      { token: customer.token },
    );
    expect(cancelled.errors).toBeUndefined();
    const refunded = await eventually(
      () =>
        sg.query(
          'query($id: ID!) { order(id: $id) { status payment { status amountRefunded { amount } refunds { status amount { amount } } } items { product { inventory { available } } } } }',
          { id: orderId },
          { token: customer.token },
        ),
      (r) =>
        r.data?.order?.payment?.status === 'REFUNDED' &&
        r.data.order.items[0].product.inventory.available === 2,
      { what: 'the refund and the returned stock', timeoutMs: 20_000 },
    );
    expect(refunded.data!.order.payment).toEqual({
      status: 'REFUNDED',
      amountRefunded: { amount: 8_000 },
      refunds: [{ status: 'SUCCEEDED', amount: { amount: 8_000 } }],
    });
    await eventually(
      () =>
        sg.query('{ myNotifications(first: 20) { edges { node { type } } } }', {}, { token: customer.token }),
      (r) => r.data?.myNotifications.edges.some((e: any) => e.node.type === 'REFUND_ISSUED'),
      { what: 'the REFUND_ISSUED message', timeoutMs: 20_000 },
    );
  });

  it('registration sends a verification code that verifyEmail accepts, then a welcome', async () => {
    const customer = await sg.customer('Barbara');
    const verification = await eventually(
      () =>
        sg.query(
          '{ myNotifications(first: 10) { edges { node { type subject body status } } } }',
          {},
          { token: customer.token },
        ),
      (r) =>
        r.data?.myNotifications.edges.some(
          (e: any) => e.node.type === 'EMAIL_VERIFICATION' && e.node.status === 'SENT',
        ),
      { what: 'the verification message', timeoutMs: 20_000 },
    );
    const message = verification.data!.myNotifications.edges.find(
      (e: any) => e.node.type === 'EMAIL_VERIFICATION',
    ).node;
    const code = message.body.match(/\b(\d{6})\b/)?.[1];
    expect(code).toMatch(/^\d{6}$/);
    const verified = await sg.query(
      'mutation($e: String!, $c: String!) { verifyEmail(email: $e, code: $c) { emailVerified } }',
      { e: customer.email, c: code },
      { token: customer.token },
    );
    expect(verified.data?.verifyEmail).toEqual({ emailVerified: true });
    await eventually(
      () =>
        sg.query('{ myNotifications(first: 10) { edges { node { type } } } }', {}, { token: customer.token }),
      (r) => r.data?.myNotifications.edges[0]?.node.type === 'WELCOME',
      { what: 'the welcome message, newest first', timeoutMs: 20_000 },
    );
  });
});

describe('an unpaid order whose reservation runs out', () => {
  let sg: Supergraph;
  const s = shop(() => sg);
  beforeAll(async () => {
    sg = await startSupergraph({
      subgraphs: SAGA_SUBGRAPHS,
      env: { RESERVATION_TTL_SECONDS: '2', RESERVATION_SWEEP_INTERVAL_MS: '200' },
    });
  });
  afterAll(async () => sg?.stop());

  it('is cancelled, its stock released and its payment intent cancelled', async () => {
    const vase = await s.product('Vase', 1_500, 3);
    const customer = await sg.customer('Edsger');
    const orderId = await s.orderAwaitingPayment(customer, vase, 2, 'saga-expiry-1');
    const paymentId = await s.paymentFor(customer, orderId);
    expect((await s.confirm(customer, paymentId, 'pm_card_chargeDeclined')).data?.confirmPayment.status).toBe(
      'FAILED',
    );
    const expired = await eventually(
      () =>
        sg.query(
          'query($id: ID!) { order(id: $id) { status statusHistory { status reason } payment { status } items { product { inventory { available reserved } } } } }',
          { id: orderId },
          { token: customer.token },
        ),
      (r) => r.data?.order?.status === 'CANCELLED' && r.data.order.payment?.status === 'CANCELLED',
      { what: 'the expiry to cancel the order and its payment', timeoutMs: 15_000 },
    );
    expect(expired.data!.order.items[0].product.inventory).toEqual({ available: 3, reserved: 0 });
    expect(expired.data!.order.statusHistory.at(-1).status).toBe('CANCELLED');
    const late = await s.confirm(customer, paymentId, 'pm_card_visa');
    expect(late.errors?.[0]?.extensions?.code).toBe('CONFLICT');
  });
});
