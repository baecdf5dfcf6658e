/**
 * Another customer's objects, through the gateway: for every query, mutation and subscription of
 * the composed schema that takes an id (an ID argument, or an input holding one), customer B and an
 * anonymous caller try it with customer A's cart, order, payment, notification, account and
 * product; admin-only fields are FORBIDDEN to a customer. The list of fields comes from the
 * gateway's own schema: a new field taking an id fails the first test until it has a probe here
 * or a reason on the public list. Afterwards A's objects are as A left them, and no answer to B
 * carried A's email or address. Then refund approval's independence rules, exercised by admins
 * through the gateway (issue 12).
 */
import { eventually } from '@novamart/kit/testing';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  buildClientSchema,
  buildSchema,
  getIntrospectionQuery,
  getNamedType,
  isInputObjectType,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startSupergraph,
  type GraphQLResponse,
  type SignedInUser,
  type Supergraph,
} from '../support/supergraph';
import { checkout, mustSucceed, orderReaches, paymentIntent, payWithTestCard } from '../support/storefront';
import { ALL_SUBGRAPHS } from '../support/subgraphs';
import { staffMember } from '../support/staff';

const ROOTS = ['Query', 'Mutation', 'Subscription'] as const;

/** True when a value of this input type can carry an ID somewhere inside it. */
function carriesId(type: GraphQLInputType, seen = new Set<string>()): boolean {
  const named = getNamedType(type);
  if (named.name === 'ID') return true;
  if (!isInputObjectType(named) || seen.has(named.name)) return false;
  seen.add(named.name);
  return Object.values(named.getFields()).some((field) => carriesId(field.type, seen));
}

/** `Query.order`, `Mutation.checkout`...: every root field with an argument that can carry an id. */
function fieldsTakingIds(schema: GraphQLSchema): string[] {
  const found: string[] = [];
  for (const root of ROOTS) {
    const type = schema.getType(root);
    if (!type || !('getFields' in type)) continue;
    for (const field of Object.values(type.getFields()))
      if ('args' in field && field.args.some((arg: { type: GraphQLInputType }) => carriesId(arg.type)))
        found.push(`${root}.${field.name}`);
  }
  return found.sort();
}

/**
 * Fields that take an id but may be called with anybody's: the id names something public, and
 * the field acts for the caller only.
 */
const PUBLIC_FIELDS: Record<string, string> = {
  'Query.product': 'products are public (archived ones too, by id)',
  'Query.productVariant': "a product's variants are public (archived products' too, by id)",
  'Mutation.recordInteraction': "records the caller's own interaction with a public product",
  'Mutation.addReview': 'reviews a public product as the caller, who must have bought it',
  'Mutation.addToWishlist': "puts a public product on the caller's own wishlist",
  'Mutation.removeFromWishlist': "takes a public product off the caller's own wishlist",
};

const ADDRESS = {
  name: 'Alice Owner',
  line1: `${randomUUID().slice(0, 8)} Private Lane`,
  city: 'Springfield',
  postalCode: '12345',
  country: 'US',
  phone: `+1555${Math.floor(Math.random() * 1e7)}`,
};

let sg: Supergraph;
let admin: SignedInUser;
let alice: SignedInUser;
let bob: SignedInUser;
/** Alice's objects. */
const a = {
  productId: '',
  cartId: '',
  paidOrderId: '',
  paidPaymentId: '',
  openOrderId: '',
  openPaymentId: '',
  notificationId: '',
  addressId: '',
  checkoutKey: `alice-${randomUUID()}`,
};
/** Every answer given to Bob or to the anonymous caller, to look for Alice's data in. */
const answersToAttackers: unknown[] = [];

async function product(name: string, priceAmount: number): Promise<string> {
  const created = await sg.query(
    'mutation($i: ProductInput!) { createProduct(input: $i) { id } }',
    {
      i: {
        sku: `SEC-${randomUUID().slice(0, 8)}`,
        name,
        description: `${name}, for the security suite`,
        priceAmount,
        initialStock: 100,
      },
    },
    { token: admin.token },
  );
  return mustSucceed(created, 'createProduct').createProduct.id;
}

