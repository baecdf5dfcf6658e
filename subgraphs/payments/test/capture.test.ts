import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvent } from '@novamart/events';
import { commandStats, type Viewer } from '@novamart/kit';
import { CaptureRefusedError } from '../src/providers/provider';
import { SimulatedProvider } from '../src/providers/simulated-provider';
import { eventually, startPayments, type PaymentsHarness } from './support/harness';

/**
 * Authorise and capture with PAYMENT_CAPTURE=manual, at the payments subgraph's level: captures
 * driven by `shipment.created`, the sweep that voids authorisations before they lapse, and the
 * simulated provider's authorisation expiry.
 */
const alice: Viewer = { id: 'user-alice', role: 'CUSTOMER' };
const finance: Viewer = { id: 'user-finance', role: 'FINANCE' };
const VOID_AFTER_MS = 60_000;

let h: PaymentsHarness;
beforeAll(async () => {
  h = await startPayments({
    PAYMENT_CAPTURE: 'manual',
    PAYMENT_APPROVAL_THRESHOLD: '100000',
    PAYMENT_AUTHORIZATION_VOID_AFTER_MS: String(VOID_AFTER_MS),
  });
});
afterAll(async () => h?.stop());

const FIELDS = `id status providerPaymentId approvalStatus amountCaptured { amount } amountCapturable { amount }
  captures { key amount { amount } }`;

/** An order of `total` authorised by alice's card; returns the payment. */
async function authorised(total: number) {
  const orderId = await h.placeOrder({ userId: alice.id, total });
  const created = await h.graphql(
    `mutation($o: ID!) { createPaymentIntent(orderId: $o) { id } }`,
    { o: orderId },
    alice,
  );
  const paymentId = created.data!.createPaymentIntent.id as string;
  const confirmed = await h.graphql(
    `mutation($p: ID!) { confirmPayment(paymentId: $p, paymentMethodId: "pm_card_visa") { ${FIELDS} } }`,
    { p: paymentId },
    alice,
  );
  expect(confirmed.data?.confirmPayment.status).toBe('AUTHORIZED');
  return { orderId, paymentId, payment: confirmed.data!.confirmPayment };
}

const codeOf = (r: { errors?: ReadonlyArray<{ extensions?: Record<string, unknown> }> }) =>
  r.errors?.[0]?.extensions?.code;

async function paymentOf(paymentId: string) {
  const read = await h.graphql(`query($p: ID!) { payment(id: $p) { ${FIELDS} } }`, { p: paymentId }, finance);
  return read.data!.payment;
}

function shipment(orderId: string, shipmentId: string, amount: number, final?: boolean) {
  return createEvent('shipment.created', orderId, {
    orderId,
    shipmentId,
    lines: [{ productId: 'p-1', variantId: 'p-1', sku: 'SKU-1', quantity: 1, amount }],
    amount,
    ...(final === undefined ? {} : { final }),
    currency: 'USD',
    carrier: 'DHL',
    trackingNumber: `T-${shipmentId}`,
    trackingUrl: null,
  });
}

