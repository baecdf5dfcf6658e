import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@novamart/kit/testing';
import { notificationsSubgraph } from '@novamart/notifications';
import {
  startSupergraph,
  type GraphQLResponse,
  type SignedInUser,
  type Supergraph,
} from './support/supergraph';
import { CHECKOUT_SUBGRAPHS } from './support/subgraphs';
import {
  awaitPayment,
  checkout,
  confirmPayment,
  createPaymentIntent,
  createProduct,
  mustSucceed,
  orderReaches,
} from './support/storefront';
import { staffMember } from './support/staff';

/**
 * Payments the way finance runs them, through the gateway with PAYMENT_CAPTURE=manual: a
 * confirmation authorises (the order is PAID, the payment AUTHORIZED), FINANCE and ADMIN capture
 * in parts, a cancellation voids, orders above PAYMENT_APPROVAL_THRESHOLD wait for FINANCE (their
 * hold kept past its TTL) and are approved or rejected, and every change is in the audit trails.
 */
const THRESHOLD = 50_000;
const RESERVATION_TTL_SECONDS = 6;

let sg: Supergraph;
let finance: SignedInUser;
let admin: SignedInUser;
let skuSeq = 0;

beforeAll(async () => {
  sg = await startSupergraph({
    subgraphs: [...CHECKOUT_SUBGRAPHS, notificationsSubgraph],
    env: {
      PAYMENT_CAPTURE: 'manual',
      PAYMENT_APPROVAL_THRESHOLD: String(THRESHOLD),
      RESERVATION_TTL_SECONDS: String(RESERVATION_TTL_SECONDS),
      RESERVATION_SWEEP_INTERVAL_MS: '300',
    },
  });
  admin = await sg.admin();
  finance = await staffMember(sg, 'FINANCE', 'Fiona Finance');
}, 120_000);
afterAll(async () => sg?.stop());

const codeOf = (r: GraphQLResponse) => r.errors?.[0]?.extensions?.code;

const PAYMENT = `id status providerPaymentId captureMethod approvalStatus amount { amount }
  amountCaptured { amount } amountCapturable { amount } amountRefunded { amount }
  lineItems { sku quantity amount { amount } } captures { key amount { amount } }`;
const AUDIT = `auditTrail { action fromStatus toStatus reason actor { type userId role eventId } }`;

/** A customer's order of `quantity` units of a new product, authorised with the test card. */
async function authorisedOrder(price: number, quantity: number, stock: number, key: string) {
  const sku = `CAP-${Date.now()}-${++skuSeq}`;
  const productId = await createProduct(sg, sku, price, stock, { name: `Capture ${sku}` });
  const customer = await sg.customer('Carla');
  const orderId = await checkout(sg, customer, productId, key, { quantity });
  await awaitPayment(sg, customer, orderId);
  const paymentId = await createPaymentIntent(sg, customer, orderId);
  const confirmed = mustSucceed(await confirmPayment(sg, customer, paymentId, 'pm_card_visa'), 'confirm');
  expect(confirmed.confirmPayment.status).toBe('AUTHORIZED');
  return { sku, productId, customer, orderId, paymentId };
}

const payment = async (paymentId: string, token: string, extra = '') =>
  (await sg.query(`query($p: ID!) { payment(id: $p) { ${PAYMENT} ${extra} } }`, { p: paymentId }, { token }))
    .data?.payment;

const capture = (paymentId: string, amount: number | null, token: string) =>
  sg.query(
    `mutation($p: ID!, $a: Int) { capturePayment(paymentId: $p, amount: $a) { status amountCaptured { amount } amountCapturable { amount } } }`,
    { p: paymentId, a: amount },
    { token },
  );

const stock = async (productId: string) =>
  (
    await sg.query(`query($id: ID!) { product(id: $id) { inventory { available reserved onHand } } }`, {
      id: productId,
    })
  ).data?.product.inventory;

