import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import mongoose from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DomainEvent } from '@novamart/events';
import { uniqueDbName } from '@novamart/kit/testing';
import { usersSubgraph } from '@novamart/users';
import { productsSubgraph } from '@novamart/products';
import { inventorySubgraph } from '@novamart/inventory';
import { cartSubgraph } from '@novamart/cart';
import { ordersSubgraph } from '@novamart/orders';
import { startSupergraph, type SignedInUser, type Supergraph } from './support/supergraph';
import { checkout, createProduct } from './support/storefront';
import { eventually } from '@novamart/kit/testing';

/**
 * Issue 11, "payments reconcile": the payments subgraph runs as a real child process and is
 * killed with SIGKILL at each step of confirmPayment (PAYMENT_CRASH_POINT picks the step; the
 * process kills itself there, so the kill lands exactly between two steps). A fresh process is
 * then started on the same database and Redis streams, and the test checks what the customer and
 * the shop end with: the payment as the provider says, the order PAID once or payable again,
 * never charged twice, never charged for a cancelled order without a refund. Every other
 * subgraph runs in this process behind the gateway, over Redis Streams.
 */
const PRICE = 4_200; // with shipping (499 below 5000): order total 4699
let sg: Supergraph;
let paymentsDbName: string;
let paymentsDb: mongoose.Connection;
let ordersDb: mongoose.Connection;
const seen: DomainEvent[] = [];
const children = new Set<ChildProcess>();

function log(...parts: unknown[]) {
  console.warn('[payment-crash]', ...parts);
}

interface PaymentsProcess {
  url: string;
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
}

