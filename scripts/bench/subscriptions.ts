/**
 * Subscription fan-out (issue 10): N subscribers (graphql-ws, `perConnection` to a connection, in
 * a client process of their own) on one order's `orderStatusChanged`, selecting
 * `order { total items { product { name } } }` — a payload the gateway has to fetch through the
 * supergraph. Measured through the harness's gateway (HTTP to the subgraphs, in-process bus):
 *
 * - start: from the first subscribe message sent to the gateway listening for all N;
 * - heap: the gateway process's heap (after a full GC) per idle subscriber;
 * - delivery: `confirmPayment` sent → each subscriber's PAID event received, p50/p99, beside the
 *   same saga with a single subscriber (the saga's own latency), in the same run; "beyond the
 *   saga" is p99 with N minus the single subscriber's median;
 * - every subscriber must get the same, correct payload (counted, and printed when not).
 */
import { eventually } from '@novamart/kit/testing';
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startSupergraph, type Supergraph } from '../../tests/support/supergraph';
import { CHECKOUT_SUBGRAPHS } from '../../tests/support/subgraphs';
import { checkout, createProduct, mustSucceed, percentile } from '../../tests/support/storefront';
import type { SummaryRow } from './summary';

const SUBSCRIPTION = `subscription($o: ID!) {
  orderStatusChanged(orderId: $o) {
    status
    order { id total { amount currency } items { quantity product { name } } }
  }
}`;

export interface SubscriptionsBenchOptions {
  log?: (line: string) => void;
  subscribers?: number;
  perConnection?: number;
  /** Rounds with a single subscriber, for the saga's own latency. */
  singleRounds?: number;
}

interface Round {
  subscribers: number;
  startMs: number;
  /** Of startMs, until every connection was acknowledged. */
  connectMs: number;
  heapPerSubscriberKb: number;
  latencies: number[];
  missing: number;
  distinctPayloads: string[];
}

/** The subscriber process: sends and receives IPC messages (see lib/subscription-clients.ts). */
class Clients {
  private readonly child: ChildProcess;
  private readonly waiting = new Map<string, (message: any) => void>();