describe('shipment.created', () => {
  it("captures each shipment's amount once, then the rest with the last shipment", async () => {
    const { orderId, paymentId, payment } = await authorised(8_000);
    expect(payment).toMatchObject({ amountCaptured: { amount: 0 }, amountCapturable: { amount: 8_000 } });
    expect(h.published('payment.succeeded').some((p) => p.paymentId === paymentId)).toBe(true);

    const first = shipment(orderId, 'ship-1', 3_000);
    await h.bus.publish(first);
    await eventually(
      () => paymentOf(paymentId),
      (p) => p.status === 'PARTIALLY_CAPTURED',
      'first capture',
    );
    // The same event again, and another event about the same shipment: nothing more is taken.
    await h.bus.publish([first, shipment(orderId, 'ship-1', 3_000)]);
    await h.bus.publish(shipment(orderId, 'ship-2', 5_000));
    const done = await eventually(
      () => paymentOf(paymentId),
      (p) => p.status === 'CAPTURED',
      'last capture',
    );
    expect(done).toMatchObject({
      amountCaptured: { amount: 8_000 },
      amountCapturable: { amount: 0 },
      captures: [
        { key: 'shipment:ship-1', amount: { amount: 3_000 } },
        { key: 'shipment:ship-2', amount: { amount: 5_000 } },
      ],
    });
    const stored = await h.services.models.payments.findById(paymentId).lean();
    const captureEntries = stored!.auditTrail!.filter((e) => e.toStatus?.endsWith('CAPTURED'));
    expect(captureEntries.map((e) => [e.fromStatus, e.toStatus, e.actor.type])).toEqual([
      ['AUTHORIZED', 'PARTIALLY_CAPTURED', 'SYSTEM'],
      ['PARTIALLY_CAPTURED', 'CAPTURED', 'SYSTEM'],
    ]);
    expect(captureEntries[0]!.actor.eventId).toBe(first.id);
    const intent = await h.conn.collection('simulated_intents').findOne({ _id: payment.providerPaymentId });
    expect(intent).toMatchObject({ status: 'succeeded', amountReceived: 8_000 });
  });

  it('captures the rest of the order (shipping, its tax) with the final shipment', async () => {
    const { orderId, paymentId } = await authorised(8_000);
    await h.bus.publish(shipment(orderId, 'ship-a', 3_000, false));
    await eventually(
      () => paymentOf(paymentId),
      (p) => p.status === 'PARTIALLY_CAPTURED',
      'first capture',
    );
    // The lines of the last parcel are 4 000; the order's shipping and tax (1 000) go with it.
    await h.bus.publish(shipment(orderId, 'ship-b', 4_000, true));
    const done = await eventually(
      () => paymentOf(paymentId),
      (p) => p.status === 'CAPTURED',
      'final capture',
    );
    expect(done).toMatchObject({
      amountCaptured: { amount: 8_000 },
      amountCapturable: { amount: 0 },
      captures: [
        { key: 'shipment:ship-a', amount: { amount: 3_000 } },
        { key: 'shipment:ship-b', amount: { amount: 5_000 } },
      ],
    });
  });

  it('captures nothing of a payment that waits for approval', async () => {
    const { orderId, paymentId } = await authorised(150_000);
    expect((await paymentOf(paymentId)).approvalStatus).toBe('PENDING');
    const event = shipment(orderId, 'ship-early', 150_000);
    expect(
      await h.services.captureService.captureForShipment(
        { orderId, shipmentId: 'ship-early', amount: 150_000 },
        event.id,
      ),
    ).toBeNull();
    expect(await paymentOf(paymentId)).toMatchObject({ status: 'AUTHORIZED', amountCaptured: { amount: 0 } });
  });
});

describe('pendingPaymentApprovals', () => {
  it('lists authorised payments above the threshold with their lines and captures in one MongoDB command', async () => {
    const waiting = [await authorised(110_000), await authorised(130_000)];
    const requestId = `approvals-${randomUUID()}`;
    const res = await fetch(h.running.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-request-id': requestId,
        authorization: await h.tokens.bearer(finance),
      },
      body: JSON.stringify({
        query: `{ pendingPaymentApprovals { id approvalStatus amountCapturable { amount }
          lineItems { sku } captures { key } } }`,
      }),
    });
    const body = (await res.json()) as { data: { pendingPaymentApprovals: Array<{ id: string }> } };
    const ids = body.data.pendingPaymentApprovals.map((p) => p.id);
    expect(ids).toEqual(expect.arrayContaining(waiting.map((w) => w.paymentId)));
    expect(commandStats.forRequest(requestId, { database: h.conn.name })).toMatchObject({
      total: 1,
      byCommand: { find: 1 },
    });
  });
});

describe('authorisations about to lapse', () => {
  it('are voided (keeping what was captured), and one awaiting approval is rejected', async () => {
    const untouched = await authorised(2_000);
    const partial = await authorised(6_000);
    const pending = await authorised(120_000);
    const captured = await h.graphql(
      `mutation($p: ID!) { capturePayment(paymentId: $p, amount: 2500) { status } }`,
      { p: partial.paymentId },
      finance,
    );
    expect(captured.data?.capturePayment.status).toBe('PARTIALLY_CAPTURED');
    // None of these is old enough yet (a payment of an earlier test may be).
    await h.services.captureService.voidLapsing(new Date(Date.now() - VOID_AFTER_MS));
    expect((await paymentOf(untouched.paymentId)).status).toBe('AUTHORIZED');
    expect((await paymentOf(partial.paymentId)).status).toBe('PARTIALLY_CAPTURED');
    expect((await paymentOf(pending.paymentId)).status).toBe('AUTHORIZED');

    const later = new Date(Date.now() + VOID_AFTER_MS);
    expect(await h.services.captureService.voidLapsing(later)).toBeGreaterThanOrEqual(3);
    expect(await paymentOf(untouched.paymentId)).toMatchObject({ status: 'VOIDED' });
    expect(await paymentOf(partial.paymentId)).toMatchObject({
      status: 'CAPTURED',
      amountCaptured: { amount: 2_500 },
      amountCapturable: { amount: 0 },
    });
    expect(await paymentOf(pending.paymentId)).toMatchObject({
      status: 'VOIDED',
      approvalStatus: 'REJECTED',
    });
    await eventually(
      async () => h.published('payment.rejected').find((p) => p.paymentId === pending.paymentId),
      (p) => p !== undefined,
      'payment.rejected',
    );
  });
});

