/**
 * Checkout throughput: customers check out and pay concurrently through the gateway, each
 * watching their order over `myOrderUpdates` until it is PAID, on the simulated payment provider
 * and the in-process buses (the `npm start` setup). Reports orders/s reaching PAID and the
 * checkout-to-PAID latency per order.
 */
import { cartSubgraph } from '@novamart/cart';
import { inventorySubgraph } from '@novamart/inventory';
import { ordersSubgraph } from '@novamart/orders';
import { paymentsSubgraph } from '@novamart/payments';
import { productsSubgraph } from '@novamart/products';
import { usersSubgraph } from '@novamart/users';
import type { CommandStartedEvent } from 'mongodb';
import { currentRequestId } from '@novamart/kit';
import { startSupergraph, type SignedInUser } from '../../tests/support/supergraph';
import { checkout, createProduct, percentile } from '../../tests/support/storefront';

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
  const sg = await startSupergraph({ subgraphs: modules });
  try {
    const productId = await createProduct(sg, `BENCH-CHECKOUT-${Date.now()}`, 1_999, orders * 2);
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
    const counters = [...subgraphNames].map((name) => {
      const client = sg.subgraph(name).runtime.mongo.getClient();
      const count = (event: CommandStartedEvent) => {
        bump(commands, name);
        const kind = commandKind(event);
        bump(byKind, `${name}:${kind}`);
        bump(byCommand, `${name}:${kind}:${event.commandName}:${commandCollection(event)}`);
      };
      client.on('commandStarted', count);
      return () => client.off('commandStarted', count);
    });
    const t0 = performance.now();
    await Promise.all(Array.from({ length: concurrency }, () => worker()));
    const seconds = (performance.now() - t0) / 1000;
    await sg.settled();
    for (const stop of counters) stop();
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
      paid: latencies.length,
      firstAttemptFailures: failures.length,
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

/**
 * Who sent a command: a GraphQL request (it runs in a request's context), the outbox relay (its
 * collections), or otherwise an event consumer or background pass.
 */
function commandKind(event: CommandStartedEvent): 'request' | 'relay' | 'consumer' {
  if (currentRequestId() !== undefined) return 'request';
  // Inserting into the outbox is the writer's own command; publishing and marking are the relay's.
  return /^outbox/.test(commandCollection(event)) && event.commandName !== 'insert' ? 'relay' : 'consumer';
}

function commandCollection(event: CommandStartedEvent): string {
  const target = (event.command as Record<string, unknown>)[event.commandName];
  return typeof target === 'string' ? target : '';
}
