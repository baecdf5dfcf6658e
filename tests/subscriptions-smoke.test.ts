import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usersSubgraph } from '@novamart/users';
import { ordersSubgraph } from '@novamart/orders';
import { eventually } from '@novamart/kit/testing';
import { startSupergraph, type SignedInUser, type Supergraph } from './support/supergraph';
import { CHECKOUT_SUBGRAPHS } from './support/subgraphs';

// Live order and payment status through the gateway's federated subscriptions, driven by the
// real subgraphs' outbox events: each event arrives resolved across orders, products, inventory
// and payments, as a query for the same fields would return it.
const ORDER_UPDATES = /* GraphQL */ `
  subscription Watch($orderId: ID!) {
    orderStatusChanged(orderId: $orderId) {
      status
      previousStatus
      order {
        id
        total {
          formatted
        }
        items {
          quantity
          product {
            name
            inventory {
              reserved
            }
          }
        }
        payment {
          status
        }
      }
    }
  }
`;

describe('federated subscriptions with the real subgraphs', () => {
  let sg: Supergraph;
  let alice: SignedInUser;
  let orderId: string;

  beforeAll(async () => {
    sg = await startSupergraph({
      subgraphs: CHECKOUT_SUBGRAPHS,
    });
    const admin = await sg.admin();
    const created = await sg.query(
      'mutation($input: ProductInput!) { createProduct(input: $input) { id } }',
      {
        input: {
          sku: 'LIVE-1',
          name: 'Live Kettle',
          description: 'Watched while it boils',
          priceAmount: 4500,
          currency: 'USD',
          initialStock: 5,
        },
      },
      { token: admin.token },
    );
    const productId = created.data.createProduct.id as string;
    alice = await sg.customer('Alice');
    // Right after createProduct: the cart asks products and inventory, so no event needs to have arrived.
    const added = await sg.query(
      'mutation($p: ID!) { addToCart(productId: $p, quantity: 2) { itemCount } }',
      { p: productId },
      { token: alice.token },
    );
    expect(added.errors).toBeUndefined();
    const checkout = await (async () => {
      const result = await sg.query(
        'mutation($input: CheckoutInput!) { checkout(input: $input) { id status } }',
        {
          input: {
            idempotencyKey: 'live-smoke-1',
            shippingAddress: {
              name: 'Alice',
              line1: '1 Main St',
              city: 'Springfield',
              postalCode: '12345',
              country: 'US',
            },
          },
        },
        { token: alice.token },
      );
      expect(result.errors).toBeUndefined();
      return result.data.checkout;
    })();
    orderId = checkout.id;
    // Stock is reserved by event: wait until the order awaits payment before watching it.
    await eventually(
      async () => {
        const result = await sg.query(
          'query($id: ID!) { order(id: $id) { status } }',
          { id: orderId },
          { token: alice.token },
        );
        return result.data?.order?.status === 'AWAITING_PAYMENT' ? true : undefined;
      },
      { what: 'the order to await payment', timeoutMs: 15_000 },
    );
  });
  afterAll(async () => {
    await sg?.stop();
  });

  it('refuses another customer’s order with FORBIDDEN at subscribe time', async () => {
    const bob = await sg.customer('Bob');
    const watch = await sg.subscribe(ORDER_UPDATES, { orderId }, { token: bob.token });
    expect(watch.error).toEqual([
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'FORBIDDEN' }) }),
    ]);
  });

  it('delivers PAID and SUCCEEDED with fields from orders, products, inventory and payments', async () => {
    const orderWatch = await sg.subscribe(ORDER_UPDATES, { orderId }, { token: alice.token });
    const paymentWatch = await sg.subscribe(
      'subscription($orderId: ID!) { paymentStatusChanged(orderId: $orderId) { status payment { amount { amount } order { id } } } }',
      { orderId },
      { token: alice.token },
    );
    expect(orderWatch.error).toBeUndefined();
    expect(paymentWatch.error).toBeUndefined();

    const intent = await sg.query(
      'mutation($o: ID!) { createPaymentIntent(orderId: $o) { id } }',
      { o: orderId },
      { token: alice.token },
    );
    expect(intent.errors).toBeUndefined();
    const confirmed = await sg.query(
      'mutation($p: ID!) { confirmPayment(paymentId: $p, paymentMethodId: "pm_card_visa") { status } }',
      { p: intent.data.createPaymentIntent.id },
      { token: alice.token },
    );
    expect(confirmed.errors).toBeUndefined();

    const paid = await orderWatch.next(15_000);
    expect(paid.errors).toBeUndefined();
    expect(paid.data.orderStatusChanged).toMatchObject({
      status: 'PAID',
      previousStatus: 'AWAITING_PAYMENT',
      order: {
        id: orderId,
        items: [{ quantity: 2, product: { name: 'Live Kettle' } }],
        payment: { status: 'SUCCEEDED' },
      },
    });
    // Exactly what a query for the same fields returns now.
    const query = await sg.query(
      'query($id: ID!) { order(id: $id) { id total { formatted } items { quantity product { name inventory { reserved } } } payment { status } } }',
      { id: orderId },
      { token: alice.token },
    );
    expect(paid.data.orderStatusChanged.order.total).toEqual(query.data.order.total);

    const statuses: string[] = [];
    for (;;) {
      const event = await paymentWatch.next(15_000);
      expect(event.errors).toBeUndefined();
      statuses.push(event.data.paymentStatusChanged.status);
      expect(event.data.paymentStatusChanged.payment.order.id).toBe(orderId);
      if (event.data.paymentStatusChanged.status === 'SUCCEEDED') break;
    }
    expect(statuses.at(-1)).toBe('SUCCEEDED');

    await orderWatch.close();
    await paymentWatch.close();
    await eventually(
      async () =>
        sg.gateway.activeSubscriptions() === 0 && sg.live.activeChannelCount() === 0 ? true : undefined,
      { what: 'the subscriptions to end', timeoutMs: 15_000 },
    );
  });
});

describe('two gateway instances over Redis', () => {
  let sg: Supergraph;
  beforeAll(async () => {
    sg = await startSupergraph({ subgraphs: [usersSubgraph, ordersSubgraph], redis: true });
  });
  afterAll(async () => {
    await sg?.stop();
  });

  it('delivers one published status change to a subscriber on each instance', async () => {
    const alice = await sg.customer('Alice');
    const second = await sg.startExtraGateway();
    const query = 'subscription { myOrderUpdates { status previousStatus reason } }';
    const onFirst = await sg.subscribe(query, {}, { token: alice.token });
    const onSecond = await sg.subscribe(query, {}, { token: alice.token, gateway: second });
    // What the orders subgraph publishes after an order.status_changed event.
    await sg.live.publish(`user-orders:${alice.userId}`, {
      orderId: 'o-1',
      userId: alice.userId,
      status: 'SHIPPED',
      previousStatus: 'PAID',
      reason: 'tracking 1Z999',
      at: new Date().toISOString(),
      eventId: 'evt-two-gateways',
    });
    const expected = {
      data: { myOrderUpdates: { status: 'SHIPPED', previousStatus: 'PAID', reason: 'tracking 1Z999' } },
    };
    expect(await onFirst.next()).toEqual(expected);
    expect(await onSecond.next()).toEqual(expected);
    await onFirst.close();
    await onSecond.close();
    await eventually(
      async () =>
        sg.gateway.activeSubscriptions() === 0 && second.activeSubscriptions() === 0 ? true : undefined,
      { what: 'both instances to unsubscribe', timeoutMs: 15_000 },
    );
  });
});