/** A customer's order of one unit awaiting payment, with its payment intent. */
async function orderAwaitingPayment(
  customer: SignedInUser,
  productId: string,
  key: string,
): Promise<{ orderId: string; paymentId: string }> {
  const orderId = await checkout(sg, customer, productId, key, { shippingAddress: ADDRESS });
  await orderReaches(sg, customer, orderId, 'AWAITING_PAYMENT');
  return { orderId, paymentId: await paymentIntent(sg, customer, orderId) };
}

beforeAll(async () => {
  sg = await startSupergraph({ subgraphs: ALL_SUBGRAPHS });
  admin = await sg.admin();
  alice = await sg.customer('Alice');
  bob = await sg.customer('Bob');
  a.productId = await product('Lamp', 15_000);

  a.addressId = mustSucceed(
    await sg.query(
      'mutation($i: AddressInput!) { addAddress(input: $i) { id } }',
      { i: ADDRESS },
      { token: alice.token },
    ),
    'addAddress',
  ).addAddress.id;
  const paid = await orderAwaitingPayment(alice, a.productId, `${a.checkoutKey}-paid`);
  await payWithTestCard(sg, alice, paid.orderId, paid.paymentId);
  a.paidOrderId = paid.orderId;
  a.paidPaymentId = paid.paymentId;
  const open = await orderAwaitingPayment(alice, a.productId, a.checkoutKey);
  a.openOrderId = open.orderId;
  a.openPaymentId = open.paymentId;
  // A cart with a line in it, after the checkouts took theirs.
  const cart = mustSucceed(
    await sg.query(
      'mutation($p: ID!) { addToCart(productId: $p, quantity: 2) { id } }',
      { p: a.productId },
      { token: alice.token },
    ),
    'addToCart',
  );
  a.cartId = cart.addToCart.id;
  const mail = await eventually(
    () =>
      sg.query('{ myNotifications(first: 20) { edges { node { id readAt } } } }', {}, { token: alice.token }),
    (r) => (r.data?.myNotifications.edges.length ?? 0) > 0,
    { what: "Alice's notifications" },
  );
  a.notificationId = mail.data!.myNotifications.edges[0].node.id;
}, 120_000);
afterAll(() => sg?.stop());

const codeOf = (r: GraphQLResponse) => r.errors?.[0]?.extensions?.code as string | undefined;

interface Attacker {
  label: 'Bob' | 'anonymous';
  token: string | undefined;
}

async function ask(who: Attacker, document: string, variables: Record<string, unknown>) {
  const answer = await sg.query(document, variables, who.token ? { token: who.token } : {});
  answersToAttackers.push(answer);
  return answer;
}

/**
 * The field answered nothing of Alice's: an error with one of the codes (another's object is
 * NOT_FOUND or FORBIDDEN; an anonymous caller may also get UNAUTHENTICATED), or, where `nullIsRefusal`,
 * plain null as for an unknown id.
 */
function expectRefused(
  who: Attacker,
  field: string,
  answer: GraphQLResponse,
  options: { nullIsRefusal?: boolean; codes?: string[] } = {},
) {
  const codes = options.codes ?? [
    'NOT_FOUND',
    'FORBIDDEN',
    ...(who.label === 'anonymous' ? ['UNAUTHENTICATED'] : []),
  ];
  const value = (answer.data as Record<string, unknown> | null | undefined)?.[field] ?? null;
  expect(value, `${who.label} ${field}: ${JSON.stringify(answer)}`).toBeNull();
  if (options.nullIsRefusal && !answer.errors) return;
  expect(codes, `${who.label} ${field}: ${JSON.stringify(answer.errors)}`).toContain(codeOf(answer));
}

