import { type AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startNotifications, type NotificationsHarness } from './support';

/** Delivery through nodemailer to a real SMTP server running in this process. */
interface Received {
  from: string;
  to: string[];
  raw: string;
}

let smtp: SMTPServer;
let port: number;
const received: Received[] = [];
let h: NotificationsHarness;

beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  port = (smtp.server.address() as AddressInfo).port;
  h = await startNotifications({
    SMTP_URL: `smtp://127.0.0.1:${port}`,
    MAIL_FROM: 'NovaMart <orders@novamart.dev>',
  });
});

afterAll(async () => {
  await h?.stop();
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
});

it('delivers over SMTP with both parts, the right subject, sender and recipient', async () => {
  await h.publish('order.shipped', 'order-smtp-1', {
    orderId: 'order-smtp-1',
    userId: 'u1',
    email: 'Customer@Example.com',
    carrier: 'DHL',
    trackingNumber: 'JD014600006281',
  });
  const [notification] = await h.waitFor({ type: 'ORDER_SHIPPED' });
  expect(notification).toMatchObject({ status: 'SENT', attempts: 1, recipient: 'customer@example.com' });
  expect(received).toHaveLength(1);
  const mail = received[0]!;
  expect(mail.from).toBe('orders@novamart.dev');
  expect(mail.to).toEqual(['customer@example.com']);
  expect(mail.raw).toMatch(/^Subject: Order ORDER-SM has shipped\r?$/m);
  expect(mail.raw).toMatch(/^To: customer@example\.com\r?$/m);
  expect(mail.raw).toMatch(/Content-Type: multipart\/alternative/);
  expect(mail.raw).toMatch(/Content-Type: text\/plain/);
  expect(mail.raw).toMatch(/Content-Type: text\/html/);
  expect(mail.raw).toContain('JD014600006281');
  expect(mail.raw).toMatch(/^Message-ID: <[0-9a-f]{24}@novamart>\r?$/m);
});

it('retries when the SMTP server is unreachable, then fails with the error kept', async () => {
  // Shares the file's embedded MongoDB with the harness above, which stops it last.
  const down = await startNotifications(
    { SMTP_URL: 'smtp://127.0.0.1:1', NOTIFY_MAX_ATTEMPTS: '2' },
    undefined,
    {
      keepMongo: true,
    },
  );
  try {
    await down.publish('order.shipped', 'order-smtp-2', {
      orderId: 'order-smtp-2',
      userId: 'u1',
      email: 'c@example.com',
      carrier: 'DHL',
      trackingNumber: 'X',
    });
    const [notification] = await down.waitFor({ type: 'ORDER_SHIPPED' });
    expect(notification).toMatchObject({ status: 'FAILED', attempts: 2 });
    expect(notification!.lastError).toMatch(/ECONNREFUSED|connect/i);
  } finally {
    await down.stop();
  }
});
