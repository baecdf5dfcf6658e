import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Viewer } from '@novamart/kit';
import { eventually, startPayments, type PaymentsHarness } from './support/harness';
import { startFakeStripe, type FakeStripe } from './support/fake-stripe-server';
import { StripeProvider } from '../src/index';
import { CaptureRefusedError } from '../src/providers/provider';

/**
 * The Stripe provider through the real `stripe` SDK against a local server speaking Stripe's API,
 * and the webhook endpoint with payloads signed by the SDK's own test helper.
 */
const alice: Viewer = { id: 'user-alice', role: 'CUSTOMER' };
const admin: Viewer = { id: 'admin-1', role: 'ADMIN' };
const WEBHOOK_SECRET = 'whsec_test_novamart';
const sdk = new Stripe('sk_test_signing_only');

let h: PaymentsHarness;
let fake: FakeStripe;
beforeAll(async () => {
  fake = await startFakeStripe();
  h = await startPayments({
    STRIPE_SECRET_KEY: 'sk_test_novamart',
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    STRIPE_API_URL: fake.url,
    REFUND_APPROVAL_THRESHOLD: '100000',
  });
});
afterAll(async () => {
  await h?.stop();
  await fake?.close();
});

const webhookUrl = () => new URL('/webhooks/stripe', h.running.url).toString();

async function deliver(event: Record<string, unknown>, signature?: string) {
  const payload = JSON.stringify(event);
  const header = signature ?? sdk.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET });
  return fetch(webhookUrl(), {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'stripe-signature': header },
    body: payload,
  });
}

async function intentFor(orderId: string) {
  const res = await h.graphql(
    `mutation($o: ID!) { createPaymentIntent(orderId: $o) { id provider providerPaymentId clientSecret } }`,
    { o: orderId },
    alice,
  );
  return res.data!.createPaymentIntent as {
    id: string;
    provider: string;
    providerPaymentId: string;
    clientSecret: string;
  };
}