const adminOnly = (document: string, variables: () => Record<string, unknown>) => async (who: Attacker) => {
  const answer = await ask(who, document, variables());
  const field = /\{\s*(\w+)/.exec(document)![1]!;
  expectRefused(who, field, answer, {
    codes: who.label === 'anonymous' ? ['UNAUTHENTICATED', 'FORBIDDEN'] : ['FORBIDDEN'],
  });
};

const owned =
  (document: string, variables: () => Record<string, unknown>, options: { nullIsRefusal?: boolean } = {}) =>
  async (who: Attacker) => {
    const answer = await ask(who, document, variables());
    const field = /\{\s*(\w+)/.exec(document)![1]!;
    expectRefused(who, field, answer, options);
  };

async function subscriptionRefused(who: Attacker, document: string, variables: Record<string, unknown>) {
  const watch = await sg.subscribe(document, variables, who.token ? { token: who.token } : {});
  try {
    expect(watch.error, `${who.label}: the subscription was accepted`).toBeDefined();
    const errors = Array.isArray(watch.error) ? watch.error : [];
    answersToAttackers.push(errors);
    const allowed = ['NOT_FOUND', 'FORBIDDEN', ...(who.label === 'anonymous' ? ['UNAUTHENTICATED'] : [])];
    expect(allowed, JSON.stringify(watch.error)).toContain(errors[0]?.extensions?.code);
  } finally {
    await watch.close();
  }
}

/** How each field taking an id is tried; every one refuses both attackers. */
const PROBES: Record<string, (who: Attacker) => Promise<void>> = {
  'Query.cart': owned('query($id: ID) { cart(id: $id) { id items { quantity } } }', () => ({ id: a.cartId })),
  'Query.order': owned(
    'query($id: ID!) { order(id: $id) { id email shippingAddress { line1 phone } customer { id } } }',
    () => ({ id: a.paidOrderId }),
    { nullIsRefusal: true },
  ),
  'Query.payment': owned(
    'query($id: ID!) { payment(id: $id) { id status clientSecret order { id email } } }',
    () => ({ id: a.paidPaymentId }),
    { nullIsRefusal: true },
  ),
  'Query.stockMovements': adminOnly(
    'query($p: ID!) { stockMovements(productId: $p) { edges { node { delta } } } }',
    () => ({ p: a.productId }),
  ),
  'Mutation.addToCart': owned(
    'mutation($c: ID, $p: ID!) { addToCart(cartId: $c, productId: $p, quantity: 1) { id } }',
    () => ({
      c: a.cartId,
      p: a.productId,
    }),
  ),
  'Mutation.updateCartItem': owned(
    'mutation($c: ID, $p: ID!) { updateCartItem(cartId: $c, productId: $p, quantity: 9) { id } }',
    () => ({ c: a.cartId, p: a.productId }),
  ),
  'Mutation.removeFromCart': owned(
    'mutation($c: ID, $p: ID!) { removeFromCart(cartId: $c, productId: $p) { id } }',
    () => ({
      c: a.cartId,
      p: a.productId,
    }),
  ),
  'Mutation.clearCart': owned('mutation($c: ID) { clearCart(cartId: $c) { id } }', () => ({ c: a.cartId })),
  'Mutation.mergeCart': owned('mutation($c: ID!) { mergeCart(guestCartId: $c) { id } }', () => ({
    c: a.cartId,
  })),
  'Mutation.checkout': owned(
    'mutation($i: CheckoutInput!) { checkout(input: $i) { id email } }',
    // Alice's cart and her idempotency key: neither her lines nor her order may come back.
    () => ({
      i: {
        cartId: a.cartId,
        idempotencyKey: a.checkoutKey,
        email: 'attacker@example.com',
        shippingAddress: { ...ADDRESS, name: 'Bob' },
      },
    }),
  ),
  'Mutation.markNotificationRead': owned(
    'mutation($id: ID!) { markNotificationRead(id: $id) { id readAt } }',
    () => ({
      id: a.notificationId,
    }),
  ),
  'Mutation.cancelOrder': owned(
    'mutation($id: ID!) { cancelOrder(id: $id, reason: "mine now") { id status } }',
    () => ({
      id: a.openOrderId,
    }),
  ),
  'Mutation.createPaymentIntent': owned(
    'mutation($o: ID!) { createPaymentIntent(orderId: $o) { id clientSecret } }',
    () => ({ o: a.openOrderId }),
  ),
  'Mutation.confirmPayment': owned(
    'mutation($p: ID!) { confirmPayment(paymentId: $p, paymentMethodId: "pm_card_visa") { id status } }',
    () => ({ p: a.openPaymentId }),
  ),
  'Mutation.applyDiscountCode': owned(
    'mutation($c: ID) { applyDiscountCode(cartId: $c, code: "SECURITY10") { id discountCodes } }',
    () => ({ c: a.cartId }),
  ),
  'Mutation.removeDiscountCode': owned(
    'mutation($c: ID) { removeDiscountCode(cartId: $c, code: "SECURITY10") { id discountCodes } }',
    () => ({ c: a.cartId }),
  ),
  // Refused before the id is looked up: an unknown id is as good as a real one.
  'Query.promotion': adminOnly('query($id: ID!) { promotion(id: $id) { id name } }', () => ({
    id: 'any-promotion',
  })),
  'Query.promotions': adminOnly('query($after: ID) { promotions(after: $after) { id } }', () => ({
    after: 'any-promotion',
  })),
  'Mutation.addDiscountCode': adminOnly(
    'mutation($p: ID!) { addDiscountCode(promotionId: $p, code: "SECURITY10") { code } }',
    () => ({ p: 'any-promotion' }),
  ),
  'Mutation.createPromotion': adminOnly(
    'mutation($i: PromotionInput!) { createPromotion(input: $i) { id } }',
    () => ({
      i: { name: 'Mine', kind: 'PERCENTAGE', percentOff: 100, target: 'PRODUCTS', productIds: [a.productId] },
    }),
  ),
  'Mutation.updatePromotion': adminOnly(
    'mutation($p: ID!) { updatePromotion(id: $p, input: { name: "Mine" }) { id } }',
    () => ({ p: 'any-promotion' }),
  ),
  'Mutation.setPromotionActive': adminOnly(
    'mutation($p: ID!) { setPromotionActive(id: $p, active: false) { id } }',
    () => ({ p: 'any-promotion' }),
  ),
  'Mutation.adjustStock': adminOnly(
    'mutation($p: ID!) { adjustStock(productId: $p, delta: -100, reason: DAMAGE) { available } }',
    () => ({ p: a.productId }),
  ),
  'Mutation.setReorderLevel': adminOnly(
    'mutation($p: ID!) { setReorderLevel(productId: $p, reorderLevel: 99) { available } }',
    () => ({ p: a.productId }),
  ),
  'Mutation.recordOpeningStock': adminOnly(
    'mutation($p: ID!) { recordOpeningStock(productId: $p, quantity: 5) { available } }',
    () => ({ p: a.productId }),
  ),
  'Mutation.markOrderShipped': adminOnly(
    'mutation($id: ID!) { markOrderShipped(id: $id, carrier: "X", trackingNumber: "1") { id } }',
    () => ({ id: a.paidOrderId }),
  ),
  'Mutation.markOrderDelivered': adminOnly(
    'mutation($id: ID!) { markOrderDelivered(id: $id) { id } }',
    () => ({
      id: a.paidOrderId,
    }),
  ),
  'Mutation.refundPayment': adminOnly('mutation($p: ID!) { refundPayment(paymentId: $p) { id } }', () => ({
    p: a.paidPaymentId,
  })),
  'Mutation.approveRefund': adminOnly('mutation($r: ID!) { approveRefund(refundId: $r) { id } }', () => ({
    r: randomUUID(),
  })),
  'Mutation.rejectRefund': adminOnly('mutation($r: ID!) { rejectRefund(refundId: $r) { id } }', () => ({
    r: randomUUID(),
  })),
  'Mutation.capturePayment': adminOnly('mutation($p: ID!) { capturePayment(paymentId: $p) { id } }', () => ({
    p: a.paidPaymentId,
  })),
  'Mutation.approvePayment': adminOnly('mutation($p: ID!) { approvePayment(paymentId: $p) { id } }', () => ({
    p: a.openPaymentId,
  })),
  'Mutation.rejectPayment': adminOnly(
    'mutation($p: ID!) { rejectPayment(paymentId: $p, reason: "probe") { id } }',
    () => ({ p: a.openPaymentId }),
  ),
  'Mutation.updateProduct': adminOnly(
    'mutation($id: ID!) { updateProduct(id: $id, input: { priceAmount: 1 }) { id } }',
    () => ({ id: a.productId }),
  ),
  'Mutation.archiveProduct': adminOnly('mutation($id: ID!) { archiveProduct(id: $id) { id } }', () => ({
    id: a.productId,
  })),
  'Mutation.setUserRole': adminOnly(
    'mutation($u: ID!) { setUserRole(userId: $u, role: ADMIN) { id } }',
    () => ({
      u: alice.userId,
    }),
  ),
  'Mutation.updateAddress': owned(
    'mutation($id: ID!, $i: AddressInput!) { updateAddress(id: $id, input: $i) { id line1 } }',
    () => ({ id: a.addressId, i: { ...ADDRESS, line1: 'Taken Over St' } }),
  ),
  'Mutation.deleteAddress': owned('mutation($id: ID!) { deleteAddress(id: $id) }', () => ({
    id: a.addressId,
  })),
  'Mutation.setDefaultShippingAddress': owned(
    'mutation($id: ID!) { setDefaultShippingAddress(id: $id) { id } }',
    () => ({ id: a.addressId }),
  ),
  'Mutation.setDefaultBillingAddress': owned(
    'mutation($id: ID!) { setDefaultBillingAddress(id: $id) { id } }',
    () => ({ id: a.addressId }),
  ),
  'Mutation.hideReview': adminOnly('mutation($id: ID!) { hideReview(id: $id) { id } }', () => ({
    id: '64b7f0c2a1b2c3d4e5f60718',
  })),
  'Mutation.unhideReview': adminOnly('mutation($id: ID!) { unhideReview(id: $id) { id } }', () => ({
    id: '64b7f0c2a1b2c3d4e5f60718',
  })),
  'Query.moderationReviews': adminOnly(
    'query($p: ID!) { moderationReviews(filter: { productId: $p }) { edges { node { id } } } }',
    () => ({ p: a.productId }),
  ),
  'Mutation.requestReturn': owned(
    'mutation($i: RequestReturnInput!) { requestReturn(input: $i) { id } }',
    () => ({
      i: { orderId: a.paidOrderId, lines: [{ productId: a.productId, quantity: 1 }], reason: 'mine' },
    }),
  ),
  'Mutation.approveReturn': adminOnly('mutation($r: ID!) { approveReturn(returnId: $r) { id } }', () => ({
    r: '64b7f0c2a1b2c3d4e5f60718',
  })),
  'Mutation.rejectReturn': adminOnly(
    'mutation($r: ID!) { rejectReturn(returnId: $r, reason: "no") { id } }',
    () => ({ r: '64b7f0c2a1b2c3d4e5f60718' }),
  ),
  'Mutation.receiveReturn': adminOnly(
    'mutation($r: ID!) { receiveReturn(returnId: $r, restock: true) { id } }',
    () => ({ r: '64b7f0c2a1b2c3d4e5f60718' }),
  ),
  'Mutation.createShipment': adminOnly(
    'mutation($i: CreateShipmentInput!) { createShipment(input: $i) { id } }',
    () => ({
      i: {
        orderId: a.paidOrderId,
        carrier: 'X',
        trackingNumber: '1',
        trackingUrl: 'https://track.example/1',
      },
    }),
  ),
  'Mutation.markShipmentDelivered': adminOnly(
    'mutation($s: ID!) { markShipmentDelivered(shipmentId: $s) { id } }',
    () => ({ s: '64b7f0c2a1b2c3d4e5f60718' }),
  ),
  'Mutation.createProduct': adminOnly(
    'mutation($i: ProductInput!) { createProduct(input: $i) { id } }',
    () => ({
      i: { sku: `B-${randomUUID()}`, name: 'Not mine', description: 'x', priceAmount: 100 },
    }),
  ),
  'Mutation.setProductVariants': adminOnly(
    'mutation($p: ID!, $i: ProductVariantsInput!) { setProductVariants(productId: $p, input: $i) { id } }',
    () => ({ p: a.productId, i: { options: [], variants: [] } }),
  ),
  'Mutation.createCollection': adminOnly(
    'mutation($i: CollectionInput!) { createCollection(input: $i) { id } }',
    () => ({
      i: { slug: `not-mine-${randomUUID()}`, name: 'Not mine', type: 'MANUAL', productIds: [a.productId] },
    }),
  ),
  'Mutation.updateCollection': adminOnly(
    'mutation($i: CollectionUpdateInput!) { updateCollection(slug: "no-such-collection", input: $i) { id } }',
    () => ({ i: { name: 'Not mine', type: 'MANUAL', productIds: [a.productId] } }),
  ),
  'Subscription.orderStatusChanged': (who) =>
    subscriptionRefused(who, 'subscription($o: ID!) { orderStatusChanged(orderId: $o) { status } }', {
      o: a.openOrderId,
    }),
  'Subscription.paymentStatusChanged': (who) =>
    subscriptionRefused(who, 'subscription($o: ID!) { paymentStatusChanged(orderId: $o) { status } }', {
      o: a.openOrderId,
    }),
};

describe("another customer's objects, field by field of the composed schema", () => {
  let fields: string[];
  beforeAll(async () => {
    const introspection = await sg.query(getIntrospectionQuery());
    fields = fieldsTakingIds(buildClientSchema(introspection.data as never));
  });

  it('every field taking an id is probed below or listed as public, and the gateway serves the whole API', () => {
    const covered = [...Object.keys(PROBES), ...Object.keys(PUBLIC_FIELDS)].sort();
    expect(Object.keys(PROBES).filter((f) => f in PUBLIC_FIELDS)).toEqual([]);
    expect(fields).toEqual(covered);
    // The harness runs every subgraph: the snapshot's fields taking ids are all here.
    const snapshot = fieldsTakingIds(
      buildSchema(readFileSync(new URL('../../schema/api.graphql', import.meta.url), 'utf8')),
    );
    expect(fields).toEqual(snapshot);
  });

  for (const who of ['Bob', 'anonymous'] as const)
    it(`${who} is refused every one of Alice's objects`, async () => {
      const attacker: Attacker = { label: who, token: who === 'Bob' ? bob.token : undefined };
      for (const field of Object.keys(PROBES).sort()) await PROBES[field]!(attacker);
    }, 60_000); // some sixty requests and subscriptions, one after the other

  it("left Alice's objects as they were, and told the attackers nothing of hers", async () => {
    const mine = await sg.query(
      `query($o: ID!, $p: ID!, $q: ID!) {
        cart { id items { quantity } }
        open: order(id: $o) { status }
        paid: order(id: $p) { status }
        payment(id: $q) { status }
        myNotifications(first: 50) { edges { node { id readAt } } }
        me { role addresses { phone } }
      }`,
      { o: a.openOrderId, p: a.paidOrderId, q: a.openPaymentId },
      { token: alice.token },
    );
    expect(mine.errors).toBeUndefined();
    expect(mine.data.cart).toEqual({ id: a.cartId, items: [{ quantity: 2 }] });
    expect(mine.data.open.status).toBe('AWAITING_PAYMENT');
    expect(mine.data.paid.status).toBe('PAID');
    expect(mine.data.payment.status).toBe('REQUIRES_PAYMENT_METHOD');
    const notification = mine.data.myNotifications.edges.find(
      (e: { node: { id: string } }) => e.node.id === a.notificationId,
    );
    expect(notification.node.readAt).toBeNull();
    expect(mine.data.me).toEqual({ role: 'CUSTOMER', addresses: [{ phone: ADDRESS.phone }] });
    const products = await sg.query(
      'query($id: ID!) { product(id: $id) { price { amount } active inventory { available reorderLevel } } }',
      { id: a.productId },
    );
    expect(products.data?.product).toMatchObject({ price: { amount: 15_000 }, active: true });

    expect(answersToAttackers.length).toBeGreaterThan(2 * Object.keys(PROBES).length - 1);
    const told = JSON.stringify(answersToAttackers);
    for (const secret of [alice.email, ADDRESS.line1, ADDRESS.phone]) expect(told).not.toContain(secret);
  });
});

describe("orders' return follow-up calls, between subgraphs only", () => {
  // receiveReturn's calls to the owners of the restock and the refund (docs/architecture.md, "Read
  // your writes in after-sales"). Neither owner can check that the return exists, so they are not
  // in the API, and at the subgraph's port they answer only another subgraph.
  const REFUND = 'mutation($i: ReturnRefundInput!) { refundReturn(input: $i) { id status } }';
  const RESTOCK = 'mutation($i: ReturnRestockInput!) { restockReturn(input: $i) { available onHand } }';
  const refundInput = () => ({
    i: {
      returnId: `made-up-${randomUUID()}`,
      orderId: a.paidOrderId,
      amount: 1_000,
      currency: 'USD',
      approvedBy: admin.userId,
    },
  });
  const restockInput = () => ({
    i: {
      returnId: `made-up-${randomUUID()}`,
      orderId: a.paidOrderId,
      restock: true,
      lines: [{ productId: a.productId, quantity: 1 }],
    },
  });
  const STATE = `query($o: ID!, $p: ID!) {
    order(id: $o) { amountRefunded { amount } payment { amountRefunded { amount } refunds { id } } }
    product(id: $p) { inventory { onHand available } }
    stockMovements(productId: $p, first: 50) { edges { node { reason } } }
  }`;
  const state = async () => {
    const read = await sg.query(STATE, { o: a.paidOrderId, p: a.productId }, { token: admin.token });
    expect(read.errors).toBeUndefined();
    return read.data;
  };

  /** A request straight at a subgraph's port, as someone inside the network could send it. */
  async function atSubgraph(name: string, query: string, variables: Record<string, unknown>, token?: string) {
    const response = await fetch(sg.subgraph(name).url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as GraphQLResponse;
  }

  it('are not served by the gateway, even to an admin', async () => {
    for (const [document, variables] of [
      [REFUND, refundInput()],
      [RESTOCK, restockInput()],
    ] as const) {
      const answer = await sg.query(document, variables, { token: admin.token });
      expect(codeOf(answer), JSON.stringify(answer)).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(answer.data ?? null).toBeNull();
    }
    const introspection = await sg.query(
      '{ __schema { mutationType { fields { name } } types { name } } }',
      {},
      { token: admin.token },
    );
    const mutations = introspection.data.__schema.mutationType.fields.map((f: { name: string }) => f.name);
    expect(mutations).toContain('receiveReturn');
    expect(mutations).not.toContain('refundReturn');
    expect(mutations).not.toContain('restockReturn');
    const types = introspection.data.__schema.types.map((t: { name: string }) => t.name);
    for (const input of ['ReturnRefundInput', 'ReturnRestockInput', 'ReturnRestockLineInput'])
      expect(types).not.toContain(input);
  });

  it('answer FORBIDDEN at the subgraph port to SUPPORT and ADMIN tokens, and refund and restock nothing', async () => {
    const before = await state();
    expect(before.order.payment.refunds).toEqual([]);
    const support = await staffMember(sg, 'SUPPORT', 'Sam Support');
    for (const token of [support.token, admin.token]) {
      for (const [name, document, variables] of [
        ['payments', REFUND, refundInput()],
        ['inventory', RESTOCK, restockInput()],
      ] as const) {
        const answer = await atSubgraph(name, document, variables, token);
        expect(codeOf(answer), `${name}: ${JSON.stringify(answer)}`).toBe('FORBIDDEN');
        expect(answer.data ?? null).toBeNull();
      }
    }
    // Everything the refund and the restock would have changed, and their events, once consumed.
    await sg.settled();
    expect(await state()).toEqual(before);
    expect(before.stockMovements.edges.filter((e: any) => e.node.reason === 'RETURN')).toEqual([]);
  });
});

describe('subscriptions without an id', () => {
  it("myOrderUpdates tells Bob of his own orders, never of Alice's", async () => {
    const UPDATES = 'subscription { myOrderUpdates { order { id email } status } }';
    const bobWatch = await sg.subscribe(UPDATES, {}, { token: bob.token });
    const aliceWatch = await sg.subscribe(UPDATES, {}, { token: alice.token });
    try {
      expect(bobWatch.error).toBeUndefined();
      mustSucceed(
        await sg.query(
          'mutation($id: ID!) { cancelOrder(id: $id) { status } }',
          { id: a.openOrderId },
          { token: alice.token },
        ),
        'cancelOrder',
      );
      // Alice hears of it: the update went out, and Bob's subscription was open when it did.
      const hers = await aliceWatch.next();
      expect(hers.data?.myOrderUpdates).toMatchObject({ order: { id: a.openOrderId }, status: 'CANCELLED' });
      const bobsOrder = await checkout(sg, bob, a.productId, randomUUID());
      // Bob's first update is about his own order: Alice's came earlier and did not reach him.
      const first = await bobWatch.next();
      expect(first.data?.myOrderUpdates.order.id).toBe(bobsOrder);
      answersToAttackers.push(first);
      expect(JSON.stringify(first)).not.toContain(alice.email);
    } finally {
      await bobWatch.close();
      await aliceWatch.close();
    }
  }, 60_000);
});

describe('refund approval through the gateway', () => {
  async function promote(by: SignedInUser, user: SignedInUser): Promise<SignedInUser> {
    mustSucceed(
      await sg.query(
        'mutation($u: ID!) { setUserRole(userId: $u, role: ADMIN) { role } }',
        { u: user.userId },
        { token: by.token },
      ),
      'setUserRole',
    );
    // The role change ended the promoted user's sessions: a new token carries the new role.
    return sg.login(user.email, user.password);
  }

  const approve = (by: SignedInUser, refundId: string) =>
    sg.query(
      'mutation($r: ID!) { approveRefund(refundId: $r) { id status approvedBy { id } history { status reason by { id } } } }',
      { r: refundId },
      { token: by.token },
    );

  it('refuses the requester, an admin the requester promoted and an admin made after the request; records the approver', async () => {
    // Xavier, made admin by the bootstrap admin, requests; Yann was made admin by Xavier; both before.
    const xavier = await promote(admin, await sg.customer('Xavier'));
    const yann = await promote(xavier, await sg.customer('Yann'));
    const customer = await sg.customer('Refundee');
    const productId = await product('Sofa', 20_000);
    const { orderId, paymentId } = await orderAwaitingPayment(customer, productId, randomUUID());
    await payWithTestCard(sg, customer, orderId, paymentId);
    // Every role change has reached the payments subgraph's projection before the request.
    await sg.settled();

    const requested = mustSucceed(
      await sg.query(
        'mutation($p: ID!) { refundPayment(paymentId: $p, reason: "damaged") { id status requestedBy { id } } }',
        { p: paymentId },
        { token: xavier.token },
      ),
      'refundPayment',
    ).refundPayment;
    expect(requested).toMatchObject({ status: 'PENDING_APPROVAL', requestedBy: { id: xavier.userId } });
    const latecomer = await promote(admin, await sg.customer('Zoe'));
    await sg.settled();

    const byRequester = await approve(xavier, requested.id);
    expect(byRequester.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/other than its requester/),
      extensions: { code: 'FORBIDDEN' },
    });
    const byProtege = await approve(yann, requested.id);
    expect(byProtege.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/promoted|made an administrator by/),
      extensions: { code: 'FORBIDDEN' },
    });
    const byLatecomer = await approve(latecomer, requested.id);
    expect(byLatecomer.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/before the refund was requested/),
      extensions: { code: 'FORBIDDEN' },
    });
    const customerTry = await approve(customer, requested.id);
    expect(codeOf(customerTry)).toBe('FORBIDDEN');
    for (const refused of [byRequester, byProtege, byLatecomer, customerTry]) expect(refused.data).toBeNull();
    const pending = await sg.query('{ pendingRefundApprovals { id status } }', {}, { token: admin.token });
    expect(pending.data?.pendingRefundApprovals).toContainEqual({
      id: requested.id,
      status: 'PENDING_APPROVAL',
    });

    const approved = mustSucceed(await approve(admin, requested.id), 'approveRefund').approveRefund;
    expect(approved.approvedBy).toEqual({ id: admin.userId });
    expect(approved.history).toContainEqual({
      status: 'PENDING',
      reason: 'approved',
      by: { id: admin.userId },
    });
    expect(approved.history[0]).toMatchObject({ status: 'PENDING_APPROVAL', by: { id: xavier.userId } });
  }, 120_000); // four sign-ins at production scrypt cost, a paid order and two settles: slow on a busy machine
});
