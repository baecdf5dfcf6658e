import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notificationsSubgraph } from '@novamart/notifications';
import { eventually } from '@novamart/kit/testing';
import { CARRIER_SIGNATURE_HEADER, signCarrierPayload } from '@novamart/orders';
import {
  startSupergraph,
  type GraphQLResponse,
  type LiveSubscription,
  type SignedInUser,
  type Supergraph,
} from './support/supergraph';
import {
  awaitPayment,
  checkout,
  createProduct,
  mustSucceed,
  paymentIntent,
  payWithTestCard,
} from './support/storefront';
import { CHECKOUT_SUBGRAPHS } from './support/subgraphs';

/**
 * After-sales through the gateway: an order of two lines shipped in two parcels by a DISPATCHER
 * (PROCESSING, then SHIPPED, then DELIVERED), each parcel mailed and announced live with its
 * tracking link; a return of one delivered line, approved by SUPPORT, received and restocked and
 * refunded exactly that line; a return outside the window refused; staff mutations refused to the
 * roles that do not hold them.
 */
const SUBGRAPHS = [...CHECKOUT_SUBGRAPHS, notificationsSubgraph];

const CREATE_SHIPMENT = `mutation($i: CreateShipmentInput!) { createShipment(input: $i) {
  id status trackingUrl amount { amount currency } lines { sku quantity amount { amount } product { id } }
  order { id status shipments { id } }
} }`;
const SHIPMENT_DELIVERED = `mutation($s: ID!) { markShipmentDelivered(shipmentId: $s) {
  id status deliveredAt order { status }
} }`;
const REQUEST_RETURN = `mutation($i: RequestReturnInput!) { requestReturn(input: $i) {
  id status amount { amount } lines { sku quantity amount { amount } }
} }`;
const ORDER = `query($id: ID!) { order(id: $id) {
  status amountRefunded { amount }
  shipments { id status carrier trackingNumber trackingUrl amount { amount } lines { sku quantity } }
  returns { id status reason decisionReason restocked amount { amount } }
} }`;
const INVENTORY = `query($id: ID!) { product(id: $id) { inventory { onHand available reserved } } }`;
const MOVEMENTS = `query($id: ID!) { stockMovements(productId: $id, first: 10) {
  edges { node { delta reason reference } }
} }`;
const OUTBOX = `query($r: String!) { devOutbox(recipient: $r, first: 20) { subject text } }`;

const DAY_MS = 24 * 60 * 60 * 1000;
const CARRIER_SECRET = 'carrier-webhook-secret-for-tests';

function codeAndField(result: GraphQLResponse) {
  const error = result.errors?.[0];
  return { code: error?.extensions?.code, field: error?.extensions?.field };
}

/**
 * The updates of an order subscription as they come: `until(accept)` returns the first one received
 * (before or after the call) that satisfies `accept`, reading more (each within 10 s) as needed.
 * Messages of different streams (a shipment, a status change) may arrive in either order.
 */
function liveUpdates(live: LiveSubscription) {
  const seen: Record<string, any>[] = [];
  return {
    async until(accept: (update: Record<string, any>) => boolean): Promise<Record<string, any>> {
      for (let i = 0; ; i++) {
        const found = seen.find(accept);
        if (found) return found;
        if (i >= 10) throw new Error(`no live update matched; saw ${JSON.stringify(seen)}`);
        const update = (await live.next()).data?.orderStatusChanged as Record<string, any> | undefined;
        if (update) seen.push(update);
      }
    },
  };
}

