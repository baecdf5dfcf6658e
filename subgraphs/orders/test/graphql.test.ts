import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvent, type DomainEvent } from '@novamart/events';
import { commandStats, type Role, type RunningSubgraph, type SubgraphRuntime } from '@novamart/kit';
import { startSubgraphForTests, type TestSubgraph, type TestTokens } from '@novamart/kit/testing';
import { type Connection } from 'mongoose';
import { ordersSubgraph, type OrdersConfig } from '../src/index';
import { address, eventually } from './support';

let conn: Connection;
let runtime: SubgraphRuntime<OrdersConfig>;
let running: RunningSubgraph;
let tokens: TestTokens;
let sub: TestSubgraph;

interface Result {
  data?: any;
  errors?: { message: string; extensions?: Record<string, any> }[];
}

async function gql(
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<Result> {
  const response = await fetch(running.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as Result;
}

const as = async (id: string, role: Role = 'CUSTOMER') => ({
  authorization: await tokens.bearer({ id, role }),
});

async function publishAndWait(
  type: string,
  aggregateId: string,
  payload: Record<string, unknown>,
): Promise<DomainEvent> {
  const event = createEvent(type, aggregateId, payload);
  await runtime.bus.publish(event);
  // Orders' consumers keep no processed record (idempotent by state): what an event did is the
  // row it wrote.
  const effect: Record<string, () => Promise<unknown>> = {
    'cart.updated': () =>
      conn.collection('cart_snapshots').findOne({ _id: aggregateId, revision: payload.revision } as never),
    'payment.status_changed': () =>
      conn
        .collection('orders')
        .findOne({ _id: aggregateId, announcedPaymentIds: payload.paymentId } as never),
    'product.created': () => conn.collection('catalog_prices').findOne({ _id: payload.productId } as never),
    'inventory.reserved': () =>
      conn.collection('orders').findOne({ _id: aggregateId, reservationId: payload.reservationId } as never),
    'payment.succeeded': () =>
      conn
        .collection('orders')
        .findOne({ _id: aggregateId, 'payment.paymentId': payload.paymentId } as never),
  };
  await eventually(effect[type]!, `the effect of ${type}`);
  return event;
}

let cartSeq = 0;
async function checkoutAs(userId: string | null, quantity = 1): Promise<any> {
  const cartId = `gql-cart-${++cartSeq}`;
  await publishAndWait('cart.updated', cartId, {
    cartId,
    userId,
    revision: 1,
    lines: [{ productId: 'g-p', quantity }],
    expiresAt: null,
    updatedAt: new Date().toISOString(),
  });
  const result = await gql(
    `mutation($input: CheckoutInput!) { checkout(input: $input) { id status email total { amount currency formatted } customer { id } } }`,
    {
      input: {
        cartId,
        shippingAddress: address,
        email: userId ? `${userId}@example.com` : 'guest@example.com',
        idempotencyKey: `k-${cartSeq}`,
      },
    },
    userId ? await as(userId) : {},
  );
  expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
  return result.data.checkout;
}

const ORDER_FIELDS = `
  id status email customer { id }
  items { product { id } sku name quantity unitPrice { amount formatted } lineTotal { amount } }
  subtotal { amount } shippingCost { amount } total { amount formatted } amountRefunded { amount }
  shippingAddress { id name line1 line2 city region postalCode country phone }
  carrier trackingNumber statusHistory { status reason at } createdAt updatedAt
`;

beforeAll(async () => {
  sub = await startSubgraphForTests(ordersSubgraph);
  ({ conn, running, tokens } = sub);
  runtime = sub.runtime as SubgraphRuntime<OrdersConfig>;
  await publishAndWait('product.created', 'g-p', {
    productId: 'g-p',
    sku: 'GP-1',
    slug: 'g-p',
    name: 'Graph Paper',
    priceAmount: 350,
    currency: 'USD',
    categorySlug: null,
    active: true,
    initialStock: 100,
  });
});

afterAll(async () => {
  await sub?.stop();
});

describe('orders over GraphQL', () => {
  it('checkout returns the order in the contract shape; the customer and admins can read it, others are FORBIDDEN', async () => {
    const placed = await checkoutAs('gql-u1', 2);
    expect(placed).toMatchObject({
      status: 'PENDING',
      email: 'gql-u1@example.com',
      customer: { id: 'gql-u1' },
    });
    const mine = await gql(
      `query($id: ID!) { order(id: $id) { ${ORDER_FIELDS} } }`,
      { id: placed.id },
      await as('gql-u1'),
    );
    expect(mine.errors).toBeUndefined();
    expect(mine.data.order).toMatchObject({
      items: [
        {
          product: { id: 'g-p' },
          sku: 'GP-1',
          name: 'Graph Paper',
          quantity: 2,
          unitPrice: { amount: 350, formatted: '$3.50' },
          lineTotal: { amount: 700 },
        },
      ],
      subtotal: { amount: 700 },
      shippingCost: { amount: 499 },
      total: { amount: 1199, formatted: '$11.99' },
      amountRefunded: { amount: 0 },
      shippingAddress: { id: null, name: 'Ada Lovelace', line2: null, country: 'GB' },
      carrier: null,
      statusHistory: [{ status: 'PENDING', reason: 'Order placed' }],
    });
    expect(
      (await gql(`query($id: ID!) { order(id: $id) { id } }`, { id: placed.id }, await as('admin', 'ADMIN')))
        .data.order.id,
    ).toBe(placed.id);
    const stranger = await gql(
      `query($id: ID!) { order(id: $id) { id } }`,
      { id: placed.id },
      await as('gql-u2'),
    );
    expect(stranger.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await gql(`query { order(id: "nope") { id } }`, {}, await as('gql-u1'))).data.order).toBeNull();
  });

  it('a guest order is readable by whoever holds its id', async () => {
    const placed = await checkoutAs(null);
    expect(placed.customer).toBeNull();
    expect(
      (await gql(`query($id: ID!) { order(id: $id) { id email } }`, { id: placed.id })).data.order,
    ).toEqual({ id: placed.id, email: 'guest@example.com' });
  });

  it('User.orders is newest first with cursor pages, OWNER only', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await checkoutAs('gql-pager')).id);
    const auth = await as('gql-pager');
    const page = (after: string | null) =>
      gql(
        `query($reps: [_Any!]!, $after: String) { _entities(representations: $reps) { ... on User { orders(first: 2, after: $after) { totalCount edges { cursor node { id } } pageInfo { hasNextPage endCursor } } } } }`,
        { reps: [{ __typename: 'User', id: 'gql-pager' }], after },
        auth,
      );
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const result = await page(after);
      expect(result.errors).toBeUndefined();
      const connection = result.data._entities[0].orders;
      expect(connection.totalCount).toBe(5);
      seen.push(...connection.edges.map((edge: { node: { id: string } }) => edge.node.id));
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    expect(seen).toEqual([...ids].reverse());

    const other = await gql(
      `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on User { orders { totalCount } } } }`,
      { reps: [{ __typename: 'User', id: 'gql-pager' }] },
      await as('gql-nosy'),
    );
    expect(other.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it("many users' orders, and many order entities, cost a constant number of database commands", async () => {
    const users = ['b-1', 'b-2', 'b-3', 'b-4'];
    const orderIds: string[] = [];
    for (const user of users) for (let i = 0; i < 2; i++) orderIds.push((await checkoutAs(user)).id);
    const adminAuth = await as('admin', 'ADMIN');

    const usersRequest = `batch-users-${Date.now()}`;
    const result = await gql(
      `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on User { id orders(first: 5) { totalCount edges { node { id total { amount } } } } } } }`,
      { reps: users.map((id) => ({ __typename: 'User', id })) },
      { ...adminAuth, 'x-request-id': usersRequest },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data._entities.map((user: any) => user.orders.totalCount)).toEqual([2, 2, 2, 2]);
    expect(commandStats.forRequest(usersRequest, { database: conn.name })).toMatchObject({
      total: 2,
      byCommand: { aggregate: 2 },
    });

    const ordersRequest = `batch-orders-${Date.now()}`;
    const entities = await gql(
      `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Order { id status items { name } customer { id } shipments { id trackingUrl lines { sku amount { amount } } } returns { id status lines { sku } } } } }`,
      { reps: orderIds.map((id) => ({ __typename: 'Order', id })) },
      { ...adminAuth, 'x-request-id': ordersRequest },
    );
    expect(entities.data._entities.map((order: any) => order.id)).toEqual(orderIds);
    // Shipments and returns are embedded in the order: they cost no command of their own.
    expect(entities.data._entities[0]).toMatchObject({ shipments: [], returns: [] });
    expect(commandStats.forRequest(ordersRequest, { database: conn.name })).toMatchObject({
      total: 1,
      byCommand: { find: 1 },
    });
  });

  it('ADMIN orders(filter) pages newest first by status and email; customers are FORBIDDEN', async () => {
    const auth = await as('admin', 'ADMIN');
    const all = await gql(`{ orders(first: 100) { totalCount edges { node { id createdAt } } } }`, {}, auth);
    expect(all.errors).toBeUndefined();
    const created = all.data.orders.edges.map((edge: any) => edge.node.createdAt);
    expect(created).toEqual([...created].sort().reverse());
    expect(all.data.orders.totalCount).toBe(all.data.orders.edges.length);

    const guests = await gql(
      `{ orders(filter: { email: "GUEST@example.com", status: PENDING }) { totalCount edges { node { email status } } } }`,
      {},
      auth,
    );
    expect(guests.data.orders.totalCount).toBeGreaterThan(0);
    for (const edge of guests.data.orders.edges)
      expect(edge.node).toEqual({ email: 'guest@example.com', status: 'PENDING' });

    expect(
      (await gql(`{ orders { totalCount } }`, {}, await as('gql-u1'))).errors?.[0]?.extensions?.code,
    ).toBe('FORBIDDEN');
    expect(
      (await gql(`{ orders(first: 101) { totalCount } }`, {}, auth)).errors?.[0]?.extensions,
    ).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
  });

  it('admin mutations: ship then deliver a paid order; the contract error codes come through', async () => {
    const placed = await checkoutAs('gql-ship');
    await publishAndWait('inventory.reserved', placed.id, {
      orderId: placed.id,
      reservationId: 'r1',
      lines: [],
      expiresAt: new Date().toISOString(),
    });
    await publishAndWait('payment.status_changed', placed.id, {
      paymentId: 'pay1',
      orderId: placed.id,
      userId: 'gql-ship',
      status: 'REQUIRES_PAYMENT_METHOD',
      previousStatus: null,
      at: new Date().toISOString(),
    });
    await publishAndWait('payment.succeeded', placed.id, {
      paymentId: 'pay1',
      orderId: placed.id,
      userId: 'gql-ship',
      amount: placed.total.amount,
      currency: 'USD',
      provider: 'simulated',
    });
    const auth = await as('admin', 'ADMIN');
    const shipped = await gql(
      `mutation($id: ID!) { markOrderShipped(id: $id, carrier: "DHL", trackingNumber: "JD0001") { status carrier trackingNumber } }`,
      { id: placed.id },
      auth,
    );
    expect(shipped.data.markOrderShipped).toEqual({
      status: 'SHIPPED',
      carrier: 'DHL',
      trackingNumber: 'JD0001',
    });
    const cancel = await gql(
      `mutation($id: ID!) { cancelOrder(id: $id) { status } }`,
      { id: placed.id },
      await as('gql-ship'),
    );
    expect(cancel.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const delivered = await gql(
      `mutation($id: ID!) { markOrderDelivered(id: $id) { status statusHistory { status } } }`,
      { id: placed.id },
      auth,
    );
    expect(delivered.data.markOrderDelivered.statusHistory.map((s: any) => s.status)).toEqual([
      'PENDING',
      'AWAITING_PAYMENT',
      'PAID',
      'SHIPPED',
      'DELIVERED',
    ]);
    const notAdmin = await gql(
      `mutation($id: ID!) { markOrderDelivered(id: $id) { status } }`,
      { id: placed.id },
      await as('gql-ship'),
    );
    expect(notAdmin.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('the returns queue (Query.returns)', () => {
  const QUEUE = `query($filter: ReturnFilter, $first: Int, $after: String) {
    returns(filter: $filter, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { id status reason requestedAt lines { sku quantity } amount { amount }
        order { id email total { amount } returns { id } } } }
    } }`;
  const at = (minute: number) => new Date(Date.UTC(2026, 0, 5, 9, minute));
  const request = (id: string, status: string, minute: number) => ({
    _id: id,
    lines: [{ productId: 'g-p', variantId: 'g-p', sku: 'GP-1', quantity: 1, amount: 350 }],
    amount: 350,
    reason: `reason ${id}`,
    status,
    requestedBy: 'q-user',
    requestedAt: at(minute),
    decidedBy: null,
    decidedAt: null,
    decisionReason: null,
    receivedBy: null,
    receivedAt: null,
    restock: null,
  });
  const staff = (role: Role) => as(`q-${role.toLowerCase()}`, role);
  const ids = (result: Result) => result.data.returns.edges.map((edge: any) => edge.node.id);
  let first: any;
  let second: any;

  beforeAll(async () => {
    // Returns are written on the order as requestReturn writes them (fulfilment.test.ts covers
    // how they get there): the queue only reads them. Two share a minute, ordered by id.
    first = await checkoutAs('q-user');
    second = await checkoutAs('q-user');
    await conn.collection('orders').updateOne({ _id: first.id } as never, {
      $set: { returns: [request('ret-c', 'REQUESTED', 3), request('ret-x', 'RECEIVED', 1)] },
    });
    await conn.collection('orders').updateOne({ _id: second.id } as never, {
      $set: {
        returns: [
          request('ret-b', 'REQUESTED', 2),
          request('ret-a', 'REQUESTED', 2),
          request('ret-d', 'APPROVED', 4),
        ],
      },
    });
  });

  it('lists one status oldest request first, in cursor pages, each return with its order', async () => {
    const auth = await staff('SUPPORT');
    const pageOne = await gql(QUEUE, { filter: { status: 'REQUESTED' }, first: 2 }, auth);
    expect(pageOne.errors).toBeUndefined();
    expect(pageOne.data.returns).toMatchObject({ totalCount: 3, pageInfo: { hasNextPage: true } });
    expect(ids(pageOne)).toEqual(['ret-a', 'ret-b']);
    expect(pageOne.data.returns.edges[0].node).toMatchObject({
      status: 'REQUESTED',
      reason: 'reason ret-a',
      requestedAt: at(2).toISOString(),
      lines: [{ sku: 'GP-1', quantity: 1 }],
      amount: { amount: 350 },
      // The order whole, every return of it included, not only the one queued.
      order: {
        id: second.id,
        email: 'q-user@example.com',
        total: { amount: second.total.amount },
        returns: [{ id: 'ret-b' }, { id: 'ret-a' }, { id: 'ret-d' }],
      },
    });
    const pageTwo = await gql(
      QUEUE,
      { filter: { status: 'REQUESTED' }, first: 2, after: pageOne.data.returns.pageInfo.endCursor },
      auth,
    );
    expect(ids(pageTwo)).toEqual(['ret-c']);
    expect(pageTwo.data.returns.pageInfo.hasNextPage).toBe(false);
    expect(pageTwo.data.returns.edges[0].node.order.id).toBe(first.id);

    const approved = await gql(QUEUE, { filter: { status: 'APPROVED' } }, await staff('DISPATCHER'));
    expect(ids(approved)).toEqual(['ret-d']);
    const all = await gql(QUEUE, {}, await as('admin', 'ADMIN'));
    expect(ids(all)).toEqual(['ret-x', 'ret-a', 'ret-b', 'ret-c', 'ret-d']);
    expect(all.data.returns.totalCount).toBe(5);
  });

  it('is refused to customers and FINANCE, and refuses a bad page', async () => {
    for (const auth of [await as('q-user'), await staff('FINANCE'), {}]) {
      const refused = await gql(QUEUE, {}, auth);
      expect(refused.errors?.[0]?.extensions?.code, JSON.stringify(refused.errors)).toMatch(
        /FORBIDDEN|UNAUTHENTICATED/,
      );
    }
    const customer = await gql(QUEUE, {}, await as('q-user'));
    expect(customer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const support = await staff('SUPPORT');
    expect((await gql(QUEUE, { first: 101 }, support)).errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'first',
    });
    expect((await gql(QUEUE, { after: 'not a cursor' }, support)).errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'after',
    });
  });

  it('a page costs two commands, whatever its size: the rows and the total', async () => {
    const auth = await staff('SUPPORT');
    for (const size of [1, 5]) {
      const requestId = `return-queue-${size}-${Date.now()}`;
      const result = await gql(QUEUE, { first: size }, { ...auth, 'x-request-id': requestId });
      expect(result.errors).toBeUndefined();
      expect(result.data.returns.edges).toHaveLength(size);
      expect(commandStats.forRequest(requestId, { database: conn.name })).toMatchObject({
        total: 2,
        byCommand: { aggregate: 2 },
      });
    }
  });
});

describe('receiveReturn line by line over GraphQL', () => {
  const RECEIVE = `mutation($r: ID!, $restock: Boolean!, $lines: [ReceiveReturnLineInput!]) {
    receiveReturn(returnId: $r, restock: $restock, lines: $lines) {
      status restocked lines { variantId sku restocked } } }`;
  const RETURNS = `query($id: ID!) { order(id: $id) { returns { id status restocked lines { sku restocked } } } }`;
  const line = (id: string) => ({ productId: id, variantId: id, sku: `SKU-${id}`, quantity: 1, amount: 100 });
  const stored = (id: string, status: string, restock: boolean | null) => ({
    _id: id,
    lines: [line('g-p'), line('g-q')],
    amount: 200,
    reason: 'mixed',
    status,
    requestedBy: 'r-user',
    requestedAt: new Date(),
    decidedBy: 'support-1',
    decidedAt: new Date(),
    decisionReason: null,
    receivedBy: status === 'RECEIVED' ? 'support-1' : null,
    receivedAt: status === 'RECEIVED' ? new Date() : null,
    restock,
  });
  let order: any;

  beforeAll(async () => {
    // Written as approveReturn leaves it, and one received before per-line choices (no line has
    // its own `restocked`): fulfilment.test.ts covers how they get there.
    order = await checkoutAs('r-user');
    await conn.collection('orders').updateOne({ _id: order.id } as never, {
      $set: { returns: [stored('ret-old', 'RECEIVED', true), stored('ret-mixed', 'APPROVED', null)] },
    });
  });

  it('names a line the return lacks, or one twice, by its path and receives nothing; then each line its own way', async () => {
    const auth = await as('r-dispatcher', 'DISPATCHER');
    const unknown = await gql(
      RECEIVE,
      { r: 'ret-mixed', restock: true, lines: [{ variantId: 'g-z', restock: false }] },
      auth,
    );
    expect(unknown.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'lines[0].variantId',
    });
    const twice = await gql(
      RECEIVE,
      {
        r: 'ret-mixed',
        restock: true,
        lines: [
          { variantId: 'g-q', restock: false },
          { variantId: 'g-q', restock: false },
        ],
      },
      auth,
    );
    expect(twice.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'lines[1].variantId',
    });
    const untouched = await gql(RETURNS, { id: order.id }, auth);
    expect(untouched.data.order.returns[1]).toEqual({
      id: 'ret-mixed',
      status: 'APPROVED',
      restocked: null,
      lines: [
        { sku: 'SKU-g-p', restocked: null },
        { sku: 'SKU-g-q', restocked: null },
      ],
    });

    const received = await gql(
      RECEIVE,
      { r: 'ret-mixed', restock: true, lines: [{ variantId: 'g-q', restock: false }] },
      auth,
    );
    expect(received.errors).toBeUndefined();
    expect(received.data.receiveReturn).toEqual({
      status: 'RECEIVED',
      restocked: true,
      lines: [
        { variantId: 'g-p', sku: 'SKU-g-p', restocked: true },
        { variantId: 'g-q', sku: 'SKU-g-q', restocked: false },
      ],
    });
  });

  it('restocks part of a line over GraphQL, refusing a figure out of range on its path', async () => {
    const auth = await as('r-dispatcher', 'DISPATCHER');
    const partial = await checkoutAs('r-user');
    const threeOf = (id: string) => ({ ...line(id), quantity: 3, amount: 300 });
    await conn.collection('orders').updateOne({ _id: partial.id } as never, {
      $set: {
        returns: [
          {
            ...stored('ret-partial', 'APPROVED', null),
            lines: [threeOf('g-p'), threeOf('g-q')],
            amount: 600,
          },
        ],
      },
    });
    const RECEIVE_UNITS = `mutation($r: ID!, $lines: [ReceiveReturnLineInput!]) {
      receiveReturn(returnId: $r, restock: true, lines: $lines) {
        status restocked lines { sku quantity restocked restockedQuantity } } }`;
    const tooMany = await gql(
      RECEIVE_UNITS,
      { r: 'ret-partial', lines: [{ variantId: 'g-p', restock: true, restockQuantity: 4 }] },
      auth,
    );
    expect(tooMany.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'lines[0].restockQuantity',
    });
    const writtenOffWithUnits = await gql(
      RECEIVE_UNITS,
      {
        r: 'ret-partial',
        lines: [
          { variantId: 'g-p', restock: true, restockQuantity: 1 },
          { variantId: 'g-q', restock: false, restockQuantity: 1 },
        ],
      },
      auth,
    );
    expect(writtenOffWithUnits.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'lines[1].restockQuantity',
    });
    const untouched = await gql(
      `query($id: ID!) { order(id: $id) { returns { status restocked lines { restocked restockedQuantity } } } }`,
      { id: partial.id },
      auth,
    );
    expect(untouched.data.order.returns).toEqual([
      {
        status: 'APPROVED',
        restocked: null,
        lines: [
          { restocked: null, restockedQuantity: null },
          { restocked: null, restockedQuantity: null },
        ],
      },
    ]);

    const received = await gql(
      RECEIVE_UNITS,
      { r: 'ret-partial', lines: [{ variantId: 'g-p', restock: true, restockQuantity: 2 }] },
      auth,
    );
    expect(received.errors).toBeUndefined();
    expect(received.data.receiveReturn).toEqual({
      status: 'RECEIVED',
      restocked: true,
      lines: [
        { sku: 'SKU-g-p', quantity: 3, restocked: true, restockedQuantity: 2 },
        { sku: 'SKU-g-q', quantity: 3, restocked: true, restockedQuantity: 3 },
      ],
    });
  });

  it('reads the restocked units of returns received before partial restocks from their flags', async () => {
    const older = await checkoutAs('r-user');
    const twoOf = (id: string, restocked?: boolean) => ({
      ...line(id),
      quantity: 2,
      ...(restocked === undefined ? {} : { restocked }),
    });
    await conn.collection('orders').updateOne({ _id: older.id } as never, {
      $set: {
        returns: [
          // Received with per-line choices, before partial restocks: each line's own flag.
          { ...stored('ret-lines', 'RECEIVED', true), lines: [twoOf('g-p', true), twoOf('g-q', false)] },
          // Received before per-line choices: the return's flag is every line's.
          { ...stored('ret-whole', 'RECEIVED', false), lines: [twoOf('g-p'), twoOf('g-q')] },
          { ...stored('ret-waiting', 'APPROVED', null), lines: [twoOf('g-p')] },
        ],
      },
    });
    const result = await gql(
      `query($id: ID!) { order(id: $id) { returns { id lines { sku restocked restockedQuantity } } } }`,
      { id: older.id },
      await as('r-user'),
    );
    expect(result.data.order.returns).toEqual([
      {
        id: 'ret-lines',
        lines: [
          { sku: 'SKU-g-p', restocked: true, restockedQuantity: 2 },
          { sku: 'SKU-g-q', restocked: false, restockedQuantity: 0 },
        ],
      },
      {
        id: 'ret-whole',
        lines: [
          { sku: 'SKU-g-p', restocked: false, restockedQuantity: 0 },
          { sku: 'SKU-g-q', restocked: false, restockedQuantity: 0 },
        ],
      },
      { id: 'ret-waiting', lines: [{ sku: 'SKU-g-p', restocked: null, restockedQuantity: null }] },
    ]);
  });

  it("shows a return received before per-line choices with the return's choice on every line", async () => {
    const result = await gql(RETURNS, { id: order.id }, await as('r-user'));
    expect(result.data.order.returns[0]).toEqual({
      id: 'ret-old',
      status: 'RECEIVED',
      restocked: true,
      lines: [
        { sku: 'SKU-g-p', restocked: true },
        { sku: 'SKU-g-q', restocked: true },
      ],
    });
  });
});
