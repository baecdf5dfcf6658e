import { type DirectConsumer, type DirectHandlers } from '@novamart/events';
import { formatMoney, type Logger } from '@novamart/kit';
import { type AccountContactModel, type OrderContactDoc, type OrderContactModel } from '../models/contacts';
import { type NotificationService } from '../services/notification-service';

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
}

/** A short, readable order reference for subjects and bodies. */
const orderRef = (orderId: string) => orderId.slice(0, 8).toUpperCase();

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

/** Accounts' and orders' contacts, and the account mails (verification, reset, welcome, confirmation). */
function contactHandlers({ service, accounts, orders }: NotificationDeps): DirectHandlers {
  return {
    'user.registered': async (event) => {
      const p = event.payload;
      await accounts.updateOne(
        { _id: p.userId },
        { $set: { email: p.email, name: p.name ?? null }, $setOnInsert: { role: p.role ?? 'CUSTOMER' } },
        { upsert: true },
      );
      if (!p.verificationCode || !p.codeExpiresAt) return;
      await service.notify({
        type: 'EMAIL_VERIFICATION',
        sourceEventId: event.id,
        recipient: p.email,
        userId: p.userId,
        data: { name: p.name, code: p.verificationCode, expiresAt: new Date(p.codeExpiresAt).toUTCString() },
      });
    },
    // A fresh code (requestEmailVerification) and a password reset token, mailed to the account's address.
    'user.verification_requested': async (event) => {
      const p = event.payload;
      await service.notify({
        type: 'EMAIL_VERIFICATION',
        sourceEventId: event.id,
        recipient: p.email,
        userId: p.userId,
        data: { name: p.name, code: p.verificationCode, expiresAt: new Date(p.codeExpiresAt).toUTCString() },
      });
    },
    'user.password_reset_requested': async (event) => {
      const p = event.payload;
      await service.notify({
        type: 'PASSWORD_RESET',
        sourceEventId: event.id,
        recipient: p.email,
        userId: p.userId,
        data: { name: p.name, token: p.resetToken, expiresAt: new Date(p.expiresAt).toUTCString() },
      });
    },
    'user.email_verified': async (event) => {
      const p = event.payload;
      await accounts.updateOne(
        { _id: p.userId },
        { $set: { email: p.email, name: p.name ?? null } },
        { upsert: true },
      );
      await service.notify({
        type: 'WELCOME',
        sourceEventId: event.id,
        recipient: p.email,
        userId: p.userId,
        data: { name: p.name, email: p.email },
      });
    },
    'user.role_changed': async (event) => {
      const p = event.payload;
      await accounts.updateOne(
        { _id: p.userId },
        { $set: { email: p.email, role: p.role } },
        { upsert: true },
      );
    },
    'order.placed': async (event) => {
      const p = event.payload;
      await orders.updateOne(
        { _id: p.orderId },
        {
          $set: {
            userId: p.userId ?? null,
            email: p.email,
            total: p.total,
            currency: p.currency,
            lines: p.lines,
          },
        },
        { upsert: true },
      );
      const money = (amount: number) => formatMoney(amount, p.currency);
      await service.notify({
        type: 'ORDER_CONFIRMED',
        sourceEventId: event.id,
        recipient: p.email,
        userId: p.userId ?? null,
        data: {
          orderRef: orderRef(p.orderId),
          lines: p.lines.map((l) => ({ ...l, lineTotal: money(l.unitAmount * l.quantity) })),
          subtotal: money(p.subtotal),
          shipping: money(p.shippingCost),
          total: money(p.total),
        },
      });
    },
  };
}

/** Mails about an order's payment, shipment, cancellation and refund, and low-stock alerts to admins. */
function orderMessageHandlers({ service, accounts, orders, logger }: NotificationDeps): DirectHandlers {
  async function orderContact(orderId: string): Promise<OrderContactDoc> {
    const contact = await orders.findById(orderId).lean().exec();
    // Thrown so that the bus retries: order.placed travels on another stream and may come later.
    if (!contact) throw new Error(`order ${orderId} is not known to notifications yet`);
    return contact;
  }
  return {
    'payment.succeeded': async (event) => {
      const p = event.payload;
      const order = await orderContact(p.orderId);
      await service.notify({
        type: 'PAYMENT_SUCCEEDED',
        sourceEventId: event.id,
        recipient: order.email,
        userId: order.userId,
        data: { orderRef: orderRef(p.orderId), amount: formatMoney(p.amount, p.currency) },
      });
    },
    'payment.failed': async (event) => {
      const p = event.payload;
      const order = await orderContact(p.orderId);
      await service.notify({
        type: 'PAYMENT_FAILED',
        sourceEventId: event.id,
        recipient: order.email,
        userId: order.userId,
        data: { orderRef: orderRef(p.orderId), reason: p.reason ?? 'the payment was declined' },
      });
    },
    'order.shipped': async (event) => {
      const p = event.payload;
      await service.notify({
        type: 'ORDER_SHIPPED',
        sourceEventId: event.id,
        recipient: p.email,
        userId: p.userId ?? null,
        data: { orderRef: orderRef(p.orderId), carrier: p.carrier, trackingNumber: p.trackingNumber },
      });
    },
    'order.cancelled': async (event) => {
      const p = event.payload;
      await service.notify({
        type: 'ORDER_CANCELLED',
        sourceEventId: event.id,
        recipient: p.email,
        userId: p.userId ?? null,
        data: { orderRef: orderRef(p.orderId), reason: p.reason, wasPaid: p.wasPaid },
      });
    },
    'refund.succeeded': async (event) => {
      const p = event.payload;
      const order = await orderContact(p.orderId);
      await service.notify({
        type: 'REFUND_ISSUED',
        sourceEventId: event.id,
        recipient: order.email,
        userId: order.userId,
        data: { orderRef: orderRef(p.orderId), amount: formatMoney(p.amount, p.currency) },
      });
    },
    'inventory.low_stock': async (event) => {
      const p = event.payload;
      const admins = await accounts.find({ role: 'ADMIN' }).lean().exec();
      if (admins.length === 0)
        logger.warn({ productId: p.productId }, 'low stock, but no admin is known to notify');
      for (const admin of admins) {
        await service.notify({
          type: 'LOW_STOCK_ALERT',
          sourceEventId: event.id,
          recipient: admin.email,
          userId: admin._id,
          data: p,
        });
      }
    },
  };
}
