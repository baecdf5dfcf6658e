import { randomUUID } from 'node:crypto';
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@novamart/kit/testing';
import { notificationsSubgraph, twilioSignature, SMS_STATUS_PATH } from '@novamart/notifications';
import { recommendationsSubgraph } from '@novamart/recommendations';
import { CHECKOUT_SUBGRAPHS } from './support/subgraphs';
import {
  startSupergraph,
  type GraphQLResponse,
  type SignedInUser,
  type Supergraph,
} from './support/supergraph';
import { checkout, createProduct, mustSucceed } from './support/storefront';

const CALLBACK_SECRET = 'sms-callback-secret-for-tests';

// Issue 16 through the gateway: SMS by preference (development outbox), the signed delivery
// callback, transactional email that cannot be turned off, template overrides, and the wishlist.
describe('notification preferences, SMS and templates through the gateway', () => {
  let sg: Supergraph;

  beforeAll(async () => {
    sg = await startSupergraph({
      subgraphs: [...CHECKOUT_SUBGRAPHS, notificationsSubgraph, recommendationsSubgraph],
      env: { SMS_CALLBACK_SECRET: CALLBACK_SECRET },
    });
  });
  afterAll(async () => {
    await sg?.stop();
  });

  const codeOf = (result: GraphQLResponse) => result.errors?.[0]?.extensions?.code;
  const PREFS = '{ notificationPreferences { phone types { type email sms emailRequired } } }';
  const SET_PREF =
    'mutation($i: NotificationPreferenceInput!) { setNotificationPreference(input: $i) { types { type email sms } } }';
  const MINE =
    '{ myNotifications(first: 20) { edges { node { id type channel recipient subject html status } } } }';

  /** A customer with a phone number that notifications has heard of. */
  async function customerWithPhone(name: string, phone: string): Promise<SignedInUser> {
    const customer = await sg.customer(name);
    const set = mustSucceed(
      await sg.query(
        'mutation($p: String) { setPhone(phone: $p) { phone } }',
        { p: phone },
        { token: customer.token },
      ),
      'setPhone',
    );
    expect(set.setPhone.phone).toBe(phone.replace(/[\s-]/g, ''));
    await eventually(
      () => sg.query(PREFS, {}, { token: customer.token }),
      (r) => r.data?.notificationPreferences.phone === set.setPhone.phone,
      { what: `notifications to learn ${name}'s phone` },
    );
    return customer;
  }

  const mine = async (customer: SignedInUser) =>
    mustSucceed(
      await sg.query(MINE, {}, { token: customer.token }),
      'myNotifications',
    ).myNotifications.edges.map((e: any) => e.node);

  it('refuses a phone that is not E.164 and turning off a transactional email', async () => {
    const customer = await sg.customer('Strict');
    const bad = await sg.query(
      'mutation { setPhone(phone: "555-1234") { phone } }',
      {},
      { token: customer.token },
    );
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'phone' });
    const off = await sg.query(
      SET_PREF,
      { i: { type: 'ORDER_CONFIRMED', email: false, sms: true } },
      { token: customer.token },
    );
    expect(off.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.email' });
    expect(off.errors?.[0]?.message).toMatch(/transactional email and cannot be turned off/);
    const prefs = mustSucceed(
      await sg.query(PREFS, {}, { token: customer.token }),
      'prefs',
    ).notificationPreferences;
    expect(prefs.types.find((t: any) => t.type === 'ORDER_CONFIRMED')).toEqual({
      type: 'ORDER_CONFIRMED',
      email: true,
      sms: false,
      emailRequired: true,
    });
    expect(codeOf(await sg.query(PREFS))).toBe('UNAUTHENTICATED');
  });

  it('an admin overrides a template only with variables the type provides; values stay escaped', async () => {
    const admin = await sg.admin();
    const SET = `mutation($i: NotificationTemplateInput!) {
      setNotificationTemplate(input: $i) { type overridden subject body variables } }`;
    const unknown = await sg.query(
      SET,
      { i: { type: 'ORDER_CONFIRMED', subject: 'Order {{orderRef}}', body: 'Dear {{customerName}}' } },
      { token: admin.token },
    );
    expect(unknown.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.body',
      unknownVariables: ['customerName'],
    });
    const unclosed = await sg.query(
      SET,
      { i: { type: 'ORDER_CONFIRMED', subject: '{{#if total}}Order', body: 'x' } },
      { token: admin.token },
    );
    expect(unclosed.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.subject',
    });
    const customer = await sg.customer('NotAdmin');
    const byCustomer = await sg.query(
      SET,
      { i: { type: 'ORDER_CONFIRMED', subject: 'x', body: 'y' } },
      { token: customer.token },
    );
    expect(codeOf(byCustomer)).toBe('FORBIDDEN');

    const set = mustSucceed(
      await sg.query(
        SET,
        {
          i: {
            type: 'ORDER_CONFIRMED',
            subject: 'NovaMart order {{orderRef}}: {{total}}',
            body: 'Thanks! <b>{{total}}</b>\n{{#each lines}}{{quantity}} x {{name}}\n{{/each}}',
          },
        },
        { token: admin.token },
      ),
      'setNotificationTemplate',
    );
    expect(set.setNotificationTemplate).toMatchObject({ type: 'ORDER_CONFIRMED', overridden: true });
    expect(set.setNotificationTemplate.variables).toEqual(
      expect.arrayContaining(['orderRef', 'total', 'lines']),
    );
  });

  it('an order confirmation goes by SMS to the customer who turned it on and not to one who did not', async () => {
    const productId = await createProduct(sg, `SMS-${randomUUID().slice(0, 8)}`, 2500, 20, {
      name: 'Mug <script>alert(1)</script>',
    });
    const optedIn = await customerWithPhone('Texter', '+1 555-000-1111');
    const optedOut = await customerWithPhone('Quiet', '+15550002222');
    mustSucceed(
      await sg.query(
        SET_PREF,
        { i: { type: 'ORDER_CONFIRMED', email: true, sms: true } },
        { token: optedIn.token },
      ),
      'setNotificationPreference',
    );

    const inOrder = await checkout(sg, optedIn, productId, randomUUID());
    const outOrder = await checkout(sg, optedOut, productId, randomUUID());
    const ref = (orderId: string) => orderId.slice(0, 8).toUpperCase();

    const texts = await eventually(
      () => sg.query('query($p: String!) { devSmsOutbox(phone: $p) { to body } }', { p: '+15550001111' }),
      (r) => (r.data?.devSmsOutbox.length ?? 0) > 0,
      { what: 'the opted-in customer’s SMS' },
    );
    expect(texts.data!.devSmsOutbox).toEqual([
      { to: '+15550001111', body: `NovaMart order ${ref(inOrder)}: $29.99` },
    ]);

    // The opted-out customer's email is there, and (created after any SMS of the event) no SMS.
    const quiet = await eventually(
      () => mine(optedOut),
      (rows: any[]) => rows.some((n) => n.type === 'ORDER_CONFIRMED' && n.status === 'SENT'),
      { what: "the opted-out customer's confirmation email" },
    );
    expect(quiet.filter((n: any) => n.channel === 'sms')).toEqual([]);
    expect(quiet.find((n: any) => n.type === 'ORDER_CONFIRMED').subject).toBe(
      `NovaMart order ${ref(outOrder)}: $29.99`,
    );
    const silent = await sg.query('{ devSmsOutbox(phone: "+15550002222") { body } }');
    expect(silent.data?.devSmsOutbox).toEqual([]);

    // The override's HTML part escapes its own text and every value.
    const email = (await mine(optedIn)).find(
      (n: any) => n.type === 'ORDER_CONFIRMED' && n.channel === 'email',
    );
    expect(email.html).toContain('Thanks! &lt;b&gt;$29.99&lt;/b&gt;');
    expect(email.html).toContain('Mug &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(email.html).not.toContain('<script>');

    // The provider's delivery callback: refused unsigned or wrongly signed, DELIVERED when signed.
    const sms = await eventually(
      () => mine(optedIn),
      (rows: any[]) => rows.some((n) => n.channel === 'sms' && n.status === 'SENT'),
      { what: 'the SMS to be sent' },
    );
    const sent = sms.find((n: any) => n.channel === 'sms');
    expect(sent).toMatchObject({ type: 'ORDER_CONFIRMED', recipient: '+15550001111' });
    const url = new URL(SMS_STATUS_PATH, sg.subgraph('notifications').url).href;
    const params = { MessageSid: `dev-${sent.id}`, MessageStatus: 'delivered', To: '+15550001111' };
    const post = (headers: Record<string, string>) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams(params).toString(),
      });
    expect((await post({})).status).toBe(403);
    expect(
      (await post({ 'x-twilio-signature': twilioSignature('wrong-secret-xxxxxxxx', url, params) })).status,
    ).toBe(403);
    expect((await mine(optedIn)).find((n: any) => n.id === sent.id).status).toBe('SENT');
    expect((await post({ 'x-twilio-signature': twilioSignature(CALLBACK_SECRET, url, params) })).status).toBe(
      200,
    );
    expect((await mine(optedIn)).find((n: any) => n.id === sent.id).status).toBe('DELIVERED');
  });

  it('a wishlist (users) lists products through the Product entity and feeds recommendations', async () => {
    const productId = await createProduct(sg, `WISH-${randomUUID().slice(0, 8)}`, 1800, 5, {
      name: 'Wished Lamp',
    });
    const customer = await sg.customer('Wisher');
    const add = 'mutation($p: ID!) { addToWishlist(productId: $p) { wishlist { product { id name } } } }';
    const added = mustSucceed(
      await sg.query(add, { p: productId }, { token: customer.token }),
      'addToWishlist',
    );
    expect(added.addToWishlist.wishlist).toEqual([{ product: { id: productId, name: 'Wished Lamp' } }]);
    // Adding it again changes nothing.
    const again = mustSucceed(
      await sg.query(add, { p: productId }, { token: customer.token }),
      'addToWishlist',
    );
    expect(again.addToWishlist.wishlist).toHaveLength(1);

    const interactions = sg.subgraph('recommendations').runtime.mongo.collection('interactions');
    await eventually(
      () => interactions.find({ userId: customer.userId, productId, type: 'WISHLIST' }).toArray(),
      (rows: unknown[]) => rows.length === 1,
      { what: 'recommendations to count the WISHLIST interaction' },
    );

    const removed = mustSucceed(
      await sg.query(
        'mutation($p: ID!) { removeFromWishlist(productId: $p) { wishlist { product { id } } } }',
        { p: productId },
        { token: customer.token },
      ),
      'removeFromWishlist',
    );
    expect(removed.removeFromWishlist.wishlist).toEqual([]);
    const me = await sg.query('{ me { wishlist { product { id } } } }', {}, { token: customer.token });
    expect(me.data?.me.wishlist).toEqual([]);
  });

  it('a wishlist refuses a product the catalog does not know, so the account always reads', async () => {
    const customer = await sg.customer('Unknown Wisher');
    const refused = await sg.query(
      'mutation($p: ID!) { addToWishlist(productId: $p) { wishlist { addedAt } } }',
      { p: 'no-such-product' },
      { token: customer.token },
    );
    expect(refused.data).toBeNull();
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'productId' });
    // Nothing was written: the account reads, with its wishlist whole.
    const me = await sg.query('{ me { wishlist { product { id name } } } }', {}, { token: customer.token });
    expect(me.errors).toBeUndefined();
    expect(me.data?.me.wishlist).toEqual([]);
  });

  it('a wishlist item whose product no longer resolves reads as product: null beside the others', async () => {
    const productId = await createProduct(sg, `WISH-${randomUUID().slice(0, 8)}`, 900, 3, {
      name: 'Kept Vase',
    });
    const customer = await sg.customer('Restored Wisher');
    mustSucceed(
      await sg.query(
        'mutation($p: ID!) { addToWishlist(productId: $p) { id } }',
        { p: productId },
        { token: customer.token },
      ),
      'addToWishlist',
    );
    // addToWishlist refuses an id the catalog does not know, so the only way such an item gets in
    // is around the command, as a restored backup or an add made while products was not
    // configured would: written straight into users' own database.
    const goneId = new Types.ObjectId().toHexString();
    const goneAt = new Date();
    type StoredUser = { _id: Types.ObjectId; wishlist: { productId: string; addedAt: Date }[] };
    const written = await sg
      .subgraph('users')
      .runtime.mongo.collection<StoredUser>('users')
      .updateOne(
        { _id: new Types.ObjectId(customer.userId) },
        { $push: { wishlist: { productId: goneId, addedAt: goneAt } } },
      );
    expect(written.modifiedCount).toBe(1);

    const me = await sg.query(
      '{ me { id wishlist { product { id name } productId addedAt } } }',
      {},
      { token: customer.token },
    );
    expect(me.errors).toBeUndefined();
    expect(me.data?.me).toMatchObject({ id: customer.userId });
    expect(me.data?.me.wishlist).toEqual([
      { product: { id: productId, name: 'Kept Vase' }, productId, addedAt: expect.any(String) },
      { product: null, productId: goneId, addedAt: goneAt.toISOString() },
    ]);

    // The shopper can clean it up: productId names it even though product is null.
    const cleaned = mustSucceed(
      await sg.query(
        'mutation($p: ID!) { removeFromWishlist(productId: $p) { wishlist { productId product { id } } } }',
        { p: goneId },
        { token: customer.token },
      ),
      'removeFromWishlist',
    );
    expect(cleaned.removeFromWishlist.wishlist).toEqual([{ productId, product: { id: productId } }]);
  });
});
