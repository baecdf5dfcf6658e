/**
 * Checkout throughput: customers check out and pay concurrently through the gateway, each
 * watching their order over `myOrderUpdates` until it is PAID, on the simulated payment provider
 * and the in-process buses (the `npm start` setup). Reports orders/s reaching PAID and the
 * checkout-to-PAID latency per order.
 */
import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { cartSubgraph } from '@novamart/cart';
import { inventorySubgraph } from '@novamart/inventory';
import { ordersSubgraph } from '@novamart/orders';
import { paymentsSubgraph } from '@novamart/payments';
import { productsSubgraph } from '@novamart/products';
import { usersSubgraph } from '@novamart/users';
import type { CommandFailedEvent, CommandStartedEvent } from 'mongodb';
import { currentRequestId } from '@novamart/kit';
import { PENDING_EVENTS_FIELD } from '@novamart/events';
import { SETTLED_CHECK_COMMENT, startSupergraph, type SignedInUser } from '../../tests/support/supergraph';
import { checkout, createProduct, percentile } from '../../tests/support/storefront';
import { repoRoot } from '../lib/supergraph-config';
import { prepareBaseline } from './lib/baseline';
import { startCpuProfile } from './lib/cpu-profile';
import { startChild } from './lib/processes';
import type { SummaryRow } from './summary';

export interface CheckoutBenchOptions {
  orders?: number;
  concurrency?: number;
  log?: (line: string) => void;
}