describe('a capture a crash interrupted', () => {
  it('is recorded from the provider under its key, or given back if the provider made none', async () => {
    const made = await authorised(4_000);
    const notMade = await authorised(4_000);
    const payments = h.services.models.payments;
    // What a process killed after the provider call (or before it) leaves behind: the claim.
    for (const p of [made, notMade])
      await payments.updateOne(
        { _id: p.paymentId },
        { $set: { captureInFlight: 1_500, captureInFlightKey: 'manual:1' } },
      );
    const provider = new SimulatedProvider(h.conn);
    await provider.captureIntent({
      intentId: made.payment.providerPaymentId,
      amount: 1_500,
      final: false,
      idempotencyKey: `novamart-capture-${made.paymentId}-manual:1`,
    });
    expect(
      codeOf(
        await h.graphql(
          `mutation($p: ID!) { capturePayment(paymentId: $p) { id } }`,
          { p: made.paymentId },
          finance,
        ),
      ),
    ).toBe('CONFLICT');

    expect(
      await h.services.captureService.finishStuckCaptures(0, new Date(Date.now() + 1_000)),
    ).toBeGreaterThanOrEqual(2);
    expect(await paymentOf(made.paymentId)).toMatchObject({
      status: 'PARTIALLY_CAPTURED',
      amountCaptured: { amount: 1_500 },
      captures: [{ key: 'manual:1', amount: { amount: 1_500 } }],
    });
    expect(await paymentOf(notMade.paymentId)).toMatchObject({
      status: 'AUTHORIZED',
      amountCaptured: { amount: 0 },
    });
    const rest = await h.graphql(
      `mutation($p: ID!) { capturePayment(paymentId: $p) { status amountCaptured { amount } } }`,
      { p: notMade.paymentId },
      finance,
    );
    expect(rest.data?.capturePayment).toEqual({ status: 'CAPTURED', amountCaptured: { amount: 4_000 } });
  });
});

describe('the simulated provider', () => {
  it('models authorisation, partial captures, the limit, void and expiry', async () => {
    const provider = new SimulatedProvider(h.conn, { authorizationTtlMs: 300 });
    const create = (key: string) =>
      provider.createIntent({
        amount: 1_000,
        currency: 'usd',
        metadata: {},
        idempotencyKey: key,
        captureMethod: 'manual',
        lineItems: [{ productId: 'p', sku: 'S', quantity: 2, amount: 1_000 }],
      });
    const a = await create(`a-${randomUUID()}`);
    const authorisedA = await provider.confirmIntent(a.id, 'pm_card_visa', `ca-${randomUUID()}`);
    expect(authorisedA).toMatchObject({ status: 'requires_capture', amountReceived: 0 });
    const part = await provider.captureIntent({
      intentId: a.id,
      amount: 400,
      final: false,
      idempotencyKey: 'k1',
    });
    expect(part).toMatchObject({ status: 'requires_capture', amountReceived: 400 });
    await expect(
      provider.captureIntent({ intentId: a.id, amount: 700, final: false, idempotencyKey: 'k2' }),
    ).rejects.toMatchObject({ code: 'amount_too_large' });
    // Voiding a partly captured authorisation keeps the captured part and releases the rest.
    const voided = await provider.cancelIntent(a.id, `va-${randomUUID()}`);
    expect(voided).toMatchObject({ status: 'succeeded', amountReceived: 400 });
    expect((await provider.intentRecord(a.id)).lineItems).toEqual([
      { productId: 'p', sku: 'S', quantity: 2, amount: 1_000 },
    ]);

    const b = await create(`b-${randomUUID()}`);
    await provider.confirmIntent(b.id, 'pm_card_visa', `cb-${randomUUID()}`);
    await eventually(
      async () => (await provider.retrieveIntent(b.id)).status,
      (status) => status === 'canceled',
      'the authorisation to lapse',
    );
    const refused = await provider
      .captureIntent({ intentId: b.id, amount: 100, final: true, idempotencyKey: 'k3' })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(CaptureRefusedError);
    expect((refused as CaptureRefusedError).code).toBe('authorization_expired_or_canceled');
  });
});
