import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createEvent } from '@novamart/events';
import { commandStats, internalCallHeaders, runWithRequestId, type Viewer } from '@novamart/kit';
import { SimulatedProvider } from '../src/providers/simulated-provider';
import { eventually, startPayments, type PaymentsHarness } from './support/harness';

const alice: Viewer = { id: 'user-alice', role: 'CUSTOMER' };
const bob: Viewer = { id: 'user-bob', role: 'CUSTOMER' };
const admin: Viewer = { id: 'admin-1', role: 'ADMIN' };
const secondAdmin: Viewer = { id: 'admin-2', role: 'ADMIN' };

let h: PaymentsHarness;
/** What the users subgraph announces when `userId` becomes ADMIN (promoted by `changedBy`). */
async function becameAdmin(userId: string, changedBy: string | null): Promise<void> {
  await h.bus.publish(
    createEvent('user.role_changed', userId, {
      userId,
      email: `${userId}@x.test`,
      role: 'ADMIN',
      previousRole: 'CUSTOMER',
      changedBy,
    }),
  );
  await eventually(
    () => h.conn.collection('admin_roles').findOne({ _id: userId as never, role: 'ADMIN' }),
    (doc) => doc !== null,
    `admin role of ${userId}`,
  );
}

beforeAll(async () => {
  h = await startPayments({ REFUND_APPROVAL_THRESHOLD: '3000' });
  // Both were administrators long before any refund of these tests.
  await becameAdmin(admin.id, null);
  await becameAdmin(secondAdmin.id, null);
});
afterAll(async () => h?.stop());

const PAYMENT_FIELDS = `id status provider providerPaymentId clientSecret failureReason declineCode
  amount { amount currency formatted } amountRefunded { amount }
  history { status reason at } refunds { id status amount { amount } }`;

async function createIntent(orderId: string, viewer: Viewer | null = alice) {
  return h.graphql(
    `mutation($o: ID!) { createPaymentIntent(orderId: $o) { ${PAYMENT_FIELDS} } }`,
    { o: orderId },
    viewer,
  );
}
async function confirm(paymentId: string, pm: string, viewer: Viewer | null = alice) {
  return h.graphql(
    `mutation($p: ID!, $m: String!) { confirmPayment(paymentId: $p, paymentMethodId: $m) { ${PAYMENT_FIELDS} } }`,
    { p: paymentId, m: pm },
    viewer,
  );
}
async function paidOrder(total = 5_000) {
  const orderId = await h.placeOrder({ userId: alice.id, total });
  const created = await createIntent(orderId);
  const paid = await confirm(created.data!.createPaymentIntent.id, 'pm_card_visa');
  expect(paid.data?.confirmPayment.status).toBe('SUCCEEDED');
  return { orderId, paymentId: paid.data!.confirmPayment.id as string };
}

