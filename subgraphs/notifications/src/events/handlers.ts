import { type DirectConsumer, type DirectHandlers, type EventPayload } from '@novamart/events';
import { formatMoney, type Logger } from '@novamart/kit';
import { type AccountContactModel, type OrderContactDoc, type OrderContactModel } from '../models/contacts';
import { type NotificationService, type NotifyInput } from '../services/notification-service';

export const CONSUMER_GROUP = 'notifications';
/**
 * Contact projections (accounts, orders) run in a group of their own: a payment event that waits
 * for its order's placement must not hold up the very consumer that would deliver that placement.
 */
export const CONTACTS_GROUP = 'notifications-contacts';
/** Enough retries (with the bus's capped exponential backoff) to outwait about a minute of lag. */
const AWAIT_ORDER_ATTEMPTS = 12;
/** Why these consumers need no idempotency record (`DirectConsumer`). */
const IDEMPOTENT_BY =
  "contact projections are upserts, and a message's unique key (event, type, recipient) absorbs a redelivered event";

interface NotificationDeps {
  service: NotificationService;
  accounts: AccountContactModel;
  orders: OrderContactModel;
  logger: Logger;
  /** STOREFRONT_URL: when set, the reset mail links to the storefront's reset page. */
  storefrontUrl?: string | undefined;
}

/** `<storefront>/reset-password?token=…`, below the storefront's own path (it may not be served at `/`). */
export function resetPasswordUrl(storefrontUrl: string, token: string): string {
  const url = new URL('reset-password', storefrontUrl.endsWith('/') ? storefrontUrl : `${storefrontUrl}/`);
  url.searchParams.set('token', token);
  return url.href;
}

/** A short, readable order reference for subjects and bodies. */
const orderRef = (orderId: string) => orderId.slice(0, 8).toUpperCase();

/** Whom a message goes to: an account, an order's contact, an admin. */
interface Recipient {
  email: string;
  userId: string | null;
}

/** One message for one recipient, keyed by the event that calls for it (a redelivery adds nothing). */
function mailer(service: NotificationService) {
  return (type: NotifyInput['type'], event: { id: string }, to: Recipient, data: Record<string, unknown>) =>
    service.notify({ type, sourceEventId: event.id, recipient: to.email, userId: to.userId, data });
}

/**
 * Domain events → notifications. A payment or refund event that overtakes its order's placement
 * fails and is retried by the bus until the order's contact is known.
 */
export function notificationConsumers(deps: NotificationDeps): DirectConsumer[] {
  return [
    { group: CONTACTS_GROUP, idempotentBy: IDEMPOTENT_BY, handlers: contactHandlers(deps) },
    {
      group: CONSUMER_GROUP,
      idempotentBy: IDEMPOTENT_BY,
      maxAttempts: AWAIT_ORDER_ATTEMPTS,
      handlers: orderMessageHandlers(deps),
    },
  ];
}

/** Changes of an account's role and phone number: who gets admin alerts, where SMS go. */
function accountUpdates(accounts: AccountContactModel): DirectHandlers {
  return {
    // Where the customer's text messages go (notifications' preferences).
    'user.phone_changed': async (event) => {
      const p = event.payload;
      await accounts.updateOne({ _id: p.userId }, { $set: { phone: p.phone } }, { upsert: true });
    },
    'user.role_changed': async (event) => {
      const p = event.payload;
      await accounts.updateOne(
        { _id: p.userId },
        { $set: { email: p.email, role: p.role } },
        { upsert: true },
      );
    },
  };
}