export async function benchCheckout(options: CheckoutBenchOptions = {}) {
  const orders = options.orders ?? Number(process.env.BENCH_ORDERS ?? 60);
  const concurrency = options.concurrency ?? Number(process.env.BENCH_CONCURRENCY ?? 6);
  const log = options.log ?? (() => {});
  const modules = [
    usersSubgraph,
    productsSubgraph,
    inventorySubgraph,
    cartSubgraph,
    ordersSubgraph,
    paymentsSubgraph,
  ];
  const subgraphNames = modules.map((m) => m.name);
  // As `npm start` runs them: subgraphs called in process, the database on a thread of its own.
  const sg = await startSupergraph({ subgraphs: modules, inProcess: true, mongoThread: true });
  try {
    const initialStock = orders * 2;
    const productId = await createProduct(sg, `BENCH-CHECKOUT-${Date.now()}`, 1_999, initialStock);
    log(`registering ${orders} customers`);
    const customers: SignedInUser[] = [];
    for (let i = 0; i < orders; i++) customers.push(await sg.customer(`Bench ${i}`));

    const latencies: number[] = [];
    // Every mutation is sent once: a failure is a first-attempt failure (read your own writes), counted, never retried.
    const failures: string[] = [];
    let next = 0;
    async function worker(): Promise<void> {
      for (let i = next++; i < orders; i = next++) {
        try {
          await order(i);
        } catch (error) {
          failures.push((error as Error).message);
        }
      }
    }
    async function order(i: number): Promise<void> {
      {
        const customer = customers[i]!;
        const updates = await sg.subscribe(
          'subscription { myOrderUpdates { status order { id } } }',
          {},
          { token: customer.token },
        );
        const started = performance.now();
        const orderId = await checkout(sg, customer, productId, `bench-${i}`);
        for (;;) {
          const event = await updates.next(30_000);
          const status = event.data?.myOrderUpdates?.status;
          if (status === 'AWAITING_PAYMENT') break;
          if (status === 'CANCELLED') throw new Error(`order ${orderId} was cancelled`);
        }
        const intent = await sg.query(
          'mutation($o: ID!) { createPaymentIntent(orderId: $o) { id } }',
          { o: orderId },
          { token: customer.token },
        );
        const paymentId = intent.data?.createPaymentIntent?.id;
        if (!paymentId) throw new Error(`createPaymentIntent failed: ${JSON.stringify(intent.errors)}`);
        const confirmed = await sg.query(
          'mutation($p: ID!) { confirmPayment(paymentId: $p, paymentMethodId: "pm_card_visa") { status } }',
          { p: paymentId },
          { token: customer.token },
        );
        if (confirmed.data?.confirmPayment?.status !== 'SUCCEEDED')
          throw new Error(`confirmPayment: ${JSON.stringify(confirmed)}`);
        for (;;) {
          const event = await updates.next(30_000);
          if (event.data?.myOrderUpdates?.status === 'PAID') break;
        }
        latencies.push(performance.now() - started);
        await updates.close();
      }
    }
    // Every MongoDB command any subgraph sends while the orders run (requests, event handlers,
    // relays, projections), per order paid: what an order costs the database end to end.
    const commands = new Map<string, number>();
    const byKind = new Map<string, number>();
    const byCommand = new Map<string, number>();
    const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
    // A command that fails with TransientTransactionError makes its transaction run again: the
    // happy path should have none (the goal), so they are counted per subgraph.
    const transientRetries = new Map<string, number>();
    const counters = [...subgraphNames].map((name) => {
      const client = sg.subgraph(name).runtime.mongo.getClient();
      const count = (event: CommandStartedEvent) => {
        // The harness polling for quiet at the end is the benchmark's work, not the orders'.
        if ((event.command as { comment?: unknown }).comment === SETTLED_CHECK_COMMENT) return;
        bump(commands, name);
        const kind = commandKind(event);
        bump(byKind, `${name}:${kind}`);
        bump(byCommand, `${name}:${kind}:${event.commandName}:${commandCollection(event)}`);
      };
      const failed = (event: CommandFailedEvent) => {
        const labels = (event.failure as { errorLabels?: string[] }).errorLabels ?? [];
        if (labels.includes('TransientTransactionError')) bump(transientRetries, name);
      };
      client.on('commandStarted', count);
      client.on('commandFailed', failed);
      return () => {
        client.off('commandStarted', count);
        client.off('commandFailed', failed);
      };
    });
    // BENCH_PROFILE=<file>: this process's CPU profile (gateway and subgraphs) while the orders run.
    const stopProfile = process.env.BENCH_PROFILE ? await startCpuProfile() : undefined;
    const t0 = performance.now();
    const loop0 = performance.eventLoopUtilization();
    await Promise.all(Array.from({ length: concurrency }, () => worker()));
    const seconds = (performance.now() - t0) / 1000;
    // How busy the thread running the gateway and subgraphs was: near 1, CPU is the limit; well
    // below, the orders wait on something else (a lock, a timer, the database's thread).
    const mainThreadBusy = performance.eventLoopUtilization(loop0).utilization;
    await stopProfile?.(process.env.BENCH_PROFILE!);
    await sg.settled();
    for (const stop of counters) stop();
    const stock = await soldStock(sg, productId, initialStock);
    const totalCommands = [...commands.values()].reduce((sum, n) => sum + n, 0);
    const perOrder = (n: number) => Math.round((n / Math.max(1, latencies.length)) * 10) / 10;
    latencies.sort((a, b) => a - b);
    return {
      scenario:
        'addToCart → checkout → AWAITING_PAYMENT → createPaymentIntent → confirmPayment(pm_card_visa) → PAID, simulated provider, in-process buses, embedded MongoDB',
      orders,
      concurrency,
      seconds: Math.round(seconds * 100) / 100,
      ordersPerSecondToPaid: Math.round((latencies.length / seconds) * 100) / 100,
      mainThreadBusy: Math.round(mainThreadBusy * 100) / 100,
      paid: latencies.length,
      firstAttemptFailures: failures.length,
      transientTransactionRetries: [...transientRetries.values()].reduce((sum, n) => sum + n, 0),
      transientTransactionRetriesBySubgraph: Object.fromEntries(transientRetries),
      // One unit per paid order: inventory must show exactly that many sold, none beyond the stock.
      unitsSold: stock.sold,
      oversold: Math.max(0, stock.sold - initialStock) + Math.max(0, -stock.available),
      stockAgreesWithPaidOrders: stock.sold === latencies.length && stock.reserved === 0,
      ...(failures.length > 0 ? { firstFailure: failures[0] } : {}),
      checkoutToPaidP50Ms: percentile(latencies, 50),
      checkoutToPaidP99Ms: percentile(latencies, 99),
      mongoCommandsPerOrder: perOrder(totalCommands),
      mongoCommandsPerOrderBySubgraph: Object.fromEntries(
        [...commands].map(([name, n]) => [name, perOrder(n)]),
      ),
      mongoCommandsPerOrderByKind: Object.fromEntries(
        [...byKind].sort().map(([key, n]) => [key, perOrder(n)]),
      ),
      ...(process.env.BENCH_COMMAND_DETAIL
        ? {
            mongoCommandsPerOrderByCommand: Object.fromEntries(
              [...byCommand].sort().map(([key, n]) => [key, perOrder(n)]),
            ),
          }
        : {}),
    };
  } finally {
    await sg.stop();
  }
}