describe('Stripe provider through the stripe SDK', () => {
  it('creates the intent once on Stripe, with an idempotency key, and keeps its client secret', async () => {
    const orderId = await h.placeOrder({ userId: alice.id, total: 2_599 });
    const [a, b] = await Promise.all([intentFor(orderId), intentFor(orderId)]);
    expect(a.id).toBe(b.id);
    expect(a.provider).toBe('stripe');
    const intent = fake.intents.get(a.providerPaymentId)!;
    expect(intent).toMatchObject({ amount: 2_599, currency: 'usd', metadata: { orderId } });
    expect(a.clientSecret).toBe(intent.client_secret);
    const creates = fake.requests.filter((r) => r.method === 'POST' && r.path === '/v1/payment_intents');
    expect(creates.every((r) => r.idempotencyKey === `novamart-intent-${orderId}`)).toBe(true);
    expect(fake.effects.filter((e) => e === `create ${a.providerPaymentId}`)).toHaveLength(1);
  });

  it('maps a decline to FAILED with Stripe decline code, then succeeds with another card, charging once', async () => {
    const orderId = await h.placeOrder({ userId: alice.id, total: 1_000 });
    const payment = await intentFor(orderId);
    const confirm = (pm: string) =>
      h.graphql(
        `mutation($p: ID!, $m: String!) { confirmPayment(paymentId: $p, paymentMethodId: $m) { status declineCode failureReason } }`,
        { p: payment.id, m: pm },
        alice,
      );
    expect((await confirm('pm_card_chargeDeclinedExpiredCard')).data?.confirmPayment).toEqual({
      status: 'FAILED',
      declineCode: 'expired_card',
      failureReason: 'Your card has expired.',
    });
    expect((await confirm('pm_card_visa')).data?.confirmPayment.status).toBe('SUCCEEDED');
    expect(fake.effects.filter((e) => e.startsWith(`confirm ${payment.providerPaymentId}`))).toEqual([
      `confirm ${payment.providerPaymentId} pm_card_chargeDeclinedExpiredCard`,
      `confirm ${payment.providerPaymentId} pm_card_visa`,
    ]);
    const unknown = await confirm('pm_card_visa');
    expect(unknown.errors?.[0]?.extensions?.code).toBe('CONFLICT');
  });

  it('survives a Stripe outage on confirm thanks to the SDK retry and the idempotency key', async () => {
    const orderId = await h.placeOrder({ userId: alice.id, total: 1_000 });
    const payment = await intentFor(orderId);
    fake.failNext(1);
    const res = await h.graphql(
      `mutation($p: ID!) { confirmPayment(paymentId: $p, paymentMethodId: "pm_card_visa") { status } }`,
      { p: payment.id },
      alice,
    );
    expect(res.data?.confirmPayment.status).toBe('SUCCEEDED');
    expect(fake.effects.filter((e) => e.startsWith(`confirm ${payment.providerPaymentId}`))).toHaveLength(1);
  });

  it('reconciles a payment a crash left PROCESSING after Stripe charged, with paymentIntents.retrieve', async () => {
    const orderId = await h.placeOrder({ userId: alice.id, total: 3_100 });
    const payment = await intentFor(orderId);
    // What a process killed between Stripe's answer and its own write leaves: the claim
    // (PROCESSING) in our database and a succeeded intent at Stripe.
    await h.services.models.payments.updateOne({ orderId }, { $set: { status: 'PROCESSING' } });
    const charged = await new StripeProvider({
      secretKey: 'sk_test_novamart',
      apiUrl: fake.url,
    }).confirmIntent(payment.providerPaymentId, 'pm_card_visa', `novamart-confirm-${payment.id}-1`);
    expect(charged.status).toBe('succeeded');
    // Younger than PAYMENT_RECONCILE_AFTER_MS: left alone (a live confirmation may own it).
    expect(await h.services.reconciler.sweep()).toBe(0);
    const later = new Date(Date.now() + 121_000);
    expect(await h.services.reconciler.sweep(later)).toBeGreaterThanOrEqual(1);
    const after = await h.services.models.payments.findOne({ orderId }).lean();
    expect(after!.status).toBe('SUCCEEDED');
    expect(after!.history.at(-1)?.reason).toBe('reconciliation: succeeded');
    expect(
      fake.requests.filter(
        (r) => r.method === 'GET' && r.path === `/v1/payment_intents/${payment.providerPaymentId}`,
      ),
    ).not.toHaveLength(0);
    await eventually(
      () => h.published('payment.succeeded').filter((p) => p.orderId === orderId),
      (l) => l.length === 1,
      'payment.succeeded',
    );
    // Asked again, nothing changes and nothing is charged.
    await h.services.reconciler.sweep(later);
    expect(fake.effects.filter((e) => e.startsWith(`confirm ${payment.providerPaymentId}`))).toHaveLength(1);
    expect((await h.services.models.payments.findOne({ orderId }).lean())!.history).toHaveLength(
      after!.history.length,
    );
  });

  it('refunds through Stripe, partially, never above the charge', async () => {
    const orderId = await h.placeOrder({ userId: alice.id, total: 4_000 });
    const payment = await intentFor(orderId);
    await h.graphql(
      `mutation($p: ID!) { confirmPayment(paymentId: $p, paymentMethodId: "pm_card_visa") { status } }`,
      { p: payment.id },
      alice,
    );
    const refund = (amount: number) =>
      h.graphql(
        `mutation($p: ID!, $a: Int) { refundPayment(paymentId: $p, amount: $a) { status amount { amount } } }`,
        { p: payment.id, a: amount },
        admin,
      );
    expect((await refund(1_500)).data?.refundPayment).toEqual({
      status: 'SUCCEEDED',
      amount: { amount: 1_500 },
    });
    expect((await refund(2_501)).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(
      fake.refunds.filter((r) => r.payment_intent === payment.providerPaymentId).map((r) => r.amount),
    ).toEqual([1_500]);
  });
});

describe('POST /webhooks/stripe', () => {
  async function awaitingOrderWithIntent() {
    const orderId = await h.placeOrder({ userId: alice.id, total: 3_300 });
    return { orderId, payment: await intentFor(orderId) };
  }
  const succeededEvent = (id: string, intentId: string) => ({
    id,
    object: 'event',
    type: 'payment_intent.succeeded',
    data: { object: { ...fake.intents.get(intentId), status: 'succeeded' } },
  });

  it('applies a signed payment_intent.succeeded once, however often it is delivered', async () => {
    const { orderId, payment } = await awaitingOrderWithIntent();
    const event = succeededEvent('evt_succeeded_1', payment.providerPaymentId);
    const first = await deliver(event);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ received: true, duplicate: false });
    const second = await deliver(event);
    expect(await second.json()).toEqual({ received: true, duplicate: true });
    const stored = await h.services.models.payments.findById(payment.id).lean();
    expect(stored!.history.filter((c) => c.status === 'SUCCEEDED')).toHaveLength(1);
    await eventually(
      () => h.published('payment.succeeded').filter((p) => p.orderId === orderId),
      (l) => l.length === 1,
      'payment.succeeded',
    );
    await h.settled();
    expect(h.published('payment.succeeded').filter((p) => p.orderId === orderId)).toHaveLength(1);
  });

  it('a different event id for the same success changes nothing a second time', async () => {
    const { payment } = await awaitingOrderWithIntent();
    await deliver(succeededEvent('evt_a', payment.providerPaymentId));
    await deliver(succeededEvent('evt_b', payment.providerPaymentId));
    const stored = await h.services.models.payments.findById(payment.id).lean();
    expect(stored!.history.map((c) => c.status)).toEqual(['REQUIRES_PAYMENT_METHOD', 'SUCCEEDED']);
  });

  it('rejects a missing or forged signature with 400 and changes nothing', async () => {
    const { payment } = await awaitingOrderWithIntent();
    const event = succeededEvent('evt_forged', payment.providerPaymentId);
    const forged = await deliver(
      event,
      sdk.webhooks.generateTestHeaderString({ payload: JSON.stringify(event), secret: 'whsec_wrong' }),
    );
    expect(forged.status).toBe(400);
    const unsigned = await fetch(webhookUrl(), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(event),
    });
    expect(unsigned.status).toBe(400);
    const tampered = JSON.stringify({ ...event, id: 'evt_other' });
    const mismatch = await fetch(webhookUrl(), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'stripe-signature': sdk.webhooks.generateTestHeaderString({
          payload: JSON.stringify(event),
          secret: WEBHOOK_SECRET,
        }),
      },
      body: tampered,
    });
    expect(mismatch.status).toBe(400);
    const stored = await h.services.models.payments.findById(payment.id).lean();
    expect(stored!.status).toBe('REQUIRES_PAYMENT_METHOD');
    expect(
      await h.services.models.payments.db
        .collection('provider_events')
        .countDocuments({ _id: { $in: ['evt_forged', 'evt_other'] } as never }),
    ).toBe(0);
  });

  it('handles payment_failed and canceled', async () => {
    const { payment } = await awaitingOrderWithIntent();
    const intent = fake.intents.get(payment.providerPaymentId)!;
    await deliver({
      id: 'evt_failed_1',
      type: 'payment_intent.payment_failed',
      data: {
        object: {
          ...intent,
          status: 'requires_payment_method',
          last_payment_error: {
            code: 'card_declined',
            decline_code: 'insufficient_funds',
            message: 'Your card has insufficient funds.',
          },
        },
      },
    });
    expect(await h.services.models.payments.findById(payment.id).lean()).toMatchObject({
      status: 'FAILED',
      declineCode: 'insufficient_funds',
    });
    await deliver({
      id: 'evt_canceled_1',
      type: 'payment_intent.canceled',
      data: { object: { ...intent, status: 'canceled' } },
    });
    expect((await h.services.models.payments.findById(payment.id).lean())!.status).toBe('CANCELLED');
  });

  it('charge.refunded settles a refund once and records one made in the Stripe dashboard', async () => {
    const { payment } = await awaitingOrderWithIntent();
    await h.graphql(
      `mutation($p: ID!) { confirmPayment(paymentId: $p, paymentMethodId: "pm_card_visa") { status } }`,
      { p: payment.id },
      alice,
    );
    const charge = {
      id: 'ch_dashboard',
      object: 'charge',
      payment_intent: payment.providerPaymentId,
      amount: 3_300,
      amount_refunded: 1_000,
      refunds: {
        object: 'list',
        data: [{ id: 're_dashboard_1', object: 'refund', amount: 1_000, status: 'succeeded', metadata: {} }],
      },
    };
    const event = { id: 'evt_charge_refunded_1', type: 'charge.refunded', data: { object: charge } };
    await deliver(event);
    await deliver(event);
    await deliver({ ...event, id: 'evt_charge_refunded_2' });
    const stored = await h.services.models.payments.findById(payment.id).lean();
    expect(stored).toMatchObject({
      status: 'PARTIALLY_REFUNDED',
      amountRefunded: 1_000,
      refundableRemaining: 2_300,
    });
    const refunds = await h.services.models.refunds.find({ paymentId: stored!._id }).lean();
    expect(refunds).toHaveLength(1);
    expect(refunds[0]).toMatchObject({
      kind: 'external',
      status: 'SUCCEEDED',
      providerRefundId: 're_dashboard_1',
    });
  });
});