/** Accounts' and orders' contacts, and the account mails (verification, reset, welcome, confirmation). */
function contactHandlers({ service, accounts, orders, storefrontUrl }: NotificationDeps): DirectHandlers {
  const mail = mailer(service);
  return {
    'user.registered': async (event) => {
      const p = event.payload;
      await accounts.updateOne(
        { _id: p.userId },
        { $set: { email: p.email, name: p.name ?? null }, $setOnInsert: { role: p.role ?? 'CUSTOMER' } },
        { upsert: true },
      );
      if (!p.verificationCode || !p.codeExpiresAt) return;
      const expiresAt = new Date(p.codeExpiresAt).toUTCString();
      await mail('EMAIL_VERIFICATION', event, p, { name: p.name, code: p.verificationCode, expiresAt });
    },
    // A fresh code (requestEmailVerification) and a password reset token, mailed to the account's address.
    'user.verification_requested': async (event) => {
      const p = event.payload;
      const expiresAt = new Date(p.codeExpiresAt).toUTCString();
      await mail('EMAIL_VERIFICATION', event, p, { name: p.name, code: p.verificationCode, expiresAt });
    },
    'user.password_reset_requested': async (event) => {
      const p = event.payload;
      const expiresAt = new Date(p.expiresAt).toUTCString();
      const resetUrl = storefrontUrl ? resetPasswordUrl(storefrontUrl, p.resetToken) : null;
      await mail('PASSWORD_RESET', event, p, { name: p.name, token: p.resetToken, expiresAt, resetUrl });
    },
    // The owner hears of every password change: if it was not them, they know to reset it at once.
    'user.password_changed': async (event) => {
      const p = event.payload;
      await mail('PASSWORD_CHANGED', event, p, {
        name: p.name,
        changedAt: new Date(p.changedAt).toUTCString(),
      });
    },
    'user.email_verified': async (event) => {
      const p = event.payload;
      await accounts.updateOne(
        { _id: p.userId },
        { $set: { email: p.email, name: p.name ?? null } },
        { upsert: true },
      );
      await mail('WELCOME', event, p, { name: p.name, email: p.email });
    },
    ...accountUpdates(accounts),
    'order.placed': async (event) => {
      const p = event.payload;
      const userId = p.userId ?? null;
      await orders.updateOne(
        { _id: p.orderId },
        { $set: { userId, email: p.email, total: p.total, currency: p.currency, lines: p.lines } },
        { upsert: true },
      );
      const money = (amount: number) => formatMoney(amount, p.currency);
      await mail(
        'ORDER_CONFIRMED',
        event,
        { email: p.email, userId },
        {
          orderRef: orderRef(p.orderId),
          lines: p.lines.map((l) => ({ ...l, lineTotal: money(l.unitAmount * l.quantity) })),
          subtotal: money(p.subtotal),
          shipping: money(p.shippingCost),
          // Tax-inclusive prices show the tax they contain; exclusive ones show the tax added.
          tax: p.taxTotal ? money(p.taxTotal) : null,
          taxLabel: p.pricesIncludeTax ? 'Including tax' : 'Tax',
          total: money(p.total),
        },
      );
    },
  };
}

type FulfilmentLine = EventPayload<'shipment.created'>['lines'][number];

/** An ordered line's name, with its variant's title unless it is the default variant's. */
function lineName(line: { name: string; variantTitle?: string }): string {
  return line.variantTitle && line.variantTitle !== 'Default'
    ? `${line.name} (${line.variantTitle})`
    : line.name;
}
type Mail = ReturnType<typeof mailer>;
type NamedLines = (
  orderId: string,
  lines: readonly FulfilmentLine[],
  currency: string,
) => Promise<Record<string, unknown>[]>;

/** A return's steps, each mailed to the order's contact: requested, approved, rejected, received. */
function returnMessageHandlers(
  mail: Mail,
  orderContact: (orderId: string) => Promise<OrderContactDoc>,
  namedLines: NamedLines,
): DirectHandlers {
  return {
    'return.requested': async ({ id, payload: p }) =>
      mail('RETURN_REQUESTED', { id }, await orderContact(p.orderId), {
        orderRef: orderRef(p.orderId),
        lines: await namedLines(p.orderId, p.lines, p.currency),
        amount: formatMoney(p.amount, p.currency),
        reason: p.reason,
      }),
    'return.approved': async ({ id, payload: p }) =>
      mail('RETURN_APPROVED', { id }, await orderContact(p.orderId), {
        orderRef: orderRef(p.orderId),
        reason: p.reason,
      }),
    'return.rejected': async ({ id, payload: p }) =>
      mail('RETURN_REJECTED', { id }, await orderContact(p.orderId), {
        orderRef: orderRef(p.orderId),
        reason: p.reason,
      }),
    'return.received': async ({ id, payload: p }) =>
      mail('RETURN_RECEIVED', { id }, await orderContact(p.orderId), {
        orderRef: orderRef(p.orderId),
        lines: await namedLines(p.orderId, p.lines, p.currency),
        amount: formatMoney(p.amount, p.currency),
      }),
  };
}