  constructor() {
    this.child = fork(fileURLToPath(new URL('./lib/subscription-clients.ts', import.meta.url)), {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (message: any) => {
      this.waiting.get(message.type)?.(message);
      this.waiting.delete(message.type);
    });
  }

  /** Sends `message` and resolves with the child's next message of type `answer`. */
  request(message: object, answer: string): Promise<any> {
    const answered = this.expect(answer);
    this.child.send(message);
    return answered;
  }

  expect(answer: string): Promise<any> {
    return new Promise((resolve) => this.waiting.set(answer, resolve));
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }
}

function fullGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

async function round(
  sg: Supergraph,
  productId: string,
  subscribers: number,
  perConnection: number,
  tag: string,
): Promise<Round> {
  const gc = fullGc();
  const customer = await sg.customer(`Subscriber ${tag}`);
  const orderId = await checkout(sg, customer, productId, `bench-subs-${tag}`);
  await eventually(
    () =>
      sg.query('query($id: ID!) { order(id: $id) { status } }', { id: orderId }, { token: customer.token }),
    (r) => r.data?.order?.status === 'AWAITING_PAYMENT',
    { what: 'AWAITING_PAYMENT' },
  );
  const paymentId: string = mustSucceed(
    await sg.query(
      'mutation($o: ID!) { createPaymentIntent(orderId: $o) { id } }',
      { o: orderId },
      { token: customer.token },
    ),
    'createPaymentIntent',
  ).createPaymentIntent.id;

  const clients = new Clients();
  try {
    await clients.expect('ready');
    const base = sg.gateway.activeSubscriptions();
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    const connections = Math.ceil(subscribers / perConnection);
    const t0 = performance.now();
    const connected = clients.expect('connected');
    await clients.request(
      {
        type: 'open',
        url: sg.wsUrl,
        token: customer.token,
        query: SUBSCRIPTION,
        variables: { o: orderId },
        connections,
        perConnection: Math.min(perConnection, subscribers),
      },
      'sent',
    );
    while (sg.gateway.activeSubscriptions() < base + subscribers) {
      if (performance.now() - t0 > 120_000) throw new Error('subscriptions did not start in 120 s');
      await new Promise((resolve) => setImmediate(resolve));
    }
    const startMs = performance.now() - t0;
    const connectMs = (await connected).at - (performance.timeOrigin + t0);
    gc();
    const heapPerSubscriberKb = (process.memoryUsage().heapUsed - heapBefore) / subscribers / 1024;

    const paidAt = performance.timeOrigin + performance.now();
    const paid = mustSucceed(
      await sg.query(
        'mutation($p: ID!) { confirmPayment(paymentId: $p, paymentMethodId: "pm_card_visa") { status } }',
        { p: paymentId },
        { token: customer.token },
      ),
      'confirmPayment',
    );
    if (paid.confirmPayment.status !== 'SUCCEEDED') throw new Error(`payment ${paid.confirmPayment.status}`);
    const collected = await clients.request(
      { type: 'collect', status: 'PAID', timeoutMs: 60_000 },
      'collected',
    );
    const arrivals = collected.arrivals as Array<number | null>;
    const latencies = arrivals
      .filter((at): at is number => at !== null)
      .map((at) => at - paidAt)
      .sort((a, b) => a - b);
    await clients.request({ type: 'close' }, 'closed');
    return {
      subscribers,
      startMs,
      connectMs,
      heapPerSubscriberKb,
      latencies,
      missing: arrivals.length - latencies.length,
      distinctPayloads: collected.payloads,
    };
  } finally {
    clients.kill();
  }
}

export async function benchSubscriptions(options: SubscriptionsBenchOptions = {}) {
  const log = options.log ?? (() => {});
  const subscribers = options.subscribers ?? Number(process.env.BENCH_SUBSCRIBERS ?? 1000);
  const perConnection = options.perConnection ?? 10;
  const singleRounds = options.singleRounds ?? 5;
  const sg = await startSupergraph({
    subgraphs: CHECKOUT_SUBGRAPHS,
  });
  try {
    const productId = await createProduct(sg, `BENCH-SUBS-${Date.now()}`, 1_999, 100);
    const single: number[] = [];
    for (let i = 0; i < singleRounds; i++) {
      const r = await round(sg, productId, 1, 1, `single-${i}`);
      if (r.missing) throw new Error('the single subscriber missed its PAID event');
      single.push(r.latencies[0]!);
    }
    single.sort((a, b) => a - b);
    const sagaMs = percentile(single, 50);
    log(
      `1 subscriber, ${singleRounds} rounds: confirmPayment → PAID p50 ${sagaMs} ms (${single.map((v) => v.toFixed(1)).join(', ')})`,
    );

    const many = await round(sg, productId, subscribers, perConnection, 'many');
    const p50 = percentile(many.latencies, 50);
    const p99 = percentile(many.latencies, 99);
    const beyond = Math.round((p99 - sagaMs) * 10) / 10;
    log(
      `${subscribers} subscribers (${perConnection}/connection): start ${many.startMs.toFixed(0)} ms (connections acknowledged at ${many.connectMs.toFixed(0)} ms), ` +
        `heap ${many.heapPerSubscriberKb.toFixed(1)} KB/subscriber, PAID p50 ${p50} ms p99 ${p99} ms ` +
        `(${beyond} ms beyond the saga), missing ${many.missing}, distinct payloads ${many.distinctPayloads.length}`,
    );
    if (many.distinctPayloads.length !== 1) log(`payloads: ${many.distinctPayloads.join('\n')}`);
    const summary: SummaryRow[] = [
      {
        work: `subscriptions: ${subscribers} subscribers, PAID delivered p99`,
        figure: `${p99} ms`,
        peer: `1 subscriber ${sagaMs} ms`,
        ratio: p99 / sagaMs,
        goal: `≤ saga + 25 ms (${beyond} ms beyond)`,
      },
      {
        work: `subscriptions: ${subscribers} starts`,
        figure: `${many.startMs.toFixed(0)} ms`,
        goal: '< 1000 ms',
      },
      {
        work: 'subscriptions: heap per idle subscriber',
        figure: `${many.heapPerSubscriberKb.toFixed(1)} KB`,
        goal: '< 20 KB',
      },
    ];
    return {
      subscribers,
      perConnection,
      sagaP50Ms: sagaMs,
      sagaSamplesMs: single,
      startMs: Math.round(many.startMs),
      connectMs: Math.round(many.connectMs),
      heapPerSubscriberKb: Math.round(many.heapPerSubscriberKb * 10) / 10,
      deliveredP50Ms: p50,
      deliveredP99Ms: p99,
      beyondSagaMs: beyond,
      missing: many.missing,
      distinctPayloads: many.distinctPayloads.length,
      summary,
    };
  } finally {
    await sg.stop();
  }
}