describe('manual capture', () => {
  it('captures part of an order, then the rest later, by FINANCE and ADMIN; refunds only what was captured', async () => {
    const o = await authorisedOrder(4_000, 2, 5, 'cap-partial-1');
    await orderReaches(sg, o.customer, o.orderId, 'PAID');
    expect(await payment(o.paymentId, o.customer.token)).toMatchObject({
      status: 'AUTHORIZED',
      captureMethod: 'MANUAL',
      approvalStatus: 'NOT_REQUIRED',
      amount: { amount: 8_000 },
      amountCaptured: { amount: 0 },
      amountCapturable: { amount: 8_000 },
      lineItems: [{ sku: o.sku, quantity: 2, amount: { amount: 8_000 } }],
    });

    expect(codeOf(await capture(o.paymentId, 1_000, o.customer.token))).toBe('FORBIDDEN');
    const tooMuch = await capture(o.paymentId, 9_000, finance.token);
    expect(tooMuch.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'amount' });
    expect(codeOf(await capture(o.paymentId, 0, finance.token))).toBe('BAD_USER_INPUT');
    const refundFirst = await sg.query(
      'mutation($p: ID!) { refundPayment(paymentId: $p, amount: 100) { id } }',
      { p: o.paymentId },
      { token: finance.token },
    );
    expect(codeOf(refundFirst)).toBe('CONFLICT');

    expect((await capture(o.paymentId, 3_000, finance.token)).data?.capturePayment).toEqual({
      status: 'PARTIALLY_CAPTURED',
      amountCaptured: { amount: 3_000 },
      amountCapturable: { amount: 5_000 },
    });
    expect((await capture(o.paymentId, null, admin.token)).data?.capturePayment).toEqual({
      status: 'CAPTURED',
      amountCaptured: { amount: 8_000 },
      amountCapturable: { amount: 0 },
    });
    expect(codeOf(await capture(o.paymentId, 1, finance.token))).toBe('CONFLICT');

    const refunded = await sg.query(
      'mutation($p: ID!) { refundPayment(paymentId: $p, amount: 2000) { status } }',
      { p: o.paymentId },
      { token: finance.token },
    );
    expect(refunded.data?.refundPayment.status).toBe('SUCCEEDED');
    const read = await eventually(
      () => payment(o.paymentId, admin.token, AUDIT),
      (p) => p?.status === 'PARTIALLY_REFUNDED',
      { what: 'the refund' },
    );
    expect(read.captures).toEqual([
      { key: 'manual:1', amount: { amount: 3_000 } },
      { key: 'manual:2', amount: { amount: 5_000 } },
    ]);
    // The provider's record holds the lines and both captures.
    const intent = await sg
      .subgraph('payments')
      .runtime.mongo.collection('simulated_intents')
      .findOne({ _id: read.providerPaymentId });
    expect(intent).toMatchObject({
      status: 'succeeded',
      amountReceived: 8_000,
      lineItems: [{ productId: o.productId, sku: o.sku, quantity: 2, amount: 8_000 }],
    });
    expect(intent!.captures.map((c: { amount: number }) => c.amount)).toEqual([3_000, 5_000]);

    const byActor = read.auditTrail.map((e: any) => [e.action, e.toStatus, e.actor.type, e.actor.role]);
    expect(byActor).toEqual(
      expect.arrayContaining([
        ['payment.created', 'REQUIRES_PAYMENT_METHOD', 'USER', 'CUSTOMER'],
        ['payment.status_changed', 'PROCESSING', 'USER', 'CUSTOMER'],
        ['payment.status_changed', 'PARTIALLY_CAPTURED', 'USER', 'FINANCE'],
        ['payment.status_changed', 'CAPTURED', 'USER', 'ADMIN'],
        ['refund.requested', null, 'USER', 'FINANCE'],
        ['refund.succeeded', null, 'SYSTEM', null],
      ]),
    );
    // The confirmation's answer or the provider's event, whichever is recorded first.
    expect(read.auditTrail.some((e: any) => e.toStatus === 'AUTHORIZED')).toBe(true);
    expect(read.auditTrail.find((e: any) => e.toStatus === 'PARTIALLY_CAPTURED').actor.userId).toBe(
      finance.userId,
    );
    // The audit trail is an administrator's: FINANCE reads the payment, not its trail.
    const asFinance = await sg.query(
      `query($p: ID!) { payment(id: $p) { id ${AUDIT} } }`,
      { p: o.paymentId },
      { token: finance.token },
    );
    expect(codeOf(asFinance)).toBe('FORBIDDEN');
  });

  it('a cancelled order voids its authorisation and returns its stock; the order lists every change with its actor', async () => {
    const o = await authorisedOrder(2_500, 1, 3, 'cap-void-1');
    await orderReaches(sg, o.customer, o.orderId, 'PAID');
    const cancelled = await sg.query(
      'mutation($id: ID!) { cancelOrder(id: $id, reason: "found it cheaper") { status } }',
      { id: o.orderId },
      { token: o.customer.token },
    );
    expect(cancelled.data?.cancelOrder.status).toBe('CANCELLED');
    const voided = await eventually(
      () => payment(o.paymentId, admin.token, `refunds { id } ${AUDIT}`),
      (p) => p?.status === 'VOIDED',
      { what: 'the void' },
    );
    expect(voided).toMatchObject({
      amountCaptured: { amount: 0 },
      amountRefunded: { amount: 0 },
      refunds: [],
    });
    const lastEntry = voided.auditTrail.at(-1);
    expect(lastEntry).toMatchObject({
      fromStatus: 'AUTHORIZED',
      toStatus: 'VOIDED',
      actor: { type: 'SYSTEM' },
    });
    expect(lastEntry.actor.eventId).toBeTruthy();
    await eventually(
      () => stock(o.productId),
      (s) => s?.available === 3 && s.reserved === 0,
      { what: 'the stock to come back' },
    );

    const order = await sg.query(
      `query($id: ID!) { order(id: $id) { statusHistory { status } ${AUDIT} } }`,
      { id: o.orderId },
      { token: admin.token },
    );
    const trail = order.data!.order.auditTrail;
    expect(trail.map((e: any) => [e.fromStatus, e.toStatus, e.actor.type])).toEqual([
      ['PENDING', 'AWAITING_PAYMENT', 'SYSTEM'],
      ['AWAITING_PAYMENT', 'PAID', 'SYSTEM'],
      ['PAID', 'CANCELLED', 'USER'],
    ]);
    expect(trail.slice(0, 2).every((e: any) => typeof e.actor.eventId === 'string')).toBe(true);
    expect(trail[2]).toMatchObject({
      action: 'order.status_changed',
      reason: 'Cancelled by customer: found it cheaper',
      actor: { type: 'USER', userId: o.customer.userId, role: 'CUSTOMER', eventId: null },
    });
    expect(order.data!.order.statusHistory.map((c: any) => c.status)).toEqual([
      'PENDING',
      ...trail.map((e: any) => e.toStatus),
    ]);
    const asCustomer = await sg.query(
      `query($id: ID!) { order(id: $id) { id ${AUDIT} } }`,
      { id: o.orderId },
      { token: o.customer.token },
    );
    expect(codeOf(asCustomer)).toBe('FORBIDDEN');
  });
});