/** The goals of every run, not of a ratio: no transaction ran twice, nothing was sold beyond the stock. */
function happyPathRows(runs: readonly CheckoutFigures[]): SummaryRow[] {
  const worst = (key: 'transientTransactionRetries' | 'oversold') =>
    Math.max(...runs.map((run) => run[key] ?? Number.NaN));
  return [
    {
      work: 'checkout → PAID, transient transaction retries (worst run)',
      figure: String(worst('transientTransactionRetries')),
      goal: '0',
    },
    { work: 'checkout → PAID, units oversold (worst run)', figure: String(worst('oversold')), goal: '0' },
  ];
}

/** The product's stock through the gateway once every order is paid: sold is what left onHand. */
async function soldStock(
  sg: Awaited<ReturnType<typeof startSupergraph>>,
  productId: string,
  initialStock: number,
): Promise<{ sold: number; available: number; reserved: number }> {
  const result = await sg.query(
    'query($id: ID!) { product(id: $id) { inventory { onHand available reserved } } }',
    {
      id: productId,
    },
  );
  const inventory = result.data?.product?.inventory as
    { onHand: number; available: number; reserved: number } | undefined;
  if (!inventory) throw new Error(`the product's stock could not be read: ${JSON.stringify(result.errors)}`);
  return {
    sold: initialStock - inventory.onHand,
    available: inventory.available,
    reserved: inventory.reserved,
  };
}

/**
 * Who sent a command: a GraphQL request (it runs in a request's context), the outbox relay (its
 * collections), or otherwise an event consumer or background pass.
 */
function commandKind(event: CommandStartedEvent): 'request' | 'relay' | 'consumer' {
  if (currentRequestId() !== undefined) return 'request';
  // Inserting into the outbox is the writer's own command; publishing and marking are the relay's,
  // as are its lease and its reads and pulls of the events documents carry.
  const collection = commandCollection(event);
  if (/_relay_lease$/.test(collection)) return 'relay';
  if (/^outbox/.test(collection)) return event.commandName === 'insert' ? 'consumer' : 'relay';
  return touchesPendingEvents(event) ? 'relay' : 'consumer';
}

/** The relay's find of documents carrying events, or its `$pull` of those it published. */
function touchesPendingEvents(event: CommandStartedEvent): boolean {
  const command = event.command as {
    filter?: Record<string, unknown>;
    updates?: { u?: { $pull?: Record<string, unknown> } }[];
  };
  if (event.commandName === 'find')
    return command.filter?.[`${PENDING_EVENTS_FIELD}.createdAt`] !== undefined;
  if (event.commandName === 'update')
    return command.updates?.some((u) => u.u?.$pull?.[PENDING_EVENTS_FIELD] !== undefined) ?? false;
  return false;
}

function commandCollection(event: CommandStartedEvent): string {
  const target = (event.command as Record<string, unknown>)[event.commandName];
  return typeof target === 'string' ? target : '';
}

/** Who runs in a side-by-side round: this tree, the baseline ref, and this tree on BENCH_NODE. */
type Side = 'tree' | 'baseline' | 'treeOnNode';

interface CheckoutFigures {
  ordersPerSecondToPaid: number;
  /** Absent from a baseline whose bench did not count them. */
  mongoCommandsPerOrder?: number;
  checkoutToPaidP50Ms: number;
  /** Absent from a baseline whose bench did not count them, as the two below. */
  firstAttemptFailures?: number;
  transientTransactionRetries?: number;
  oversold?: number;
}

/**
 * `npm run bench checkout`: with a baseline ref (`--baseline-ref`, BENCH_BASELINE_REF), this tree
 * and the ref each run the benchmark in a process of their own, alternating for BENCH_ROUNDS
 * rounds (default 2), and the ratios of their medians are printed; BENCH_NODE=<binary> adds this
 * tree on that Node to each round (its ratio is to the baseline on this Node). Without a ref, a run
 * in this process against the goal (≤ 50 commands per order).
 */
