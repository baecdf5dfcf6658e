import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Viewer } from '@novamart/kit';
import { eventually } from '@novamart/kit/testing';
import { ScriptedMailer, startNotifications, type NotificationsHarness } from './support';
import { renderMessage } from '../src/templates/render';

const alice: Viewer = { id: 'user-alice', role: 'CUSTOMER' };
const admin: Viewer = { id: 'user-admin', role: 'ADMIN' };

describe('notifications from domain events', () => {
  let h: NotificationsHarness;
  const mailer = new ScriptedMailer();
  beforeAll(async () => {
    h = await startNotifications({ NOTIFY_MAX_ATTEMPTS: '4' }, mailer);
  });
  afterAll(async () => h?.stop());

  const placeOrder = (orderId: string, email: string, productName = 'Trail Shoe') =>
    h.publish('order.placed', orderId, {
      orderId,
      userId: alice.id,
      email,
      cartId: null,
      lines: [{ productId: 'p1', sku: 'SHOE-1', name: productName, quantity: 2, unitAmount: 4_999 }],
      subtotal: 9_998,
      shippingCost: 0,
      total: 9_998,
      currency: 'USD',
    });

  it('sends the verification code on registration, and a welcome once verified', async () => {
    const registered = await h.publish('user.registered', alice.id, {
      userId: alice.id,
      email: 'alice@example.com',
      name: 'Alice',
      role: 'CUSTOMER',
      verificationCode: '482913',
      codeExpiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    });
    await h.redeliver(registered);
    const [verification] = await h.waitFor({ type: 'EMAIL_VERIFICATION', recipient: 'alice@example.com' });
    expect(verification).toMatchObject({ status: 'SENT', attempts: 1, userId: alice.id, channel: 'email' });
    expect(verification!.subject).toContain('482913');
    expect(verification!.body).toContain('482913');
    expect(verification!.html).toContain('482913');
    await h.publish('user.email_verified', alice.id, {
      userId: alice.id,
      email: 'alice@example.com',
      name: 'Alice',
    });
    const [welcome] = await h.waitFor({ type: 'WELCOME', recipient: 'alice@example.com' });
    expect(welcome!.subject).toBe('Welcome to NovaMart, Alice');
    expect(
      await h.notifications({ type: 'EMAIL_VERIFICATION', recipient: 'alice@example.com' }),
    ).toHaveLength(1);
  });

  it('mails a fresh verification code and a password reset token, once each', async () => {
    const userId = randomUUID();
    const again = await h.publish('user.verification_requested', userId, {
      userId,
      email: 'again@example.com',
      name: 'Again',
      verificationCode: '604211',
      codeExpiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    });
    const reset = await h.publish('user.password_reset_requested', userId, {
      userId,
      email: 'again@example.com',
      name: 'Again',
      resetToken: 'nmpr_test-token-123',
      expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    await h.redeliver(again);
    await h.redeliver(reset);
    const [code] = await h.waitFor({ type: 'EMAIL_VERIFICATION', recipient: 'again@example.com' });
    expect(code).toMatchObject({ status: 'SENT', userId });
    expect(code!.body).toContain('604211');
    const [mail] = await h.waitFor({ type: 'PASSWORD_RESET', recipient: 'again@example.com' });
    expect(mail).toMatchObject({ status: 'SENT', userId });
    expect(mail!.body).toContain('nmpr_test-token-123');
    expect(mail!.html).toContain('nmpr_test-token-123');
    // Without STOREFRONT_URL the mail carries the token alone (test/reset-link.test.ts: with it).
    expect(mail!.body).not.toContain('reset-password');
    expect(mail!.html).not.toContain('<a ');
    expect(await h.notifications({ type: 'PASSWORD_RESET', recipient: 'again@example.com' })).toHaveLength(1);
    expect(
      await h.notifications({ type: 'EMAIL_VERIFICATION', recipient: 'again@example.com' }),
    ).toHaveLength(1);
  });

  it('tells the owner of a password change, once', async () => {
    const userId = randomUUID();
    const changed = await h.publish('user.password_changed', userId, {
      userId,
      email: 'Changed@example.com',
      name: 'Chang',
      changedAt: '2026-01-02T03:04:05.000Z',
    });
    await h.redeliver(changed);
    const [mail] = await h.waitFor({ type: 'PASSWORD_CHANGED', recipient: 'changed@example.com' });
    expect(mail).toMatchObject({ status: 'SENT', userId, subject: 'Your NovaMart password was changed' });
    expect(mail!.body).toContain('Fri, 02 Jan 2026 03:04:05 GMT');
    expect(mail!.html).toContain('Hello Chang');
    expect(
      await h.notifications({ type: 'PASSWORD_CHANGED', recipient: 'changed@example.com' }),
    ).toHaveLength(1);
  });

  it('a paid order yields exactly one ORDER_CONFIRMED and one PAYMENT_SUCCEEDED, even when delivered twice', async () => {
    const orderId = randomUUID();
    const placed = await placeOrder(orderId, 'alice@example.com');
    const paid = await h.publish('payment.succeeded', orderId, {
      paymentId: 'pay1',
      orderId,
      userId: alice.id,
      amount: 9_998,
      currency: 'USD',
      provider: 'simulated',
    });
    await h.redeliver(placed);
    await h.redeliver(paid);
    const confirmed = await h.waitFor({
      type: 'ORDER_CONFIRMED',
      body: { $regex: orderId.slice(0, 8).toUpperCase() },
    });
    const payment = await h.waitFor({
      type: 'PAYMENT_SUCCEEDED',
      subject: { $regex: orderId.slice(0, 8).toUpperCase() },
    });
    await h.settled();
    expect(
      await h.notifications({ _id: { $in: [...confirmed, ...payment].map((n) => n._id) } }),
    ).toHaveLength(2);
    expect(confirmed[0]!.body).toContain('2 x Trail Shoe (SHOE-1): $99.98');
    expect(confirmed[0]!.body).toContain('Total: $99.98');
    expect(payment[0]!.body).toContain('$99.98');
  });

  it('shows the tax of an order: added to exclusive prices, contained in inclusive ones', async () => {
    const place = (orderId: string, email: string, currency: string, pricesIncludeTax: boolean) =>
      h.publish('order.placed', orderId, {
        orderId,
        userId: alice.id,
        email,
        cartId: null,
        lines: [{ productId: 'p1', sku: 'MUG-1', name: 'Mug', quantity: 3, unitAmount: 1_999 }],
        subtotal: 5_997,
        shippingCost: 1_500,
        taxTotal: 544,
        pricesIncludeTax,
        total: pricesIncludeTax ? 7_497 : 8_041,
        currency,
      });
    await place(randomUUID(), 'tax-us@example.com', 'USD', false);
    await place(randomUUID(), 'tax-de@example.com', 'EUR', true);
    const [us] = await h.waitFor({ type: 'ORDER_CONFIRMED', recipient: 'tax-us@example.com' });
    expect(us!.body).toContain('Shipping: $15.00\nTax: $5.44\nTotal: $80.41');
    expect(us!.html).toContain('Tax: $5.44');
    const [de] = await h.waitFor({ type: 'ORDER_CONFIRMED', recipient: 'tax-de@example.com' });
    expect(de!.body).toContain('Shipping: €15.00\nIncluding tax: €5.44\nTotal: €74.97');
    // An order without tax shows no tax line (as every order placed before tax existed).
    await placeOrder(randomUUID(), 'no-tax@example.com');
    const [untaxed] = await h.waitFor({ type: 'ORDER_CONFIRMED', recipient: 'no-tax@example.com' });
    expect(untaxed!.body).toContain('Shipping: $0.00\nTotal: $99.98');
  });

  it('waits for the order when a payment event overtakes its placement', async () => {
    const orderId = randomUUID();
    const failedBefore = await h.failedAttempts('payment.failed');
    await h.publish('payment.failed', orderId, {
      paymentId: 'pay2',
      orderId,
      userId: alice.id,
      reason: 'Your card has insufficient funds.',
      declineCode: 'insufficient_funds',
    });
    // Tried, and refused, before the order is known.
    await eventually(
      () => h.failedAttempts('payment.failed'),
      (n) => n > failedBefore,
      'a failed attempt',
    );
    await placeOrder(orderId, 'late@example.com');
    const [failed] = await h.waitFor({ type: 'PAYMENT_FAILED', recipient: 'late@example.com' });
    expect(failed!.body).toContain('Your card has insufficient funds.');
  });

  it('escapes every variable: a product named <script> arrives inert', async () => {
    const orderId = randomUUID();
    await placeOrder(orderId, 'xss@example.com', '<script>alert(1)</script>');
    const [confirmed] = await h.waitFor({ type: 'ORDER_CONFIRMED', recipient: 'xss@example.com' });
    expect(confirmed!.html).not.toContain('<script>');
    expect(confirmed!.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    // The plain-text part is never interpreted as markup, so it keeps the name as typed.
    expect(confirmed!.body).toContain('<script>alert(1)</script>');
  });

  it('includes carrier and tracking number when an order ships, and the reason when it is cancelled', async () => {
    const orderId = randomUUID();
    await h.publish('order.shipped', orderId, {
      orderId,
      userId: alice.id,
      email: 'alice@example.com',
      carrier: 'DHL',
      trackingNumber: 'JD0146',
    });
    await h.publish('order.cancelled', randomUUID(), {
      orderId: 'ffffeeee-1',
      userId: alice.id,
      email: 'alice@example.com',
      reason: 'Out of stock',
      wasPaid: true,
    });
    const [shipped] = await h.waitFor({ type: 'ORDER_SHIPPED', body: { $regex: 'JD0146' } });
    expect(shipped!.body).toContain('DHL');
    const [cancelled] = await h.waitFor({ type: 'ORDER_CANCELLED', recipient: 'alice@example.com' });
    expect(cancelled!.body).toContain('Out of stock');
    expect(cancelled!.body).toContain('refunded');
  });

  it('mails each shipment with its lines and tracking link, and not again for the order.shipped that lists them', async () => {
    const orderId = randomUUID();
    await placeOrder(orderId, 'parcels@example.com', 'Trail <Shoe>');
    const shipment = await h.publish('shipment.created', orderId, {
      orderId,
      shipmentId: 'shp-1',
      lines: [{ productId: 'p1', sku: 'SHOE-1', quantity: 1, amount: 4_999 }],
      amount: 4_999,
      currency: 'USD',
      carrier: 'UPS',
      trackingNumber: '1Z-PARCEL',
      trackingUrl: 'https://track.example/?id=1Z&x="y"',
    });
    await h.redeliver(shipment);
    await h.publish('order.shipped', orderId, {
      orderId,
      userId: alice.id,
      email: 'parcels@example.com',
      carrier: 'UPS',
      trackingNumber: '1Z-PARCEL',
      shipmentIds: ['shp-1'],
    });
    const [mail] = await h.waitFor({ type: 'ORDER_SHIPPED', recipient: 'parcels@example.com' });
    expect(mail!.body).toContain('Track it: https://track.example/?id=1Z&x="y"');
    expect(mail!.body).toContain('- 1 x Trail <Shoe> (SHOE-1)');
    expect(mail!.html).toContain('href="https://track.example/?id=1Z&amp;x=&quot;y&quot;"');
    expect(mail!.html).toContain('Trail &lt;Shoe&gt;');
    // The order.shipped was handled after the shipment's mail: still exactly one message.
    await h.publish('order.cancelled', orderId, {
      orderId,
      userId: alice.id,
      email: 'parcels@example.com',
      reason: 'marker',
      wasPaid: false,
    });
    await h.waitFor({ type: 'ORDER_CANCELLED', recipient: 'parcels@example.com' });
    expect(await h.notifications({ type: 'ORDER_SHIPPED', recipient: 'parcels@example.com' })).toHaveLength(
      1,
    );
  });

  it('tells the customer of every step of a return', async () => {
    const orderId = randomUUID();
    await placeOrder(orderId, 'returns@example.com');
    const facts = { returnId: 'ret-1', orderId, userId: alice.id };
    const lines = [{ productId: 'p1', sku: 'SHOE-1', quantity: 2, amount: 9_998 }];
    await h.publish('return.requested', orderId, {
      ...facts,
      lines,
      amount: 9_998,
      currency: 'USD',
      reason: 'Too big',
    });
    await h.publish('return.approved', orderId, { ...facts, approvedBy: 'support-1', reason: null });
    await h.publish('return.received', orderId, {
      ...facts,
      lines,
      amount: 9_998,
      currency: 'USD',
      restock: true,
      approvedBy: 'support-1',
      receivedBy: 'dispatcher-1',
    });
    await h.publish('return.rejected', orderId, {
      ...facts,
      returnId: 'ret-2',
      rejectedBy: 'support-1',
      reason: 'Worn',
    });
    const recipient = 'returns@example.com';
    const [requested] = await h.waitFor({ type: 'RETURN_REQUESTED', recipient });
    expect(requested!.body).toContain('- 2 x Trail Shoe (SHOE-1): $99.98');
    expect(requested!.body).toContain('Reason: Too big');
    await h.waitFor({ type: 'RETURN_APPROVED', recipient });
    const [received] = await h.waitFor({ type: 'RETURN_RECEIVED', recipient });
    expect(received!.body).toContain('We are refunding $99.98');
    const [rejected] = await h.waitFor({ type: 'RETURN_REJECTED', recipient });
    expect(rejected!.body).toContain('Reason: Worn');
  });

  it('alerts every admin of low stock', async () => {
    await h.publish('user.registered', 'admin-a', {
      userId: 'admin-a',
      email: 'ops@example.com',
      name: 'Ops',
      role: 'ADMIN',
      verificationCode: '111111',
      codeExpiresAt: new Date().toISOString(),
    });
    await h.publish('user.registered', 'admin-b', {
      userId: 'admin-b',
      email: 'buyer-lead@example.com',
      name: 'Lead',
      role: 'CUSTOMER',
      verificationCode: '222222',
      codeExpiresAt: new Date().toISOString(),
    });
    await h.publish('user.role_changed', 'admin-b', {
      userId: 'admin-b',
      email: 'buyer-lead@example.com',
      role: 'ADMIN',
      previousRole: 'CUSTOMER',
    });
    // The role change is projected by its own consumer group; the alert reads that projection.
    await eventually(
      () => h.conn.collection('account_contacts').countDocuments({ role: 'ADMIN' }),
      (n) => n >= 2,
      { what: 'admin contacts projected', timeoutMs: 5_000 },
    );
    const low = await h.publish('inventory.low_stock', 'p9', {
      productId: 'p9',
      sku: 'MUG-9',
      name: 'Enamel Mug',
      available: 2,
      reorderLevel: 5,
    });
    await h.redeliver(low);
    const alerts = await h.waitFor({ type: 'LOW_STOCK_ALERT' }, 2);
    await h.settled();
    expect((await h.notifications({ type: 'LOW_STOCK_ALERT' })).map((n) => n.recipient).sort()).toEqual([
      'buyer-lead@example.com',
      'ops@example.com',
    ]);
    expect(alerts[0]!.subject).toBe('Low stock: Enamel Mug (MUG-9)');
  });

  it('a send that fails twice then succeeds ends SENT after 3 attempts', async () => {
    mailer.failFor('flaky@example.com', 2);
    await h.publish('user.email_verified', 'u-flaky', {
      userId: 'u-flaky',
      email: 'flaky@example.com',
      name: null,
    });
    const [welcome] = await h.waitFor({ type: 'WELCOME', recipient: 'flaky@example.com' });
    expect(welcome).toMatchObject({ status: 'SENT', attempts: 3, lastError: null });
  });

  it('one that always fails ends FAILED after the configured attempts, and others keep flowing', async () => {
    mailer.failFor('dead@example.com', Infinity);
    await h.publish('user.email_verified', 'u-dead', {
      userId: 'u-dead',
      email: 'dead@example.com',
      name: null,
    });
    await h.publish('user.email_verified', 'u-fine', {
      userId: 'u-fine',
      email: 'fine@example.com',
      name: null,
    });
    const [fine] = await h.waitFor({ type: 'WELCOME', recipient: 'fine@example.com' });
    expect(fine!.status).toBe('SENT');
    const [dead] = await h.waitFor({ type: 'WELCOME', recipient: 'dead@example.com' });
    expect(dead).toMatchObject({
      status: 'FAILED',
      attempts: 4,
      lastError: '421 mailbox for dead@example.com temporarily unavailable',
    });
    expect(mailer.sent.filter((m) => m.to === 'dead@example.com')).toHaveLength(0);
  });
});

describe('notification queries', () => {
  let h: NotificationsHarness;
  beforeAll(async () => {
    h = await startNotifications();
    for (let i = 0; i < 3; i++) {
      await h.publish('order.shipped', `order-${i}`, {
        orderId: `order-${i}`,
        userId: alice.id,
        email: 'alice@example.com',
        carrier: 'UPS',
        trackingNumber: `T${i}`,
      });
      // Handlers of different orders run concurrently: wait for each so "newest" is T2, T1, T0.
      await h.waitFor({ type: 'ORDER_SHIPPED' }, i + 1);
    }
    await h.publish('order.shipped', 'order-bob', {
      orderId: 'order-bob',
      userId: 'user-bob',
      email: 'bob@example.com',
      carrier: 'UPS',
      trackingNumber: 'TB',
    });
    await h.waitFor({ type: 'ORDER_SHIPPED' }, 4);
  });
  afterAll(async () => h?.stop());

  const MINE = `query($first: Int, $after: String, $unread: Boolean) {
    myNotifications(first: $first, after: $after, unreadOnly: $unread) {
      edges { cursor node { id type recipient subject body status attempts readAt createdAt } }
      pageInfo { hasNextPage endCursor }
    }
  }`;

  it('lists the caller’s own notifications, newest first, page by page', async () => {
    const first = await h.graphql(MINE, { first: 2 }, alice);
    const page1 = first.data!.myNotifications;
    expect(page1.edges.map((e: any) => e.node.body)).toEqual([
      expect.stringContaining('T2'),
      expect.stringContaining('T1'),
    ]);
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const second = await h.graphql(MINE, { first: 2, after: page1.pageInfo.endCursor }, alice);
    expect(second.data!.myNotifications.edges.map((e: any) => e.node.body)).toEqual([
      expect.stringContaining('T0'),
    ]);
    expect(second.data!.myNotifications.pageInfo.hasNextPage).toBe(false);
    expect((await h.graphql(MINE, {}, null)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await h.graphql(MINE, { first: 101 }, alice)).errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'first',
    });
  });

  it('marks a notification read, for its owner only, and filters unread', async () => {
    const { data } = await h.graphql(MINE, { first: 1 }, alice);
    const id = data!.myNotifications.edges[0].node.id;
    const mark = `mutation($id: ID!) { markNotificationRead(id: $id) { id readAt } }`;
    expect(
      (await h.graphql(mark, { id }, { id: 'user-bob', role: 'CUSTOMER' })).errors?.[0]?.extensions?.code,
    ).toBe('FORBIDDEN');
    const read = await h.graphql(mark, { id }, alice);
    expect(read.data!.markNotificationRead.readAt).toEqual(expect.any(String));
    const again = await h.graphql(mark, { id }, alice);
    expect(again.data!.markNotificationRead.readAt).toBe(read.data!.markNotificationRead.readAt);
    const unread = await h.graphql(MINE, { unread: true }, alice);
    expect(unread.data!.myNotifications.edges.map((e: any) => e.node.id)).not.toContain(id);
    expect(unread.data!.myNotifications.edges).toHaveLength(2);
    expect(
      (await h.graphql(mark, { id: '0123456789abcdef01234567' }, alice)).errors?.[0]?.extensions?.code,
    ).toBe('NOT_FOUND');
  });

  it('gives admins every notification with filters, and nobody else', async () => {
    const query = `query($f: NotificationFilter) { notifications(first: 10, filter: $f) { edges { node { recipient type status } } } }`;
    const all = await h.graphql(query, { f: { type: 'ORDER_SHIPPED' } }, admin);
    expect(all.data!.notifications.edges).toHaveLength(4);
    const bob = await h.graphql(query, { f: { recipient: 'BOB@example.com' } }, admin);
    expect(bob.data!.notifications.edges.map((e: any) => e.node.recipient)).toEqual(['bob@example.com']);
    expect((await h.graphql(query, {}, alice)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('templates', () => {
  it('every type renders a subject and both parts', () => {
    const types = [
      'EMAIL_VERIFICATION',
      'WELCOME',
      'PASSWORD_RESET',
      'PASSWORD_CHANGED',
      'ORDER_CONFIRMED',
      'PAYMENT_SUCCEEDED',
      'PAYMENT_FAILED',
      'PAYMENT_REJECTED',
      'ORDER_SHIPPED',
      'ORDER_CANCELLED',
      'REFUND_ISSUED',
      'LOW_STOCK_ALERT',
    ] as const;
    for (const type of types) {
      const message = renderMessage(type, {
        orderRef: 'ABC',
        name: 'N',
        code: '1',
        lines: [],
        amount: '$1.00',
      });
      expect(message.subject.length, type).toBeGreaterThan(5);
      expect(message.html, type).toMatch(/^<!doctype html>/);
      expect(message.text.trim().length, type).toBeGreaterThan(10);
    }
  });

  it('keeps line breaks out of subjects', () => {
    const message = renderMessage('LOW_STOCK_ALERT', {
      name: 'Mug\r\nBcc: victim@example.com',
      sku: 'M',
      available: 1,
      reorderLevel: 2,
    });
    expect(message.subject).not.toMatch(/[\r\n]/);
  });
});