describe('Stripe manual capture through the stripe SDK', () => {
  it('authorises with capture_method manual and the lines in metadata, captures in parts, refuses beyond', async () => {
    const stripe = new StripeProvider({ secretKey: 'sk_test_novamart', apiUrl: fake.url });
    const created = await stripe.createIntent({
      amount: 5_000,
      currency: 'USD',
      metadata: { orderId: 'order-manual' },
      idempotencyKey: 'novamart-intent-order-manual',
      captureMethod: 'manual',
      lineItems: [{ productId: 'prod-1', sku: 'MUG-1', quantity: 2, amount: 5_000 }],
    });
    expect(fake.intents.get(created.id)).toMatchObject({
      capture_method: 'manual',
      payment_method_options: { card: { request_multicapture: 'if_available' } },
      metadata: { orderId: 'order-manual', line_1: 'MUG-1 x2 prod-1 5000' },
    });
    const authorised = await stripe.confirmIntent(created.id, 'pm_card_visa', 'novamart-confirm-manual-1');
    expect(authorised).toMatchObject({
      status: 'requires_capture',
      captureMethod: 'manual',
      amountReceived: 0,
    });
    const part = await stripe.captureIntent({
      intentId: created.id,
      amount: 2_000,
      final: false,
      idempotencyKey: 'c1',
    });
    expect(part).toMatchObject({ status: 'requires_capture', amountReceived: 2_000 });
    const refused = await stripe
      .captureIntent({ intentId: created.id, amount: 3_500, final: false, idempotencyKey: 'c2' })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(CaptureRefusedError);
    expect((refused as CaptureRefusedError).code).toBe('amount_too_large');
    const rest = await stripe.captureIntent({
      intentId: created.id,
      amount: 3_000,
      final: true,
      idempotencyKey: 'c3',
    });
    expect(rest).toMatchObject({ status: 'succeeded', amountReceived: 5_000 });
  });
});