async function startPaymentsProcess(env: Record<string, string> = {}): Promise<PaymentsProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL('./support/payments-process.ts', import.meta.url))],
    {
      env: {
        ...process.env,
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
        MONGO_URL: sg.mongoUri,
        REDIS_URL: sg.redisUrl!,
        JWKS_URL: new URL('/.well-known/jwks.json', sg.subgraph('users').url).href,
        PAYMENTS_TEST_KEY_PREFIX: sg.keyPrefix,
        PAYMENTS_TEST_DB: paymentsDbName,
        ORDER_SYNC_WAIT_MS: '10000',
        // Anything in flight for more than half a second when a process starts was left by a crash.
        PAYMENT_RECONCILE_AFTER_MS: '500',
        PAYMENT_RECONCILE_INTERVAL_MS: '500',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.add(child);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    }),
  );
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const startedAt = Date.now();
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /READY (\S+)/.exec(out);
      if (match) resolve(match[1]!);
    });
    void exited.then(({ code, signal }) =>
      reject(new Error(`payments process exited (${code ?? signal}) before it was ready: ${stderr}`)),
    );
  });
  log(`payments process ${child.pid} ready in ${Date.now() - startedAt} ms`);
  return {
    url,
    child,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

async function gql(
  payments: PaymentsProcess,
  query: string,
  variables: Record<string, unknown>,
  token: string,
): Promise<{ data?: any; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> }> {
  const res = await fetch(new URL('/graphql', payments.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as never;
}

const CONFIRM = `mutation($p: ID!, $m: String!) { confirmPayment(paymentId: $p, paymentMethodId: $m) { id status } }`;

let customer: SignedInUser | undefined;

/** An order of the test's customer, reserved and AWAITING_PAYMENT, with its payment intent created. */
async function orderWithIntent(payments: PaymentsProcess, tag: string) {
  const productId = await createProduct(sg, `CRASH-${tag}-${randomUUID().slice(0, 8)}`, PRICE, 5);
  const buyer = (customer ??= await sg.customer('Crash'));
  const orderId = await checkout(sg, buyer, productId, `crash-${tag}`);
  log(`order ${orderId} placed`);
  await eventually(
    () => orderStatus(buyer, orderId),
    (s) => s === 'AWAITING_PAYMENT',
    { what: 'stock reserved', timeoutMs: 20_000 },
  );
  const created = await gql(
    payments,
    'mutation($o: ID!) { createPaymentIntent(orderId: $o) { id status } }',
    { o: orderId },
    buyer.token,
  );
  expect(created.errors).toBeUndefined();
  return { customer: buyer, orderId, paymentId: created.data.createPaymentIntent.id as string };
}

async function orderStatus(customer: SignedInUser, orderId: string): Promise<string | undefined> {
  const res = await sg.query(
    'query($id: ID!) { order(id: $id) { status } }',
    { id: orderId },
    {
      token: customer.token,
    },
  );
  return res.data?.order?.status;
}

// The test reads the subgraphs' own databases to see what a client cannot: intents, unsent events, history.
const payment = (paymentId: string) =>
  paymentsDb.collection('payments').findOne({ _id: new mongoose.Types.ObjectId(paymentId) });
// Intents and orders have string ids.
const byStringId = (id: string) => ({ _id: id as unknown as mongoose.Types.ObjectId });
const intentOf = async (paymentId: string) =>
  paymentsDb
    .collection('simulated_intents')
    .findOne(byStringId((await payment(paymentId))!.providerPaymentId as string));
const order = (orderId: string) => ordersDb.collection('orders').findOne(byStringId(orderId));
const eventsFor = (type: string, orderId: string) =>
  new Set(seen.filter((e) => e.type === type && e.aggregateId === orderId).map((e) => e.id));

/** Sends the confirmation the process dies in; the client sees the connection drop. */
async function confirmIntoCrash(
  payments: PaymentsProcess,
  customer: SignedInUser,
  paymentId: string,
  method: string,
) {
  const answer = await gql(payments, CONFIRM, { p: paymentId, m: method }, customer.token).then(
    (body) => ({ body }),
    (error: unknown) => ({ error }),
  );
  expect(answer).toHaveProperty('error'); // no answer: the process is gone
  const exit = await payments.exited;
  expect(exit.signal).toBe('SIGKILL');
}

/** What a customer and the shop must end with after a successful charge, whatever crashed. */
async function expectPaidOnce(customer: SignedInUser, orderId: string, paymentId: string) {
  await eventually(
    () => orderStatus(customer, orderId),
    (s) => s === 'PAID',
    { what: 'the order to be PAID', timeoutMs: 20_000 },
  );
  const intent = await intentOf(paymentId);
  const charges = (intent!.attempts as Array<{ outcome: string }>).filter((a) => a.outcome === 'succeeded');
  expect(charges).toHaveLength(1);
  expect(intent!.amountRefunded).toBe(0);
  expect((await payment(paymentId))!.status).toBe('SUCCEEDED');
  const history = (await order(orderId))!.statusHistory as Array<{ status: string }>;
  expect(history.filter((h) => h.status === 'PAID')).toHaveLength(1);
  await eventually(
    async () => eventsFor('order.paid', orderId).size,
    (n) => n >= 1,
    { what: 'order.paid', timeoutMs: 20_000 },
  );
  log(
    `verified: order ${orderId} PAID once (statusHistory ${history.map((h) => h.status).join(' → ')}),`,
    `provider charged once (${charges.length} succeeded attempt, ${intent!.amountRefunded} refunded)`,
  );
}

beforeAll(async () => {
  sg = await startSupergraph({
    subgraphs: [usersSubgraph, productsSubgraph, inventorySubgraph, cartSubgraph, ordersSubgraph],
    redis: true,
    // A payments process killed while a transaction of its own was open (the simulated provider
    // announces each confirmation, like Stripe's webhook, beside confirmPayment) holds the payment
    // until the database aborts that transaction: 60 s by default, which the restarted process
    // would wait out. Set low, as docs/architecture.md ("Replicas") advises wherever processes die.
    transactionLifetimeMs: 10_000,
    // This suite shares its machine with five payments processes starting: be patient with users.
    env: { LOG_LEVEL: 'error', SUBGRAPH_TIMEOUT_MS: '60000' },
  });
  await sg.admin();
  customer = await sg.customer('Crash');
  paymentsDbName = uniqueDbName('payments');
  paymentsDb = await mongoose.createConnection(sg.mongoUri, { dbName: paymentsDbName }).asPromise();
  ordersDb = sg.subgraph('orders').runtime.mongo;
  sg.bus.subscribe({
    group: 'crash-observer',
    types: ['order.paid', 'order.cancelled', 'payment.succeeded', 'refund.succeeded'],
    handler: async (event) => void seen.push(event),
  });
}, 120_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await paymentsDb?.close();
  await sg?.stop();
});

interface Scenario {
  name: string;
  step: 'after-claim' | 'after-provider' | 'after-record';
  method: string;
  process?: PaymentsProcess;
  customer?: SignedInUser;
  orderId?: string;
  paymentId?: string;
}

type ScenarioName = 'beforeProvider' | 'afterCharge' | 'afterDecline' | 'afterRecord' | 'cancelledMeanwhile';
const scenarios: Record<ScenarioName, Scenario> = {
  beforeProvider: { name: 'claim', step: 'after-claim', method: 'pm_card_visa' },
  afterCharge: { name: 'charged', step: 'after-provider', method: 'pm_card_visa' },
  afterDecline: {
    name: 'declined',
    step: 'after-provider',
    method: 'pm_card_chargeDeclinedInsufficientFunds',
  },
  afterRecord: { name: 'recorded', step: 'after-record', method: 'pm_card_visa' },
  cancelledMeanwhile: { name: 'cancelled', step: 'after-provider', method: 'pm_card_visa' },
};
let restarted: PaymentsProcess;

/**
 * One payments process per scenario, each armed to die at its step, started side by side (the
 * machine is shared; five processes cost little more than one). They consume the same Redis
 * group like replicas; none reconciles anything but at its own start (interval 10 minutes), so
 * what a crash leaves stays there until the restart.
 */
describe('a payments process killed in the middle of confirmPayment', () => {
  afterAll(async () => restarted?.stop());

  it('dies at each step and leaves what a crash there leaves', async () => {
    const all = Object.values(scenarios);
    const processes = await Promise.all(
      all.map((scenario) =>
        startPaymentsProcess({
          PAYMENT_CRASH_POINT: scenario.step,
          PAYMENT_RECONCILE_INTERVAL_MS: '600000',
        }),
      ),
    );
    for (const [i, scenario] of all.entries()) {
      scenario.process = processes[i]!;
      Object.assign(scenario, await orderWithIntent(scenario.process, scenario.name));
    }
    for (const scenario of all) {
      await confirmIntoCrash(scenario.process!, scenario.customer!, scenario.paymentId!, scenario.method);
    }

    const { beforeProvider, afterCharge, afterDecline, afterRecord, cancelledMeanwhile } =
      scenarios as Record<ScenarioName, Required<Scenario>>;
    expect((await payment(beforeProvider.paymentId!))!.status).toBe('PROCESSING');
    expect((await intentOf(beforeProvider.paymentId!))!.status).toBe('requires_payment_method');
    log(
      'injected: SIGKILL after the claim, before the provider call; left: payment PROCESSING, intent untouched',
    );

    expect((await payment(afterCharge.paymentId!))!.status).toBe('PROCESSING');
    expect((await intentOf(afterCharge.paymentId!))!.status).toBe('succeeded');
    log(
      'injected: SIGKILL after the provider charged, before recording; left: payment PROCESSING, intent succeeded',
    );

    expect((await payment(afterDecline.paymentId!))!.status).toBe('PROCESSING');
    expect((await intentOf(afterDecline.paymentId!))!.lastError).toMatchObject({
      declineCode: 'insufficient_funds',
    });
    log('injected: SIGKILL after the provider declined, before recording; left: payment PROCESSING');

    // The transition carries its events on the payment until the relay publishes them.
    const recorded = await payment(afterRecord.paymentId!);
    expect(recorded!.status).toBe('SUCCEEDED');
    const unsent = (recorded!.pendingEvents as { event: { type: string; aggregateId: string } }[]).filter(
      (entry) => entry.event.type === 'payment.succeeded' && entry.event.aggregateId === afterRecord.orderId,
    );
    expect(unsent).toHaveLength(1);
    expect(await orderStatus(afterRecord.customer!, afterRecord.orderId!)).toBe('AWAITING_PAYMENT');
    log(
      'injected: SIGKILL after recording SUCCEEDED, before the relay; left: payment.succeeded unsent on the payment',
    );

    expect((await intentOf(cancelledMeanwhile.paymentId!))!.status).toBe('succeeded');
    const cancelled = await sg.query(
      'mutation($id: ID!) { cancelOrder(id: $id, reason: "changed my mind") { status } }',
      { id: cancelledMeanwhile.orderId },
      { token: cancelledMeanwhile.customer!.token },
    );
    expect(cancelled.data?.cancelOrder.status).toBe('CANCELLED');
    log(
      'injected: SIGKILL after the provider charged; then the customer cancelled the order while payments was down',
    );

    restarted = await startPaymentsProcess();
  }, 480_000);

  it('before the provider call: after restart the payment is payable again, and paying it charges once', async () => {
    const { customer, orderId, paymentId } = scenarios.beforeProvider as Required<Scenario>;
    const reconciled = await eventually(
      () => payment(paymentId),
      (p) => p?.status !== 'PROCESSING',
      { what: 'start-up reconciliation', timeoutMs: 20_000 },
    );
    expect(reconciled!.status).toBe('REQUIRES_PAYMENT_METHOD');
    expect(await orderStatus(customer, orderId)).toBe('AWAITING_PAYMENT');
    log('verified: after restart the payment is REQUIRES_PAYMENT_METHOD (retryable), order AWAITING_PAYMENT');

    const retried = await gql(restarted, CONFIRM, { p: paymentId, m: 'pm_card_visa' }, customer.token);
    expect(retried.data?.confirmPayment.status).toBe('SUCCEEDED');
    await expectPaidOnce(customer, orderId, paymentId);
  }, 60_000);

  it('after the provider charged: after restart the payment is SUCCEEDED and the order PAID, once', async () => {
    const { customer, orderId, paymentId } = scenarios.afterCharge as Required<Scenario>;
    await expectPaidOnce(customer, orderId, paymentId);
    const again = await gql(restarted, CONFIRM, { p: paymentId, m: 'pm_card_visa' }, customer.token);
    expect(again.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const attempts = (await intentOf(paymentId))!.attempts as Array<{ outcome: string }>;
    expect(attempts.filter((a) => a.outcome === 'succeeded')).toHaveLength(1);
    log('verified: a second confirmation is CONFLICT and charges nothing');
  }, 60_000);

  it('after the provider declined: after restart the payment is FAILED with the decline, and a new card pays once', async () => {
    const { customer, orderId, paymentId } = scenarios.afterDecline as Required<Scenario>;
    const failed = await eventually(
      () => payment(paymentId),
      (p) => p?.status !== 'PROCESSING',
      { what: 'start-up reconciliation', timeoutMs: 20_000 },
    );
    expect(failed).toMatchObject({ status: 'FAILED', declineCode: 'insufficient_funds' });
    expect(await orderStatus(customer, orderId)).toBe('AWAITING_PAYMENT');
    log('verified: payment FAILED (insufficient_funds) as the provider says; order still AWAITING_PAYMENT');
    const retried = await gql(restarted, CONFIRM, { p: paymentId, m: 'pm_card_visa' }, customer.token);
    expect(retried.data?.confirmPayment.status).toBe('SUCCEEDED');
    await expectPaidOnce(customer, orderId, paymentId);
  }, 60_000);

  it('after the local write, before the outbox relay: the restarted relay publishes and the order is PAID once', async () => {
    const { customer, orderId, paymentId } = scenarios.afterRecord as Required<Scenario>;
    await expectPaidOnce(customer, orderId, paymentId);
  }, 60_000);

  it('charged, then the order cancelled while payments was down: after restart the charge is refunded in full', async () => {
    const { customer, orderId, paymentId } = scenarios.cancelledMeanwhile as Required<Scenario>;
    const refunded = await eventually(
      () => intentOf(paymentId),
      (i) => i?.amountRefunded === i?.amount,
      {
        what: 'the charge to be refunded',
        // The restarted process first replays the cancellation it missed and reconciles the charge;
        timeoutMs:
          // on a loaded 2-core runner that has taken longer than the helper's default 20 s.
          50_000,
      },
    );
    expect(refunded!.amount).toBe(PRICE + 499);
    const attempts = refunded!.attempts as Array<{ outcome: string }>;
    expect(attempts.filter((a) => a.outcome === 'succeeded')).toHaveLength(1);
    await eventually(
      () => orderStatus(customer, orderId),
      (s) => s === 'REFUNDED',
      { what: 'the order to be REFUNDED', timeoutMs: 20_000 },
    );
    const history = (await order(orderId))!.statusHistory as Array<{ status: string }>;
    expect(history.map((h) => h.status)).not.toContain('PAID');
    await eventually(
      () => payment(paymentId),
      (p) => p?.status === 'REFUNDED',
      { what: 'payment REFUNDED', timeoutMs: 20_000 },
    );
    log(
      `verified: provider charged once and refunded ${refunded!.amountRefunded} of ${refunded!.amount};`,
      `order ${history.map((h) => h.status).join(' → ')}`,
    );
  }, 60_000);
});