describe('orders above PAYMENT_APPROVAL_THRESHOLD', () => {
  const pending = () =>
    sg.query(
      '{ pendingPaymentApprovals { id approvalStatus status amount { amount } } }',
      {},
      { token: finance.token },
    );

  it('wait for FINANCE with their stock held past its TTL, then are approved and captured', async () => {
    const o = await authorisedOrder(30_000, 2, 5, 'cap-approve-1');
    expect(await payment(o.paymentId, o.customer.token)).toMatchObject({
      status: 'AUTHORIZED',
      approvalStatus: 'PENDING',
      amount: { amount: 60_000 },
    });
    expect((await pending()).data?.pendingPaymentApprovals).toContainEqual({
      id: o.paymentId,
      approvalStatus: 'PENDING',
      status: 'AUTHORIZED',
      amount: { amount: 60_000 },
    });
    const asCustomer = await sg.query('{ pendingPaymentApprovals { id } }', {}, { token: o.customer.token });
    expect(codeOf(asCustomer)).toBe('FORBIDDEN');
    expect(codeOf(await capture(o.paymentId, null, finance.token))).toBe('CONFLICT');

    // The hold stops expiring once approval is asked for; outlive its TTL and the sweeper's passes.
    const reservations = sg.subgraph('inventory').runtime.mongo.collection('reservations');
    await eventually(
      () => reservations.findOne({ orderId: o.orderId }),
      (r) => r?.status === 'RESERVED' && r.expiresAt === null,
      { what: 'the hold to be kept for the approval' },
    );
    await new Promise((resolve) => setTimeout(resolve, (RESERVATION_TTL_SECONDS + 1) * 1000));
    await sg.settled();
    expect((await reservations.findOne({ orderId: o.orderId }))?.status).toBe('RESERVED');
    const waiting = await sg.query(
      'query($id: ID!) { order(id: $id) { status } }',
      { id: o.orderId },
      { token: o.customer.token },
    );
    expect(waiting.data?.order.status).toBe('AWAITING_PAYMENT');

    const approved = await sg.query(
      'mutation($p: ID!) { approvePayment(paymentId: $p) { status approvalStatus } }',
      { p: o.paymentId },
      { token: finance.token },
    );
    expect(approved.data?.approvePayment).toEqual({ status: 'AUTHORIZED', approvalStatus: 'APPROVED' });
    const again = await sg.query(
      'mutation($p: ID!) { approvePayment(paymentId: $p) { id } }',
      { p: o.paymentId },
      { token: finance.token },
    );
    expect(codeOf(again)).toBe('CONFLICT');
    await orderReaches(sg, o.customer, o.orderId, 'PAID');
    expect((await pending()).data?.pendingPaymentApprovals.map((p: any) => p.id)).not.toContain(o.paymentId);
    await eventually(
      () => stock(o.productId),
      (s) => s?.onHand === 3 && s.reserved === 0,
      {
        what: 'the sale',
      },
    );
    expect((await capture(o.paymentId, null, finance.token)).data?.capturePayment).toMatchObject({
      status: 'CAPTURED',
      amountCaptured: { amount: 60_000 },
    });
    const read = await payment(o.paymentId, admin.token, AUDIT);
    expect(read.auditTrail).toContainEqual(
      expect.objectContaining({
        action: 'payment.approved',
        actor: { type: 'USER', userId: finance.userId, role: 'FINANCE', eventId: null },
      }),
    );
  });

  it('a rejection voids the authorisation, cancels the order, releases its stock and tells the customer', async () => {
    const o = await authorisedOrder(30_000, 2, 4, 'cap-reject-1');
    await eventually(
      () => stock(o.productId),
      (s) => s?.reserved === 2,
      { what: 'the hold' },
    );
    const noReason = await sg.query(
      'mutation($p: ID!) { rejectPayment(paymentId: $p, reason: " ") { id } }',
      { p: o.paymentId },
      { token: finance.token },
    );
    expect(noReason.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'reason' });
    const byCustomer = await sg.query(
      'mutation($p: ID!) { rejectPayment(paymentId: $p, reason: "no") { id } }',
      { p: o.paymentId },
      { token: o.customer.token },
    );
    expect(codeOf(byCustomer)).toBe('FORBIDDEN');

    const rejected = await sg.query(
      'mutation($p: ID!) { rejectPayment(paymentId: $p, reason: "billing address does not match the card") { status approvalStatus } }',
      { p: o.paymentId },
      { token: finance.token },
    );
    expect(rejected.data?.rejectPayment).toEqual({ status: 'VOIDED', approvalStatus: 'REJECTED' });
    await orderReaches(sg, o.customer, o.orderId, 'CANCELLED');
    await eventually(
      () => stock(o.productId),
      (s) => s?.available === 4 && s.reserved === 0,
      {
        what: 'the stock to be released',
      },
    );
    const mail = await eventually(
      () =>
        sg.query('query($to: String!) { devOutbox(recipient: $to, first: 10) { subject text } }', {
          to: o.customer.email,
        }),
      (r) => r.data?.devOutbox?.some((m: any) => m.subject.includes('could not be accepted')),
      { what: 'the message to the customer', timeoutMs: 20_000 },
    );
    const message = mail.data!.devOutbox.find((m: any) => m.subject.includes('could not be accepted'));
    expect(message.text).toContain('billing address does not match the card');

    const order = await sg.query(
      `query($id: ID!) { order(id: $id) { ${AUDIT} } }`,
      { id: o.orderId },
      { token: admin.token },
    );
    expect(order.data!.order.auditTrail.at(-1)).toMatchObject({
      fromStatus: 'AWAITING_PAYMENT',
      toStatus: 'CANCELLED',
      reason: 'Payment rejected: billing address does not match the card',
      actor: { type: 'SYSTEM' },
    });
  });
});
