import { createServer, type IncomingMessage, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SMS_STATUS_PATH, twilioSignature } from '../src/index';
import { startNotifications, type NotificationsHarness } from './support';

/** SMS through the Twilio-shaped provider, against a Messages API served in this process. */
interface ProviderRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  form: Record<string, string>;
}

const SID = 'AC0123456789abcdef';
const TOKEN = 'twilio-auth-token-for-tests';
const requests: ProviderRequest[] = [];
/** The provider's next answers' status (then 201). */
const failures: number[] = [];
let provider: Server;
let h: NotificationsHarness;
let callbackUrl: string;

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

beforeAll(async () => {
  provider = createServer(async (req, res) => {
    const form = Object.fromEntries(new URLSearchParams(await body(req)));
    requests.push({ method: req.method!, path: req.url!, authorization: req.headers.authorization, form });
    const status = failures.shift() ?? 201;
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify(status === 201 ? { sid: `SM${requests.length}`, status: 'queued' } : { code: 20500 }),
    );
  });
  await new Promise<void>((resolve) => provider.listen(0, '127.0.0.1', resolve));
  const port = (provider.address() as AddressInfo).port;
  // The callback URL the provider would be told; the subgraph's own address is known only once it listens.
  callbackUrl = 'https://shop.example/webhooks/sms/status';
  h = await startNotifications({
    TWILIO_ACCOUNT_SID: SID,
    TWILIO_AUTH_TOKEN: TOKEN,
    TWILIO_BASE_URL: `http://127.0.0.1:${port}`,
    SMS_FROM: '+15005550006',
    SMS_STATUS_CALLBACK_URL: callbackUrl,
  });
});

afterAll(async () => {
  await h?.stop();
  await new Promise<void>((resolve) => provider.close(() => resolve()));
});

const customer = { id: 'user-sms-1', email: 'texter@example.com', phone: '+15551230000' };

async function orderPlaced(orderId: string) {
  return h.publish('order.placed', orderId, {
    orderId,
    userId: customer.id,
    email: customer.email,
    cartId: null,
    lines: [{ productId: 'p1', sku: 'SKU-1', name: 'Kettle', quantity: 1, unitAmount: 2_000 }],
    subtotal: 2_000,
    shippingCost: 0,
    total: 2_000,
    currency: 'USD',
  });
}

it('posts the SMS to the provider with basic auth and a form body, and records its sid', async () => {
  await h.publish('user.registered', customer.id, {
    userId: customer.id,
    email: customer.email,
    name: 'Texter',
    role: 'CUSTOMER',
    verificationCode: null,
    codeExpiresAt: null,
  });
  await h.publish('user.phone_changed', customer.id, { userId: customer.id, phone: customer.phone });
  const set = await h.graphql(
    'mutation { setNotificationPreference(input: { type: ORDER_CONFIRMED, email: true, sms: true }) { phone } }',
    {},
    { id: customer.id, role: 'CUSTOMER' },
  );
  expect(set.errors).toBeUndefined();
  expect(set.data.setNotificationPreference.phone).toBe(customer.phone);

  failures.push(500); // the first attempt fails: retried
  await orderPlaced('order-sms-1');
  const [sms] = await h.waitFor({ channel: 'sms' });
  expect(sms).toMatchObject({
    status: 'SENT',
    attempts: 2,
    recipient: customer.phone,
    providerMessageId: 'SM2',
  });
  expect(requests).toHaveLength(2);
  const sent = requests[1]!;
  expect(sent.method).toBe('POST');
  expect(sent.path).toBe(`/2010-04-01/Accounts/${SID}/Messages.json`);
  expect(sent.authorization).toBe(`Basic ${Buffer.from(`${SID}:${TOKEN}`).toString('base64')}`);
  expect(sent.form).toEqual({
    To: customer.phone,
    From: '+15005550006',
    Body: 'Order ORDER-SM confirmed',
    StatusCallback: callbackUrl,
  });
  // The email went out beside it (transactional: always).
  const [email] = await h.waitFor({ channel: 'email', type: 'ORDER_CONFIRMED' });
  expect(email).toMatchObject({ status: 'SENT', recipient: customer.email });
});

it("marks the SMS DELIVERED on the provider's signed callback, and refuses a forged one", async () => {
  const [sms] = await h.notifications({ channel: 'sms' });
  const params = { MessageSid: sms!.providerMessageId!, MessageStatus: 'delivered', AccountSid: SID };
  const local = new URL(SMS_STATUS_PATH, h.running.url).href;
  const post = (form: Record<string, string>, signature?: string) =>
    fetch(local, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...(signature ? { 'x-twilio-signature': signature } : {}),
      },
      body: new URLSearchParams(form).toString(),
    });

  expect((await post(params)).status).toBe(403);
  // Signed for other parameters (a status changed in transit): refused.
  const signedOther = twilioSignature(TOKEN, callbackUrl, { ...params, MessageStatus: 'failed' });
  expect((await post(params, signedOther)).status).toBe(403);
  // Signed over the wrong URL: refused (the provider signs the public callback URL).
  expect((await post(params, twilioSignature(TOKEN, local, params))).status).toBe(403);
  expect((await h.notifications({ channel: 'sms' }))[0]!.status).toBe('SENT');

  const good = await post(params, twilioSignature(TOKEN, callbackUrl, params));
  expect(good.status).toBe(200);
  const [delivered] = await h.notifications({ channel: 'sms' });
  expect(delivered).toMatchObject({ status: 'DELIVERED' });
  expect(delivered!.deliveredAt).toBeInstanceOf(Date);
});

it('honours an email turned off for a type that is not transactional (the SMS still goes)', async () => {
  const set = await h.graphql(
    'mutation { setNotificationPreference(input: { type: ORDER_SHIPPED, email: false, sms: true }) { types { type email sms } } }',
    {},
    { id: customer.id, role: 'CUSTOMER' },
  );
  expect(set.errors).toBeUndefined();
  expect(set.data.setNotificationPreference.types).toContainEqual({
    type: 'ORDER_SHIPPED',
    email: false,
    sms: true,
  });
  await h.publish('order.shipped', 'order-sms-1', {
    orderId: 'order-sms-1',
    userId: customer.id,
    email: customer.email,
    carrier: 'DHL',
    trackingNumber: 'JD0001',
  });
  // The SMS of an event is created before its email: once it is settled, an email would exist.
  const [sms] = await h.waitFor({ channel: 'sms', type: 'ORDER_SHIPPED' });
  expect(sms).toMatchObject({ status: 'SENT', recipient: customer.phone });
  expect(await h.notifications({ channel: 'email', type: 'ORDER_SHIPPED' })).toEqual([]);
});