/**
 * Shipped or returned lines with the names `order.placed` gave them ("T-shirt (Red / M)" for a
 * variant of a product with options), amounts formatted.
 */
function lineNamer(orderContact: (orderId: string) => Promise<OrderContactDoc>): NamedLines {
  return async (orderId, lines, currency) => {
    const contact = await orderContact(orderId);
    return lines.map((line) => {
      const variant = line.variantId ?? line.productId;
      const placed = contact.lines?.find((l) => (l.variantId ?? l.productId) === variant);
      return {
        ...line,
        name: placed ? lineName(placed) : line.sku,
        amount: formatMoney(line.amount, currency),
      };
    });
  };
}

/** Mails about an order's payment, shipment, cancellation and refund, and low-stock alerts to admins. */
function orderMessageHandlers({ service, accounts, orders, logger }: NotificationDeps): DirectHandlers {
  const mail = mailer(service);
  async function orderContact(orderId: string): Promise<OrderContactDoc> {
    const contact = await orders.findById(orderId).lean().exec();
    // Thrown so that the bus retries: order.placed travels on another stream and may come later.
    if (!contact) throw new Error(`order ${orderId} is not known to notifications yet`);
    return contact;
  }
  const namedLines = lineNamer(orderContact);
  return {
    'payment.succeeded': async ({ id, payload: p }) =>
      mail('PAYMENT_SUCCEEDED', { id }, await orderContact(p.orderId), {
        orderRef: orderRef(p.orderId),
        amount: formatMoney(p.amount, p.currency),
      }),
    'payment.failed': async ({ id, payload: p }) =>
      mail('PAYMENT_FAILED', { id }, await orderContact(p.orderId), {
        orderRef: orderRef(p.orderId),
        reason: p.reason ?? 'the payment was declined',
      }),
    // FINANCE refused the payment of an order above the approval threshold (its order is cancelled too).
    'payment.rejected': ({ id, payload: p }) =>
      mail(
        'PAYMENT_REJECTED',
        { id },
        { email: p.email, userId: p.userId ?? null },
        { orderRef: orderRef(p.orderId), amount: formatMoney(p.amount, p.currency), reason: p.reason },
      ),
    // Shipments (shipment.created) mail one ORDER_SHIPPED each; an order.shipped that lists its
    // shipments was mailed by them, one without (from before shipments existed) is mailed here.
    'order.shipped': async ({ id, payload: p }) => {
      if (p.shipmentIds?.length) return;
      await mail(
        'ORDER_SHIPPED',
        { id },
        { email: p.email, userId: p.userId ?? null },
        { orderRef: orderRef(p.orderId), carrier: p.carrier, trackingNumber: p.trackingNumber },
      );
    },
    'shipment.created': async ({ id, payload: p }) =>
      mail('ORDER_SHIPPED', { id }, await orderContact(p.orderId), {
        orderRef: orderRef(p.orderId),
        carrier: p.carrier,
        trackingNumber: p.trackingNumber,
        trackingUrl: p.trackingUrl,
        lines: await namedLines(p.orderId, p.lines, p.currency),
      }),
    ...returnMessageHandlers(mail, orderContact, namedLines),
    'order.cancelled': ({ id, payload: p }) =>
      mail(
        'ORDER_CANCELLED',
        { id },
        { email: p.email, userId: p.userId ?? null },
        { orderRef: orderRef(p.orderId), reason: p.reason, wasPaid: p.wasPaid },
      ),
    'refund.succeeded': async ({ id, payload: p }) =>
      mail('REFUND_ISSUED', { id }, await orderContact(p.orderId), {
        orderRef: orderRef(p.orderId),
        amount: formatMoney(p.amount, p.currency),
      }),
    'inventory.low_stock': async (event) => {
      const p = event.payload;
      const admins = await accounts.find({ role: 'ADMIN' }).lean().exec();
      if (admins.length === 0)
        logger.warn({ productId: p.productId }, 'low stock, but no admin is known to notify');
      for (const admin of admins)
        await mail('LOW_STOCK_ALERT', event, { email: admin.email, userId: admin._id }, p);
    },
  };
}
