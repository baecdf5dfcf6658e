/**
 * Event-to-subscriber latency: from a signed Stripe webhook (`payment_intent.succeeded`) arriving
 * at the payments subgraph to the subscriber's `paymentStatusChanged` event, fully resolved
 * through the supergraph, over Redis Streams and Redis pub/sub (the multi-process setup). The
 * Stripe provider talks to a local server speaking Stripe's API; the webhook is signed with the
 * stripe SDK's own test helper.
 */
import Stripe from 'stripe';
import { cartSubgraph } from '@novamart/cart';
import { inventorySubgraph } from '@novamart/inventory';
import { ordersSubgraph } from '@novamart/orders';
import { paymentsSubgraph } from '@novamart/payments';
import { productsSubgraph } from '@novamart/products';
import { usersSubgraph } from '@novamart/users';
import { startSupergraph } from '../../tests/support/supergraph';
import { startFakeStripe } from '../../subgraphs/payments/test/support/fake-stripe-server';
import { checkout, createProduct, percentile } from '../../tests/support/storefront';
import { eventually } from '@novamart/kit/testing';

const WEBHOOK_SECRET = 'whsec_bench';

export async function benchPaymentLatency(options: { samples?: number; log?: (line: string) => void } = {}) {
  const samples = options.samples ?? Number(process.env.BENCH_SAMPLES ?? 40);
  const log = options.log ?? (() => {});
  const stripe = await startFakeStripe();
  const signer = new Stripe('sk_test_signing_only');
  const sg = await startSupergraph({
    subgraphs: [
      usersSubgraph,
      productsSubgraph,
      inventorySubgraph,
      cartSubgraph,
      ordersSubgraph,
      paymentsSubgraph,
    ],
    redis: true,
    env: {
      STRIPE_SECRET_KEY: 'sk_test_bench',
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      STRIPE_API_URL: stripe.url,
    },
  });
  try {
    const webhookUrl = new URL('/webhooks/stripe', sg.subgraph('payments').url).toString();
    const productId = await createProduct(sg, `BENCH-LATENCY-${Date.now()}`, 2_500, samples * 2);
    const latencies: number[] = [];
    for (let i = 0; i < samples; i++) {
      const customer = await sg.customer(`Latency ${i}`);
      const orderId = await checkout(sg, customer, productId, `latency-${i}`);
      await eventually(
        () =>
          sg.query(
            'query($id: ID!) { order(id: $id) { status } }',
            { id: orderId },
            { token: customer.token },
          ),
        (r) => r.data?.order?.status === 'AWAITING_PAYMENT',
        { what: 'AWAITING_PAYMENT', timeoutMs: 20_000 },
      );
      const live = await sg.subscribe(
        'subscription($o: ID!) { paymentStatusChanged(orderId: $o) { status payment { id amount { formatted } order { status } } } }',
        { o: orderId },
        { token: customer.token },
      );
      const intent = await sg.query(
        'mutation($o: ID!) { createPaymentIntent(orderId: $o) { id providerPaymentId } }',
        { o: orderId },
        { token: customer.token },
      );
      const providerId: string = intent.data!.createPaymentIntent.providerPaymentId;
      await live.next(); // REQUIRES_PAYMENT_METHOD
      const payload = JSON.stringify({
        id: `evt_bench_${i}_${Date.now()}`,
        object: 'event',
        type: 'payment_intent.succeeded',
        data: { object: { ...stripe.intents.get(providerId), status: 'succeeded' } },
      });
      const started = performance.now();
      const response = await fetch(webhookUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'stripe-signature': signer.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET }),
        },
        body: payload,
      });
      if (response.status !== 200) throw new Error(`webhook answered ${response.status}`);
      const event = await live.next(10_000);
      if (event.data?.paymentStatusChanged?.status !== 'SUCCEEDED')
        throw new Error(`unexpected event ${JSON.stringify(event)}`);
      latencies.push(performance.now() - started);
      await live.close();
      if ((i + 1) % 10 === 0) log(`${i + 1}/${samples} samples`);
    }
    latencies.sort((a, b) => a - b);
    return {
      scenario:
        'signed Stripe webhook → payments → outbox → Redis Streams → live bus (Redis pub/sub) → gateway resolves the selection → graphql-ws client',
      samples,
      webhookToSubscriberP50Ms: percentile(latencies, 50),
      webhookToSubscriberP99Ms: percentile(latencies, 99),
      webhookToSubscriberMaxMs: percentile(latencies, 100),
    };
  } finally {
    await sg.stop();
    await stripe.close();
  }
}