describe('payment intents', () => {
  it('creates one payment per order from the order total, however often and concurrently asked', async () => {
    const orderId = await h.placeOrder({ userId: alice.id, total: 4_250 });
    const results = await Promise.all([createIntent(orderId), createIntent(orderId), createIntent(orderId)]);
    const ids = new Set(results.map((r) => r.data?.createPaymentIntent.id));
    expect(ids.size).toBe(1);
    const payment = results[0]!.data!.createPaymentIntent;
    expect(payment).toMatchObject({
      status: 'REQUIRES_PAYMENT_METHOD',
      provider: 'simulated',
      amount: { amount: 4_250, currency: 'USD', formatted: '$42.50' },
      amountRefunded: { amount: 0 },
    });
    expect(payment.clientSecret).toMatch(/^pi_sim_\w+_secret_/);
    expect(await h.services.models.payments.countDocuments({ orderId })).toBe(1);
  });

  it('is for the order owner only', async () => {
    const orderId = await h.placeOrder({ userId: alice.id });
    const res = await createIntent(orderId, bob);
    expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const anonymous = await createIntent(orderId, null);
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(await h.services.models.payments.countDocuments({ orderId })).toBe(0);
  });

  it('answers NOT_FOUND for an unknown order and CONFLICT for a cancelled one', async () => {
    const unknown = await createIntent(randomUUID());
    expect(unknown.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const orderId = await h.placeOrder({ userId: alice.id, status: 'CANCELLED' });
    const cancelled = await createIntent(orderId);
    expect(cancelled.errors?.[0]?.extensions?.code).toBe('CONFLICT');
  });

  it('hides the client secret from anyone but the paying customer', async () => {
    const orderId = await h.placeOrder({ userId: alice.id });
    const { data } = await createIntent(orderId);
    const asAdmin = await h.graphql(
      `query($id: ID!) { payment(id: $id) { id clientSecret } }`,
      { id: data!.createPaymentIntent.id },
      admin,
    );
    expect(asAdmin.data?.payment).toEqual({ id: data!.createPaymentIntent.id, clientSecret: null });
    const asBob = await h.graphql(
      `query($id: ID!) { payment(id: $id) { id } }`,
      { id: data!.createPaymentIntent.id },
      bob,
    );
    expect(asBob.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('reconciliation of payments left in flight', () => {
  it('gives a payment claimed but never sent to the provider back to the customer; leaves a live 3-D Secure wait alone', async () => {
    const orderId = await h.placeOrder({ userId: alice.id, total: 2_200 });
    const created = await createIntent(orderId);
    const paymentId = created.data!.createPaymentIntent.id as string;
    // A process killed right after the claim: PROCESSING, the intent never confirmed.
    await h.services.models.payments.updateOne({ orderId }, { $set: { status: 'PROCESSING' } });
    const other = await h.placeOrder({ userId: alice.id, total: 2_300 });
    const otherPayment = (await createIntent(other)).data!.createPaymentIntent.id as string;
    expect((await confirm(otherPayment, 'pm_card_authenticationRequired')).data?.confirmPayment.status).toBe(
      'REQUIRES_ACTION',
    );

    await h.services.reconciler.sweep(new Date(Date.now() + 121_000));
    const back = await h.services.models.payments.findById(paymentId).lean();
    expect(back!.status).toBe('REQUIRES_PAYMENT_METHOD');
    expect(back!.history.at(-1)?.reason).toBe('reconciliation: requires_payment_method');
    expect((await h.services.models.payments.findById(otherPayment).lean())!.status).toBe('REQUIRES_ACTION');
    // And it can be paid now, once.
    expect((await confirm(paymentId, 'pm_card_visa')).data?.confirmPayment.status).toBe('SUCCEEDED');
  });
});

describe('confirmation with Stripe test payment methods', () => {
  it('pm_card_visa succeeds once and publishes payment.succeeded once', async () => {
    const { orderId, paymentId } = await paidOrder(7_000);
    const again = await confirm(paymentId, 'pm_card_visa');
    expect(again.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    // The simulated webhook for the same success arrives too and must change nothing.
    await h.settled();
    const payment = await h.services.models.payments.findById(paymentId).lean();
    expect(payment!.history.map((c) => c.status)).toEqual([
      'REQUIRES_PAYMENT_METHOD',
      'PROCESSING',
      'SUCCEEDED',
    ]);
    await eventually(
      () => h.published('payment.succeeded').filter((p) => p.orderId === orderId),
      (l) => l.length === 1,
      'payment.succeeded',
    );
    await h.settled();
    expect(h.published('payment.succeeded').filter((p) => p.orderId === orderId)).toHaveLength(1);
    expect(h.published('payment.succeeded').find((p) => p.orderId === orderId)).toMatchObject({
      amount: 7_000,
      currency: 'USD',
      provider: 'simulated',
    });
  });

  it('a confirmation and the provider event that follows it cost ten MongoDB commands', async () => {
    const orderId = await h.placeOrder({ userId: alice.id, total: 4_400 });
    const { data } = await createIntent(orderId);
    const requestId = `confirm-${randomUUID()}`;
    const res = await h.graphql(
      `mutation($p: ID!) { confirmPayment(paymentId: $p, paymentMethodId: "pm_card_visa") { status } }`,
      { p: data!.createPaymentIntent.id },
      alice,
      { 'x-request-id': requestId },
    );
    expect(res.data?.confirmPayment.status).toBe('SUCCEEDED');
    // The simulation's event for the success runs in the request's context, right after its answer.
    await h.settled();
    // The payment and its order view; the claim and the record, each one guarded write carrying
    // its events (no outbox insert, no transaction); the provider's one write; the order view once
    // more after the success. The event finds the success recorded without reading the payment again.
    expect(commandStats.forRequest(requestId)).toMatchObject({
      total: 6,
      byCommand: { find: 3, findAndModify: 3 },
    });
  });

  it("keeps a paid order's view as it was: payments decides nothing on PAID", async () => {
    const { orderId, paymentId } = await paidOrder(6_100);
    await h.bus.publish(
      createEvent('order.status_changed', orderId, {
        orderId,
        userId: alice.id,
        email: 'buyer@example.com',
        status: 'PAID',
        previousStatus: 'AWAITING_PAYMENT',
        reason: null,
        at: new Date().toISOString(),
      }),
    );
    await h.settled(); // the status event handled
    const view = await h.conn.collection('order_views').findOne({ _id: orderId as never });
    expect(view!.status).toBe('AWAITING_PAYMENT');
    // Both mutations answer a paid order as they would with PAID recorded.
    expect((await createIntent(orderId)).data?.createPaymentIntent).toMatchObject({
      id: paymentId,
      status: 'SUCCEEDED',
    });
    expect((await confirm(paymentId, 'pm_card_visa')).errors?.[0]).toMatchObject({
      message: 'This payment has already succeeded',
      extensions: { code: 'CONFLICT' },
    });
  });

  it('a declined card fails with the decline reason, and a retry with another card succeeds', async () => {
    const orderId = await h.placeOrder({ userId: alice.id });
    const { data } = await createIntent(orderId);
    const declined = await confirm(data!.createPaymentIntent.id, 'pm_card_chargeDeclinedInsufficientFunds');
    expect(declined.data?.confirmPayment).toMatchObject({
      status: 'FAILED',
      declineCode: 'insufficient_funds',
      failureReason: 'Your card has insufficient funds.',
    });
    await eventually(
      () => h.published('payment.failed').filter((p) => p.orderId === orderId),
      (l) => l.length === 1,
      'payment.failed',
    );
    const generic = await confirm(data!.createPaymentIntent.id, 'pm_card_chargeDeclined');
    expect(generic.data?.confirmPayment).toMatchObject({ status: 'FAILED', declineCode: 'generic_decline' });
    const retried = await confirm(data!.createPaymentIntent.id, 'pm_card_visa');
    expect(retried.data?.confirmPayment).toMatchObject({
      status: 'SUCCEEDED',
      failureReason: null,
      declineCode: null,
    });
  });

  it('pm_card_authenticationRequired needs action', async () => {
    const orderId = await h.placeOrder({ userId: alice.id });
    const { data } = await createIntent(orderId);
    const res = await confirm(data!.createPaymentIntent.id, 'pm_card_authenticationRequired');
    expect(res.data?.confirmPayment.status).toBe('REQUIRES_ACTION');
  });

  it('rejects an unknown payment method as bad input and leaves the payment retryable', async () => {
    const orderId = await h.placeOrder({ userId: alice.id });
    const { data } = await createIntent(orderId);
    const bad = await confirm(data!.createPaymentIntent.id, 'pm_card_doesNotExist');
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'paymentMethodId' });
    const malformed = await confirm(data!.createPaymentIntent.id, 'visa');
    expect(malformed.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'paymentMethodId',
    });
    const ok = await confirm(data!.createPaymentIntent.id, 'pm_card_visa');
    expect(ok.data?.confirmPayment.status).toBe('SUCCEEDED');
  });

  it('charges once when the same payment is confirmed concurrently', async () => {
    const orderId = await h.placeOrder({ userId: alice.id });
    const { data } = await createIntent(orderId);
    const results = await Promise.all(
      Array.from({ length: 5 }, () => confirm(data!.createPaymentIntent.id, 'pm_card_visa')),
    );
    const succeeded = results.filter((r) => r.data?.confirmPayment.status === 'SUCCEEDED');
    expect(succeeded).toHaveLength(1);
    expect(results.filter((r) => r.errors?.[0]?.extensions?.code === 'CONFLICT')).toHaveLength(4);
  });

  it('refuses to confirm while the order is not awaiting payment', async () => {
    const orderId = await h.placeOrder({ userId: alice.id });
    const { data } = await createIntent(orderId);
    await h.setOrderStatus(orderId, 'CANCELLED', alice.id);
    const res = await confirm(data!.createPaymentIntent.id, 'pm_card_visa');
    expect(res.errors?.[0]?.extensions?.code).toBe('CONFLICT');
  });

  it('pushes every status change to the live channel of the order', async () => {
    const orderId = await h.placeOrder({ userId: alice.id });
    const received: any[] = [];
    const unsubscribe = await h.live.subscribe(
      `payment:${orderId}`,
      (message) => void received.push(message),
    );
    const { data } = await createIntent(orderId);
    await confirm(data!.createPaymentIntent.id, 'pm_card_visa');
    await eventually(
      () => received.map((m) => m.status),
      (s) => s.includes('SUCCEEDED'),
      'live SUCCEEDED',
    );
    expect(received.map((m) => m.status)).toEqual(['REQUIRES_PAYMENT_METHOD', 'PROCESSING', 'SUCCEEDED']);
    expect(received[2]).toMatchObject({
      orderId,
      userId: alice.id,
      previousStatus: 'PROCESSING',
      eventId: expect.any(String),
    });
    await unsubscribe();
  });
});

describe('the simulated provider', () => {
  it('confirms in one command, and a key answers what it answered first', async () => {
    const provider = new SimulatedProvider(h.conn);
    const intentFor = (captureMethod: 'automatic' | 'manual') =>
      provider.createIntent({
        amount: 2_500,
        currency: 'usd',
        metadata: { orderId: 'o' },
        idempotencyKey: `sim-${randomUUID()}`,
        captureMethod,
      });
    const counted = async <T>(call: () => Promise<T>) => {
      const requestId = `sim-confirm-${randomUUID()}`;
      const answer = await runWithRequestId(requestId, call);
      return { answer, commands: commandStats.forRequest(requestId, { database: h.conn.name }) };
    };

    const charge = await intentFor('automatic');
    const declined = await counted(() => provider.confirmIntent(charge.id, 'pm_card_chargeDeclined', 'k1'));
    expect(declined.commands).toMatchObject({ total: 1, byCommand: { findAndModify: 1 } });
    expect(declined.answer).toMatchObject({
      status: 'requires_payment_method',
      amountReceived: 0,
      lastError: { declineCode: 'generic_decline' },
    });
    const paid = await counted(() => provider.confirmIntent(charge.id, 'pm_card_visa', 'k2'));
    expect(paid.commands).toMatchObject({ total: 1, byCommand: { findAndModify: 1 } });
    expect(paid.answer).toEqual({ ...charge, status: 'succeeded', amountReceived: 2_500, lastError: null });
    // Each key replays its own first answer, whatever the intent became since.
    expect(await provider.confirmIntent(charge.id, 'pm_card_visa', 'k1')).toEqual(declined.answer);
    expect(await provider.confirmIntent(charge.id, 'pm_card_visa', 'k2')).toEqual(paid.answer);
    expect((await provider.intentRecord(charge.id)).attempts?.map((a) => a.outcome)).toEqual([
      'requires_payment_method',
      'succeeded',
    ]);

    const hold = await intentFor('manual');
    const authorised = await provider.confirmIntent(hold.id, 'pm_card_visa', 'k3');
    expect(authorised).toEqual({ ...hold, status: 'requires_capture', amountReceived: 0 });
    expect((await provider.intentRecord(hold.id)).authorizedAt).toBeInstanceOf(Date);
    await expect(provider.confirmIntent('pi_sim_unknown', 'pm_card_visa', 'k4')).rejects.toThrow(
      'No such payment_intent',
    );
  });
  it('applies its announcements without recording them: each is delivered once', async () => {
    const recorded = () => h.conn.collection('provider_events').countDocuments();
    const before = await recorded();
    const { paymentId } = await paidOrder(3_300);
    // The announcement of the success is handled right after the confirmation's answer.
    await h.settled();
    expect(await recorded()).toBe(before);
    const payment = await h.services.models.payments.findById(paymentId).lean();
    expect(payment!.history.map((c) => c.status)).toEqual([
      'REQUIRES_PAYMENT_METHOD',
      'PROCESSING',
      'SUCCEEDED',
    ]);
  });
});

describe('refunds', () => {
  const refund = (paymentId: string, amount: number | null, viewer: Viewer = admin) =>
    h.graphql(
      `mutation($p: ID!, $a: Int) { refundPayment(paymentId: $p, amount: $a, reason: "damaged") { id status amount { amount } requestedBy { id } } }`,
      { p: paymentId, a: amount },
      viewer,
    );

  it('refunds partially then fully, never more than was captured', async () => {
    const { paymentId } = await paidOrder(5_000);
    const first = await refund(paymentId, 2_000);
    expect(first.data?.refundPayment).toMatchObject({
      status: 'SUCCEEDED',
      amount: { amount: 2_000 },
      requestedBy: { id: admin.id },
    });
    const tooMuch = await refund(paymentId, 3_001);
    expect(tooMuch.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'amount',
      refundable: 3_000,
    });
    const rest = await refund(paymentId, null);
    expect(rest.data?.refundPayment).toMatchObject({ status: 'SUCCEEDED', amount: { amount: 3_000 } });
    const payment = await h.services.models.payments.findById(paymentId).lean();
    expect(payment).toMatchObject({
      status: 'REFUNDED',
      amountRefunded: 5_000,
      refundableRemaining: 0,
      amountRefundPending: 0,
    });
    expect((await refund(paymentId, 1)).errors?.[0]?.extensions?.code).toBe('CONFLICT');
  });

  it('concurrent refunds together never exceed the charge', async () => {
    const { paymentId } = await paidOrder(3_000);
    const results = await Promise.all(Array.from({ length: 8 }, () => refund(paymentId, 1_000)));
    expect(results.filter((r) => r.data?.refundPayment.status === 'SUCCEEDED')).toHaveLength(3);
    const payment = await h.services.models.payments.findById(paymentId).lean();
    expect(payment!.amountRefunded).toBe(3_000);
  });

  it('is for admins only', async () => {
    const { paymentId } = await paidOrder(1_000);
    expect((await refund(paymentId, 100, alice)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('waits for a second admin above the threshold; the requester cannot approve', async () => {
    const { paymentId } = await paidOrder(9_000);
    const requested = await refund(paymentId, 5_000);
    expect(requested.data?.refundPayment.status).toBe('PENDING_APPROVAL');
    const refundId = requested.data!.refundPayment.id;
    const pending = await h.graphql(`{ pendingRefundApprovals { id amount { amount } } }`, {}, secondAdmin);
    expect(pending.data?.pendingRefundApprovals).toContainEqual({ id: refundId, amount: { amount: 5_000 } });
    const self = await h.graphql(
      `mutation($r: ID!) { approveRefund(refundId: $r) { status } }`,
      { r: refundId },
      admin,
    );
    expect(self.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    // Claimed while pending: a second request cannot take the same money.
    expect((await refund(paymentId, 5_000)).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const approved = await h.graphql(
      `mutation($r: ID!) { approveRefund(refundId: $r) { status approvedBy { id } history { status by { id } } } }`,
      { r: refundId },
      secondAdmin,
    );
    expect(approved.data?.approveRefund).toMatchObject({
      status: 'SUCCEEDED',
      approvedBy: { id: secondAdmin.id },
    });
    expect(approved.data?.approveRefund.history.map((c: any) => c.status)).toEqual([
      'PENDING_APPROVAL',
      'PENDING',
      'SUCCEEDED',
    ]);
    const payment = await h.services.models.payments.findById(paymentId).lean();
    expect(payment).toMatchObject({ status: 'PARTIALLY_REFUNDED', amountRefunded: 5_000 });
  });

  it('refuses an approver promoted after the request or by the requester; the decision is in the history with its actor', async () => {
    const { paymentId } = await paidOrder(9_000);
    const accomplice: Viewer = { id: `accomplice-${randomUUID()}`, role: 'ADMIN' };
    await becameAdmin(accomplice.id, admin.id);
    const requested = await refund(paymentId, 4_000);
    const refundId = requested.data!.refundPayment.id;
    const approve = (viewer: Viewer) =>
      h.graphql(
        `mutation($r: ID!) { approveRefund(refundId: $r) { status history { status by { id } } } }`,
        { r: refundId },
        viewer,
      );
    // Promoted by the requester (before the request): not a second pair of eyes.
    expect((await approve(accomplice)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    // Promoted after the request, by anyone: not either.
    const latecomer: Viewer = { id: `late-${randomUUID()}`, role: 'ADMIN' };
    await becameAdmin(latecomer.id, secondAdmin.id);
    expect((await approve(latecomer)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    // A token claiming ADMIN for someone the users subgraph never announced as one: refused.
    expect(
      (await approve({ id: `unknown-${randomUUID()}`, role: 'ADMIN' })).errors?.[0]?.extensions?.code,
    ).toBe('FORBIDDEN');
    const approved = await approve(secondAdmin);
    expect(approved.data?.approveRefund.status).toBe('SUCCEEDED');
    expect(approved.data?.approveRefund.history).toContainEqual({
      status: 'PENDING',
      by: { id: secondAdmin.id },
    });
  });

  it('a rejected refund gives the amount back to what can be refunded', async () => {
    const { paymentId } = await paidOrder(9_000);
    const requested = await refund(paymentId, 9_000);
    const rejected = await h.graphql(
      `mutation($r: ID!) { rejectRefund(refundId: $r, reason: "not eligible") { status rejectedBy { id } rejectionReason } }`,
      { r: requested.data!.refundPayment.id },
      secondAdmin,
    );
    expect(rejected.data?.rejectRefund).toEqual({
      status: 'REJECTED',
      rejectedBy: { id: secondAdmin.id },
      rejectionReason: 'not eligible',
    });
    const payment = await h.services.models.payments.findById(paymentId).lean();
    expect(payment).toMatchObject({
      status: 'SUCCEEDED',
      refundableRemaining: 9_000,
      amountRefundPending: 0,
    });
  });
});

describe('the checkout saga', () => {
  it('cancelling a paid order refunds it once, however often the event is delivered', async () => {
    const { orderId, paymentId } = await paidOrder(6_000);
    const cancelled = createEvent('order.cancelled', orderId, {
      orderId,
      userId: alice.id,
      email: 'a@example.com',
      reason: 'customer request',
      wasPaid: true,
    });
    await h.bus.publish([cancelled, cancelled]);
    await h.bus.publish(
      createEvent('order.cancelled', orderId, {
        orderId,
        userId: alice.id,
        email: 'a@example.com',
        reason: 'customer request',
        wasPaid: true,
      }),
    );
    const payment = await eventually(
      () => h.services.models.payments.findById(paymentId).lean(),
      (p) => p?.status === 'REFUNDED',
      'refund after cancellation',
    );
    expect(payment!.amountRefunded).toBe(6_000);
    await h.settled();
    expect(await h.services.models.refunds.countDocuments({ paymentId })).toBe(1);
    expect(h.published('refund.succeeded').filter((p) => p.orderId === orderId)).toHaveLength(1);
  });

  it('a received return refunds exactly its amount at once, approved by SUPPORT, once however often delivered', async () => {
    // Above REFUND_APPROVAL_THRESHOLD (10000): SUPPORT's approval of the return is the approval.
    const { orderId, paymentId } = await paidOrder(20_000);
    const received = createEvent('return.received', orderId, {
      returnId: `ret-${randomUUID()}`,
      orderId,
      userId: alice.id,
      lines: [{ productId: 'p-1', sku: 'SKU-1', quantity: 3, amount: 15_000 }],
      amount: 15_000,
      currency: 'USD',
      restock: true,
      approvedBy: 'support-1',
      receivedBy: 'dispatcher-1',
    });
    await h.bus.publish([received, received]);
    await h.bus.publish(received);
    const payment = await eventually(
      () => h.services.models.payments.findById(paymentId).lean(),
      (p) => p?.status === 'PARTIALLY_REFUNDED',
      'refund of the return',
    );
    expect(payment).toMatchObject({ amountRefunded: 15_000, refundableRemaining: 5_000 });
    await h.settled(); // every delivery handled
    const refunds = await h.services.models.refunds.find({ paymentId }).lean();
    expect(refunds).toMatchObject([
      {
        kind: 'return',
        returnId: received.payload.returnId,
        amount: 15_000,
        status: 'SUCCEEDED',
        requestedBy: 'support-1',
        approvedBy: 'support-1',
      },
    ]);
    expect(h.published('refund.succeeded').filter((p) => p.orderId === orderId)).toHaveLength(1);
  });

  describe("orders' refundReturn call and return.received agree", () => {
    const support: Viewer = { id: 'support-1', role: 'SUPPORT' };
    const REFUND_RETURN = `mutation($i: ReturnRefundInput!) {
      refundReturn(input: $i) { id status amount { amount } approvedBy { id } }
    }`;
    /** As orders' receiveReturn asks: with the receiver's token, as a subgraph's call (internal header). */
    const refundReturn = (input: Record<string, unknown>, viewer: Viewer | null = support) =>
      h.graphql(REFUND_RETURN, { i: input }, viewer, internalCallHeaders());
    async function returned(amount = 4_000) {
      const { orderId, paymentId } = await paidOrder(10_000);
      const returnId = `ret-${randomUUID()}`;
      const facts = { returnId, orderId, amount, currency: 'USD', approvedBy: 'support-1' };
      const event = createEvent('return.received', orderId, {
        ...facts,
        userId: alice.id,
        lines: [{ productId: 'p-1', sku: 'SKU-1', quantity: 1, amount }],
        restock: true,
        receivedBy: 'dispatcher-1',
      });
      return { orderId, paymentId, facts, event };
    }
    async function expectOneRefund(orderId: string, paymentId: string, returnId: string) {
      await h.settled(); // every delivery handled
      expect(await h.services.models.refunds.find({ paymentId }).lean()).toMatchObject([
        { kind: 'return', returnId, amount: 4_000, status: 'SUCCEEDED', approvedBy: 'support-1' },
      ]);
      expect(await h.services.models.payments.findById(paymentId).lean()).toMatchObject({
        amountRefunded: 4_000,
        refundableRemaining: 6_000,
      });
      expect(h.published('refund.succeeded').filter((p) => p.orderId === orderId)).toHaveLength(1);
    }

    it('the call first: refunded when it answers; the call again and the event change nothing', async () => {
      const { orderId, paymentId, facts, event } = await returned();
      const first = await refundReturn(facts);
      expect(first.data?.refundReturn).toMatchObject({ status: 'SUCCEEDED', amount: { amount: 4_000 } });
      const again = await refundReturn(facts);
      expect(again.data?.refundReturn.id).toBe(first.data?.refundReturn.id);
      await h.bus.publish(event);
      await expectOneRefund(orderId, paymentId, facts.returnId);
    });

    it('the event first: the call answers the same refund', async () => {
      const { orderId, paymentId, facts, event } = await returned();
      await h.bus.publish(event);
      await eventually(
        () => h.services.models.refunds.findOne({ returnId: facts.returnId }).lean(),
        (r) => r?.status === 'SUCCEEDED',
        'refund of the return by the event',
      );
      const answer = await refundReturn(facts);
      expect(answer.data?.refundReturn).toMatchObject({ status: 'SUCCEEDED', amount: { amount: 4_000 } });
      await expectOneRefund(orderId, paymentId, facts.returnId);
    });

    it('the event first, its refund still with the provider: the call answers it settled', async () => {
      const { orderId, paymentId, facts, event } = await returned();
      const { refundService, models } = h.services;
      // The event's refund is created, and its provider request fails ("will retry"): PENDING.
      const stalled = vi.spyOn(refundService, 'execute').mockImplementationOnce(async (refund) => refund);
      await h.bus.publish(event);
      await eventually(
        () => models.refunds.findOne({ returnId: facts.returnId }).lean(),
        (r) => r?.status === 'PENDING',
        "the event's refund, left PENDING",
      );
      stalled.mockRestore();
      // The interleaving where the call looked before the event created it: both of its lookups
      // miss, and its own insert is the one that collides.
      const lookups = vi.spyOn(models.refunds, 'findOne');
      for (let i = 0; i < 2; i++)
        lookups.mockImplementationOnce((() => ({ lean: async () => null })) as never);
      try {
        const answer = await refundReturn(facts);
        expect(answer.data?.refundReturn).toMatchObject({ status: 'SUCCEEDED', amount: { amount: 4_000 } });
      } finally {
        lookups.mockRestore();
      }
      await expectOneRefund(orderId, paymentId, facts.returnId);
    });

    it("the event's claim first, after the call looked: the call answers the event's refund", async () => {
      // 6,000 of 10,000: once the event's refund has claimed its amount, what is left (4,000) is
      // less than the return's amount, so the call's own claim fails instead of colliding.
      const { paymentId, facts, event } = await returned(6_000);
      const { models } = h.services;
      await h.bus.publish(event);
      await eventually(
        () => models.refunds.findOne({ returnId: facts.returnId }).lean(),
        (r) => r?.status === 'SUCCEEDED',
        'refund of the return by the event',
      );
      // The interleaving where the call looked before the event created the refund: both of its
      // lookups miss, and it reads the payment with the event's claim already taken.
      const lookups = vi.spyOn(models.refunds, 'findOne');
      for (let i = 0; i < 2; i++)
        lookups.mockImplementationOnce((() => ({ lean: async () => null })) as never);
      try {
        const answer = await refundReturn(facts);
        expect(answer.errors).toBeUndefined();
        expect(answer.data?.refundReturn).toMatchObject({ status: 'SUCCEEDED', amount: { amount: 6_000 } });
      } finally {
        lookups.mockRestore();
      }
      expect(await models.refunds.find({ paymentId }).lean()).toMatchObject([
        { returnId: facts.returnId, amount: 6_000, status: 'SUCCEEDED' },
      ]);
      expect(await models.payments.findById(paymentId).lean()).toMatchObject({
        amountRefunded: 6_000,
        refundableRemaining: 4_000,
      });
    });

    it('checks the facts against the payment, and the role', async () => {
      const { paymentId, facts } = await returned();
      const code = async (input: Record<string, unknown>, viewer: Viewer | null = support) =>
        (await refundReturn({ ...facts, ...input }, viewer)).errors?.[0]?.extensions;
      expect(await code({ amount: 10_001 })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.amount' });
      expect(await code({ currency: 'EUR' })).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'input.currency',
      });
      expect(await code({ orderId: `order-${randomUUID()}` })).toMatchObject({ code: 'NOT_FOUND' });
      expect(await code({}, alice)).toMatchObject({ code: 'FORBIDDEN' });
      expect(await code({}, { id: 'finance-1', role: 'FINANCE' })).toMatchObject({ code: 'FORBIDDEN' });
      expect(await h.services.models.refunds.countDocuments({ paymentId })).toBe(0);
      // Refunded once, the same return cannot be refunded again for another amount.
      expect((await refundReturn(facts)).errors).toBeUndefined();
      expect(await code({ amount: 1_000 })).toMatchObject({ code: 'CONFLICT' });
      expect(await h.services.models.refunds.countDocuments({ paymentId })).toBe(1);
    });

    it('answers FORBIDDEN to any caller but another subgraph, whatever its token, and refunds nothing', async () => {
      const { orderId, paymentId, facts } = await returned();
      const callers: [Viewer | null, Record<string, string>][] = [
        [support, {}],
        [admin, {}],
        [null, {}],
        [support, { 'x-novamart-internal': 'a-guess-of-the-token-of-sufficient-length' }],
      ];
      for (const [viewer, headers] of callers) {
        const refused = await h.graphql(REFUND_RETURN, { i: facts }, viewer, headers);
        expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
        expect(refused.data ?? null).toBeNull();
      }
      expect(await h.services.models.refunds.countDocuments({ paymentId })).toBe(0);
      expect(await h.services.models.payments.findById(paymentId).lean()).toMatchObject({
        amountRefunded: 0,
        refundableRemaining: 10_000,
      });
      expect(h.published('refund.succeeded').filter((p) => p.orderId === orderId)).toHaveLength(0);
    });
  });

  it('cancelling an unpaid order cancels its payment intent so it can never be charged', async () => {
    const orderId = await h.placeOrder({ userId: alice.id });
    const { data } = await createIntent(orderId);
    await h.bus.publish(
      createEvent('order.cancelled', orderId, {
        orderId,
        userId: alice.id,
        email: 'a@example.com',
        reason: 'reservation expired',
        wasPaid: false,
      }),
    );
    await eventually(
      () => h.services.models.payments.findById(data!.createPaymentIntent.id).lean(),
      (p) => p?.status === 'CANCELLED',
      'payment cancelled',
    );
    const late = await confirm(data!.createPaymentIntent.id, 'pm_card_visa');
    expect(late.errors?.[0]?.extensions?.code).toBe('CONFLICT');
  });

  it('resolves Order.payment through the entity interface in one batch', async () => {
    const { orderId, paymentId } = await paidOrder(1_500);
    const other = await h.placeOrder({ userId: alice.id });
    const res = await h.graphql(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id payment { id status } } } }`,
      {
        r: [
          { __typename: 'Order', id: orderId },
          { __typename: 'Order', id: other },
        ],
      },
      alice,
    );
    expect(res.data?._entities).toEqual([
      { id: orderId, payment: { id: paymentId, status: 'SUCCEEDED' } },
      { id: other, payment: null },
    ]);
  });
});

describe('a mutation that answers an error has written nothing', () => {
  it('createPaymentIntent: a fault in its one write (the payment carrying its event) leaves no payment and no event', async () => {
    const orderId = await h.placeOrder({ userId: alice.id, total: 1_500 });
    const payments = h.conn.collection('payments');
    const original = payments.insertOne.bind(payments);
    payments.insertOne = (async () => {
      throw new Error('injected fault in the write');
    }) as never;
    let res;
    try {
      res = await createIntent(orderId);
    } finally {
      payments.insertOne = original;
    }
    expect(res.errors?.[0]?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
    await h.settled();
    expect(await payments.countDocuments({ orderId })).toBe(0);
    expect(await h.conn.collection('outbox').countDocuments({ 'event.aggregateId': orderId })).toBe(0);
    // Written, the payment would hold its event until published: nothing to publish either.
    const ok = await createIntent(orderId);
    expect(ok.data?.createPaymentIntent.id).toBeDefined();
  });

  it('refundPayment: a fault in the second write (the refund) leaves the refundable amount and no refund', async () => {
    const { paymentId } = await paidOrder(2_000);
    const before = await h.services.models.payments.findById(paymentId).lean();
    const refunds = h.services.models.refunds;
    const original = refunds.create.bind(refunds);
    refunds.create = (async () => {
      throw new Error('injected fault in the second write');
    }) as never;
    let res;
    try {
      res = await h.graphql(
        `mutation($p: ID!) { refundPayment(paymentId: $p, amount: 500) { id } }`,
        { p: paymentId },
        admin,
      );
    } finally {
      refunds.create = original;
    }
    expect(res.errors?.[0]).toBeDefined();
    const after = await h.services.models.payments.findById(paymentId).lean();
    expect(after!.refundableRemaining).toBe(before!.refundableRemaining);
    expect(after!.amountRefundPending).toBe(before!.amountRefundPending);
    expect(await refunds.countDocuments({ paymentId: before!._id })).toBe(0);
    expect(
      await h.conn
        .collection('outbox')
        .countDocuments({ 'event.type': 'refund.requested', 'event.payload.paymentId': paymentId }),
    ).toBe(0);
  });
});