export async function benchCheckoutSideBySide(log: (line: string) => void) {
  const ref = process.env.BENCH_BASELINE_REF;
  if (!ref) {
    const figures = await benchCheckout({ log });
    const summary: SummaryRow[] = [
      {
        work: 'checkout → PAID, MongoDB commands per order',
        figure: String(figures.mongoCommandsPerOrder),
        peer: 'goal 50',
        ratio: Math.round((figures.mongoCommandsPerOrder / 50) * 100) / 100,
        goal: '≤ 50 (ratio ≤ 1)',
      },
      ...happyPathRows([figures]),
    ];
    return { ...figures, summary };
  }
  const baseline = prepareBaseline(ref, log);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
  // BENCH_NODE=<binary>: this tree also on that Node (the Dockerfile's, a lever of its own).
  const otherNode = process.env.BENCH_NODE;
  const runs: Record<Side, CheckoutFigures[]> = { tree: [], baseline: [], treeOnNode: [] };
  const sides: [Side, string, string | undefined][] = [
    ['tree', repoRoot, undefined],
    ['baseline', baseline.dir, undefined],
    ...(otherNode ? [['treeOnNode', repoRoot, otherNode] as [Side, string, string]] : []),
  ];
  const nodeVersion = otherNode ? execFileSync(otherNode, ['--version'], { encoding: 'utf8' }).trim() : '';
  const sideName = (side: Side) =>
    side === 'tree'
      ? 'this tree'
      : side === 'treeOnNode'
        ? `this tree on Node ${nodeVersion}`
        : `${ref} (${baseline.commit.slice(0, 12)})`;
  for (let round = 1; round <= rounds; round++) {
    for (const [side, cwd, node] of sides) {
      const child = await startChild<CheckoutFigures>('scripts/bench/lib/checkout-child.ts', {
        cwd,
        timeoutMs: 600_000,
        ...(node ? { node } : {}),
      });
      await child.stop();
      const { ordersPerSecondToPaid, mongoCommandsPerOrder, checkoutToPaidP50Ms, firstAttemptFailures } =
        child.info;
      const { transientTransactionRetries, oversold } = child.info;
      runs[side].push({
        ordersPerSecondToPaid,
        mongoCommandsPerOrder,
        checkoutToPaidP50Ms,
        firstAttemptFailures,
        transientTransactionRetries,
        oversold,
      });
      const unknown = (n: number | undefined) => (n === undefined ? 'not counted' : String(n));
      log(
        `round ${round} ${sideName(side)}: ` +
          `${child.info.ordersPerSecondToPaid} orders/s, ${unknown(mongoCommandsPerOrder)} commands per order, ` +
          `p50 ${child.info.checkoutToPaidP50Ms} ms, ${unknown(firstAttemptFailures)} first-attempt failures, ` +
          `transient transaction retries ${unknown(transientTransactionRetries)}, oversold ${unknown(oversold)}`,
      );
    }
  }
  // The lower median with an even number of rounds.
  const median = (side: Side, key: 'ordersPerSecondToPaid' | 'mongoCommandsPerOrder') => {
    const values = runs[side].map((r) => r[key] ?? Number.NaN).sort((a, b) => a - b);
    return values[Math.floor((values.length - 1) / 2)]!;
  };
  const spread = (side: Side) => runs[side].map((r) => r.ordersPerSecondToPaid).join('/');
  const rate = {
    tree: median('tree', 'ordersPerSecondToPaid'),
    base: median('baseline', 'ordersPerSecondToPaid'),
  };
  const commands = {
    tree: median('tree', 'mongoCommandsPerOrder'),
    // A ref older than the command counting reports none.
    base: runs.baseline.some((r) => r.mongoCommandsPerOrder === undefined)
      ? undefined
      : median('baseline', 'mongoCommandsPerOrder'),
  };
  const summary: SummaryRow[] = [
    {
      work: 'checkout → PAID, orders/s (concurrency 6)',
      figure: `${rate.tree} (${spread('tree')})`,
      peer: `${ref} ${rate.base} (${spread('baseline')})`,
      ratio: Math.round((rate.tree / rate.base) * 100) / 100,
      goal: '≥ 5',
    },
    {
      work: 'checkout → PAID, MongoDB commands per order',
      figure: String(commands.tree),
      peer: `${ref} ${commands.base ?? 'not counted'}`,
      ...(commands.base !== undefined && {
        ratio: Math.round((commands.tree / commands.base) * 100) / 100,
      }),
      goal: '≤ 50 commands',
    },
    ...(otherNode
      ? [
          {
            work: `checkout → PAID, orders/s on Node ${nodeVersion} (concurrency 6)`,
            figure: `${median('treeOnNode', 'ordersPerSecondToPaid')} (${spread('treeOnNode')})`,
            peer: `${ref} ${rate.base} on ${process.version}`,
            ratio: Math.round((median('treeOnNode', 'ordersPerSecondToPaid') / rate.base) * 100) / 100,
            goal: '≥ 5',
          },
        ]
      : []),
    ...happyPathRows([...runs.tree, ...runs.treeOnNode]),
  ];
  return { baseline: { ref, commit: baseline.commit }, rounds: runs, summary };
}