describe('shipments and returns through the gateway', () => {
  let sg: Supergraph;
  let admin: SignedInUser;
  let dispatcher: SignedInUser;
  let support: SignedInUser;
  let customer: SignedInUser;
  let mug: string;
  let lamp: string;
  let orderId: string;
  const shipmentIds: string[] = [];

  /** A fresh account given `role` by the administrator, logged in again so its token carries it. */
  async function staff(role: string): Promise<SignedInUser> {
    const user = await sg.customer(role.toLowerCase());
    mustSucceed(
      await sg.query(
        'mutation($id: ID!, $role: Role!) { setUserRole(userId: $id, role: $role) { role } }',
        { id: user.userId, role },
        { token: admin.token },
      ),
      'setUserRole',
    );
    return sg.login(user.email, user.password);
  }

  const as = (user: SignedInUser) => ({ token: user.token });
  const order = async () => (await sg.query(ORDER, { id: orderId }, as(customer))).data?.order;
  const outboxSubjects = async () =>
    ((await sg.query(OUTBOX, { r: customer.email }, as(admin))).data?.devOutbox ?? []) as {
      subject: string;
      text: string;
    }[];
  const stockOf = async (productId: string) =>
    (await sg.query(INVENTORY, { id: productId }, as(admin))).data?.product?.inventory;

  beforeAll(async () => {
    sg = await startSupergraph({ subgraphs: SUBGRAPHS, env: { CARRIER_WEBHOOK_SECRET: CARRIER_SECRET } });
    admin = await sg.admin();
    dispatcher = await staff('DISPATCHER');
    support = await staff('SUPPORT');
    customer = await sg.customer('Grace');
    const sku = `FUL-${Date.now()}`;
    mug = await createProduct(sg, `${sku}-MUG`, 1_250, 10, { name: 'Mug', description: 'A mug' });
    lamp = await createProduct(sg, `${sku}-LAMP`, 4_000, 10, { name: 'Lamp', description: 'A lamp' });
    mustSucceed(
      await sg.query(
        'mutation($p: ID!) { addToCart(productId: $p, quantity: 2) { itemCount } }',
        { p: mug },
        as(customer),
      ),
      'addToCart',
    );
    orderId = await checkout(sg, customer, lamp, 'fulfilment-1');
    await awaitPayment(sg, customer, orderId);
    await payWithTestCard(sg, customer, orderId, await paymentIntent(sg, customer, orderId));
  }, 60_000);
  afterAll(async () => sg?.stop());

  it('refuses the DISPATCHER mutations to a CUSTOMER and to SUPPORT, and bad shipments with the field', async () => {
    const input = {
      orderId,
      lines: [{ productId: mug, quantity: 2 }],
      carrier: 'UPS',
      trackingNumber: '1Z-MUG',
      trackingUrl: 'https://track.example/1Z-MUG',
    };
    for (const user of [customer, support]) {
      expect(codeAndField(await sg.query(CREATE_SHIPMENT, { i: input }, as(user))).code).toBe('FORBIDDEN');
      const shipAll = await sg.query(
        'mutation($id: ID!) { markOrderShipped(id: $id, carrier: "UPS", trackingNumber: "1Z") { status } }',
        { id: orderId },
        as(user),
      );
      expect(codeAndField(shipAll).code).toBe('FORBIDDEN');
    }
    const tooMany = { ...input, lines: [{ productId: mug, quantity: 3 }] };
    expect(codeAndField(await sg.query(CREATE_SHIPMENT, { i: tooMany }, as(dispatcher)))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'input.lines[0].quantity',
    });
    const notHttp = { ...input, trackingUrl: 'javascript:alert(1)' };
    expect(codeAndField(await sg.query(CREATE_SHIPMENT, { i: notHttp }, as(dispatcher)))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'input.trackingUrl',
    });
    const stranger = { ...input, lines: [{ productId: 'not-a-line', quantity: 1 }] };
    expect(codeAndField(await sg.query(CREATE_SHIPMENT, { i: stranger }, as(dispatcher)))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'input.lines[0].productId',
    });
    // Nothing was written by any of them.
    expect(await order()).toMatchObject({ status: 'PAID', shipments: [] });
  });

  it('ships two lines in two parcels: PROCESSING, then SHIPPED; each mailed and live with its tracking link', async () => {
    const live = await sg.subscribe(
      `subscription($o: ID!) { orderStatusChanged(orderId: $o) {
        status previousStatus shipmentId carrier trackingNumber trackingUrl order { status }
      } }`,
      { o: orderId },
      as(customer),
    );
    const updates = liveUpdates(live);
    const first = mustSucceed(
      await sg.query(
        CREATE_SHIPMENT,
        {
          i: {
            orderId,
            lines: [{ productId: mug, quantity: 2 }],
            carrier: 'UPS',
            trackingNumber: '1Z-MUG',
            trackingUrl: 'https://track.example/1Z-MUG',
          },
        },
        as(dispatcher),
      ),
      'createShipment',
    ).createShipment;
    expect(first).toMatchObject({
      status: 'SHIPPED',
      trackingUrl: 'https://track.example/1Z-MUG',
      amount: { amount: 2_500, currency: 'USD' },
      lines: [{ quantity: 2, amount: { amount: 2_500 }, product: { id: mug } }],
      order: { id: orderId, status: 'PROCESSING', shipments: [{ id: first.id }] },
    });
    shipmentIds.push(first.id);
    // The customer's next read sees it, and a partly shipped order can no longer be cancelled.
    expect((await order()).status).toBe('PROCESSING');
    const cancel = await sg.query(
      'mutation($id: ID!) { cancelOrder(id: $id) { status } }',
      { id: orderId },
      as(customer),
    );
    expect(codeAndField(cancel).code).toBe('CONFLICT');

    expect(await updates.until((u) => u.status === 'PROCESSING' && u.previousStatus === 'PAID')).toBeTruthy();
    expect(await updates.until((u) => u.shipmentId === first.id)).toMatchObject({
      carrier: 'UPS',
      trackingNumber: '1Z-MUG',
      trackingUrl: 'https://track.example/1Z-MUG',
    });
    await eventually(
      outboxSubjects,
      (mails) => mails.some((m) => m.text.includes('https://track.example/1Z-MUG')),
      {
        what: 'the first ORDER_SHIPPED mail',
      },
    );

    const second = mustSucceed(
      await sg.query(
        CREATE_SHIPMENT,
        {
          i: {
            orderId,
            lines: [{ productId: lamp, quantity: 1 }],
            carrier: 'DHL',
            trackingNumber: 'JD-LAMP',
            trackingUrl: 'https://dhl.example/track?id=JD-LAMP',
          },
        },
        as(dispatcher),
      ),
      'createShipment',
    ).createShipment;
    shipmentIds.push(second.id);
    expect(second).toMatchObject({ amount: { amount: 4_000 }, order: { status: 'SHIPPED' } });
    expect(await updates.until((u) => u.shipmentId === second.id)).toMatchObject({
      trackingUrl: 'https://dhl.example/track?id=JD-LAMP',
    });
    expect(
      await updates.until((u) => u.status === 'SHIPPED' && u.previousStatus === 'PROCESSING'),
    ).toMatchObject({ shipmentId: null, order: { status: 'SHIPPED' } });
    await live.close();

    const mails = await eventually(
      outboxSubjects,
      (all) => all.filter((m) => m.subject.includes('has shipped')).length === 2,
      { what: 'an ORDER_SHIPPED mail per shipment' },
    );
    const lampMail = mails.find((m) => m.text.includes('JD-LAMP'));
    expect(lampMail?.text).toContain('https://dhl.example/track?id=JD-LAMP');
    expect(lampMail?.text).toContain('1 x Lamp');
    // Everything has shipped: one more parcel is a CONFLICT.
    const more = await sg.query(
      CREATE_SHIPMENT,
      { i: { orderId, carrier: 'UPS', trackingNumber: 'x', trackingUrl: 'https://t.example/x' } },
      as(dispatcher),
    );
    expect(codeAndField(more).code).toBe('CONFLICT');
  });

  /** A carrier's delivery notice, posted to the orders subgraph's webhook. */
  async function carrierNotice(shipmentId: string, signature?: string) {
    const body = JSON.stringify({ shipmentId, event: 'delivered' });
    const url = sg.subgraph('orders').url.replace(/\/graphql$/, '/webhooks/carrier');
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [CARRIER_SIGNATURE_HEADER]: signature ?? signCarrierPayload(body, CARRIER_SECRET),
      },
      body,
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  it('is DELIVERED only once every shipment is delivered (by a DISPATCHER, or by the carrier)', async () => {
    expect(codeAndField(await sg.query(SHIPMENT_DELIVERED, { s: shipmentIds[0] }, as(support))).code).toBe(
      'FORBIDDEN',
    );
    const one = mustSucceed(
      await sg.query(SHIPMENT_DELIVERED, { s: shipmentIds[0] }, as(dispatcher)),
      'deliver',
    );
    expect(one.markShipmentDelivered).toMatchObject({ status: 'DELIVERED', order: { status: 'SHIPPED' } });
    // A forged notice changes nothing.
    expect((await carrierNotice(shipmentIds[1]!, 'sha256=00')).status).toBe(400);
    expect((await order()).status).toBe('SHIPPED');
    expect(await carrierNotice(shipmentIds[1]!)).toEqual({
      status: 200,
      body: { received: true, duplicate: false },
    });
    expect((await order()).status).toBe('DELIVERED');
    // Carriers retry: a repeated notice is answered and changes nothing.
    expect((await carrierNotice(shipmentIds[1]!)).body).toEqual({ received: true, duplicate: true });
    expect((await order()).shipments.map((s: { status: string }) => s.status)).toEqual([
      'DELIVERED',
      'DELIVERED',
    ]);
  });

  it('returns one of two delivered lines: approved, received, restocked and refunded exactly that line', async () => {
    const before = await stockOf(mug);
    expect(before).toMatchObject({ onHand: 8, available: 8 });
    const requested = mustSucceed(
      await sg.query(
        REQUEST_RETURN,
        { i: { orderId, lines: [{ productId: mug, quantity: 2 }], reason: 'Too small' } },
        as(customer),
      ),
      'requestReturn',
    ).requestReturn;
    expect(requested).toMatchObject({
      status: 'REQUESTED',
      amount: { amount: 2_500 },
      lines: [{ quantity: 2, amount: { amount: 2_500 } }],
    });
    // Those units are claimed: asking again is more than can still be returned.
    const again = await sg.query(
      REQUEST_RETURN,
      { i: { orderId, lines: [{ productId: mug, quantity: 1 }], reason: 'Again' } },
      as(customer),
    );
    expect(codeAndField(again)).toEqual({ code: 'BAD_USER_INPUT', field: 'input.lines[0].quantity' });

    const receive =
      'mutation($r: ID!) { receiveReturn(returnId: $r, restock: true) { status restocked order { amountRefunded { amount } } } }';
    // Not approved yet: receiving it is a CONFLICT; a customer may not approve.
    expect(codeAndField(await sg.query(receive, { r: requested.id }, as(dispatcher))).code).toBe('CONFLICT');
    const approve =
      'mutation($r: ID!) { approveReturn(returnId: $r, reason: "Fine") { status decisionReason } }';
    expect(codeAndField(await sg.query(approve, { r: requested.id }, as(customer))).code).toBe('FORBIDDEN');
    expect(codeAndField(await sg.query(approve, { r: requested.id }, as(dispatcher))).code).toBe('FORBIDDEN');
    expect(
      mustSucceed(await sg.query(approve, { r: requested.id }, as(support)), 'approve').approveReturn,
    ).toEqual({
      status: 'APPROVED',
      decisionReason: 'Fine',
    });
    expect(
      mustSucceed(await sg.query(receive, { r: requested.id }, as(dispatcher)), 'receive').receiveReturn,
    ).toEqual({
      status: 'RECEIVED',
      restocked: true,
      // The refund is in the answer itself, whichever of the call and return.received made it.
      order: { amountRefunded: { amount: 2_500 } },
    });
    expect((await order()).returns).toEqual([
      {
        id: requested.id,
        status: 'RECEIVED',
        reason: 'Too small',
        decisionReason: 'Fine',
        restocked: true,
        amount: { amount: 2_500 },
      },
    ]);

    // Read your writes: receiveReturn asked inventory and payments before answering, so the very
    // next queries see the restock and the refund (docs/architecture.md), no waiting.
    expect(await stockOf(mug)).toMatchObject({ onHand: 10, available: 10 });
    const movements = (await sg.query(MOVEMENTS, { id: mug }, as(admin))).data?.stockMovements.edges;
    expect(movements.filter((e: any) => e.node.reason === 'RETURN').map((e: any) => e.node)).toEqual([
      { delta: 2, reason: 'RETURN', reference: `return:${requested.id}` },
    ]);
    expect((await stockOf(lamp)).onHand).toBe(9);
    const refunded = await order();
    expect(refunded.amountRefunded.amount).toBe(2_500);
    expect(refunded.status).toBe('DELIVERED');
    const payment = await sg.query(
      `query($id: ID!) { order(id: $id) { payment {
        amountRefunded { amount } status refunds { amount { amount } status approvedBy { id } }
        auditTrail { action actor { type userId role } }
      } } }`,
      { id: orderId },
      as(admin),
    );
    expect(payment.data?.order.payment).toMatchObject({
      amountRefunded: { amount: 2_500 },
      status: 'PARTIALLY_REFUNDED',
      refunds: [{ amount: { amount: 2_500 }, status: 'SUCCEEDED', approvedBy: { id: support.userId } }],
    });
    // One refund, made by whichever came first: receiveReturn's call (audited as the receiver) or
    // the return.received consumer (SYSTEM); in process the consumer often wins the race.
    const requestedEntries = payment.data?.order.payment.auditTrail.filter(
      (e: any) => e.action === 'refund.requested',
    );
    expect(requestedEntries).toHaveLength(1);
    expect([dispatcher.userId, null]).toContain(requestedEntries[0].actor.userId);
    const subjects = (
      await eventually(outboxSubjects, (all) => all.some((m) => m.subject.includes('received your return')), {
        what: 'the RETURN_RECEIVED mail',
      })
    ).map((m) => m.subject);
    expect(subjects.some((s) => s.startsWith('Return requested'))).toBe(true);
    expect(subjects.some((s) => s.includes('is approved'))).toBe(true);
    // Once return.received has been consumed too: still one restock and one refund.
    await sg.settled();
    const later = (await sg.query(MOVEMENTS, { id: mug }, as(admin))).data?.stockMovements.edges;
    expect(later.filter((e: any) => e.node.reason === 'RETURN')).toHaveLength(1);
    expect((await stockOf(mug)).onHand).toBe(10);
    expect((await order()).amountRefunded.amount).toBe(2_500);
    const refunds = await sg.query(
      `query($id: ID!) { order(id: $id) { payment { refunds { id } } } }`,
      { id: orderId },
      as(admin),
    );
    expect(refunds.data?.order.payment.refunds).toHaveLength(1);
  });

  it('refuses a return outside RETURN_WINDOW_DAYS of the delivery', async () => {
    // The lamp arrived 31 days ago (the default window is 30 days).
    await sg
      .subgraph('orders')
      .runtime.mongo.collection('orders')
      .updateOne(
        { _id: orderId as any },
        { $set: { 'shipments.$[s].deliveredAt': new Date(Date.now() - 31 * DAY_MS) } },
        { arrayFilters: [{ 's.lines.productId': lamp }] },
      );
    const late = await sg.query(
      REQUEST_RETURN,
      { i: { orderId, lines: [{ productId: lamp, quantity: 1 }], reason: 'Changed my mind' } },
      as(customer),
    );
    expect(codeAndField(late)).toEqual({ code: 'BAD_USER_INPUT', field: 'input.lines[0].productId' });
    expect(late.errors?.[0]?.extensions?.returnWindowDays).toBe(30);
    expect((await order()).returns).toHaveLength(1);
  });

  it('receives 2 of a 3-unit line back in stock: exactly 2 restocked, the whole return refunded', async () => {
    const vase = await createProduct(sg, `FUL-${Date.now()}-VASE`, 1_000, 10, {
      name: 'Vase',
      description: 'A vase',
    });
    const vaseOrder = await checkout(sg, customer, vase, 'fulfilment-partial', { quantity: 3 });
    await awaitPayment(sg, customer, vaseOrder);
    await payWithTestCard(sg, customer, vaseOrder, await paymentIntent(sg, customer, vaseOrder));
    const shipped = mustSucceed(
      await sg.query(
        CREATE_SHIPMENT,
        {
          i: {
            orderId: vaseOrder,
            carrier: 'UPS',
            trackingNumber: '1Z-VASE',
            trackingUrl: 'https://track.example/1Z-VASE',
          },
        },
        as(dispatcher),
      ),
      'createShipment',
    ).createShipment;
    mustSucceed(await sg.query(SHIPMENT_DELIVERED, { s: shipped.id }, as(dispatcher)), 'deliver');
    const requested = mustSucceed(
      await sg.query(
        REQUEST_RETURN,
        { i: { orderId: vaseOrder, lines: [{ productId: vase, quantity: 3 }], reason: 'One is cracked' } },
        as(customer),
      ),
      'requestReturn',
    ).requestReturn;
    mustSucceed(
      await sg.query(
        'mutation($r: ID!) { approveReturn(returnId: $r) { status } }',
        { r: requested.id },
        as(support),
      ),
      'approve',
    );
    expect(await stockOf(vase)).toMatchObject({ onHand: 7, available: 7 });

    const receive = `mutation($r: ID!, $lines: [ReceiveReturnLineInput!]) {
      receiveReturn(returnId: $r, restock: true, lines: $lines) {
        status restocked lines { quantity restocked restockedQuantity } order { amountRefunded { amount } }
      } }`;
    const tooMany = await sg.query(
      receive,
      { r: requested.id, lines: [{ variantId: vase, restock: true, restockQuantity: 4 }] },
      as(dispatcher),
    );
    expect(codeAndField(tooMany)).toEqual({ code: 'BAD_USER_INPUT', field: 'lines[0].restockQuantity' });
    const received = mustSucceed(
      await sg.query(
        receive,
        { r: requested.id, lines: [{ variantId: vase, restock: true, restockQuantity: 2 }] },
        as(dispatcher),
      ),
      'receive',
    ).receiveReturn;
    expect(received).toEqual({
      status: 'RECEIVED',
      restocked: true,
      lines: [{ quantity: 3, restocked: true, restockedQuantity: 2 }],
      // The refund is the return's whole amount, whatever goes back to stock.
      order: { amountRefunded: { amount: 3_000 } },
    });
    // Read your writes: the 2 units are on hand at once, in one RETURN movement of 2.
    expect(await stockOf(vase)).toMatchObject({ onHand: 9, available: 9 });
    // Once return.received has been consumed too: still 2 units, one movement, one refund.
    await sg.settled();
    expect(await stockOf(vase)).toMatchObject({ onHand: 9, available: 9 });
    const movements = (await sg.query(MOVEMENTS, { id: vase }, as(admin))).data?.stockMovements.edges;
    expect(movements.filter((e: any) => e.node.reason === 'RETURN').map((e: any) => e.node)).toEqual([
      { delta: 2, reason: 'RETURN', reference: `return:${requested.id}` },
    ]);
    const after = await sg.query(
      `query($id: ID!) { order(id: $id) { amountRefunded { amount } returns { lines { restockedQuantity } }
        payment { refunds { amount { amount } } } } }`,
      { id: vaseOrder },
      as(admin),
    );
    expect(after.data?.order).toEqual({
      amountRefunded: { amount: 3_000 },
      returns: [{ lines: [{ restockedQuantity: 2 }] }],
      payment: { refunds: [{ amount: { amount: 3_000 } }] },
    });
  });
});
