import { type DomainEvent, type EventBus } from '@novamart/events';
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

/** A short, readable order reference for subjects and bodies. */
const orderRef = (orderId: string) => orderId.slice(0, 8).toUpperCase();

/**
 * Domain events → notifications. Every handler is idempotent: contact projections are upserts,
 * and a message's unique key (event, type, recipient) absorbs a redelivered event. A payment or
 * refund event that overtakes its order's placement fails and is retried by the bus until the
 * order's contact is known.
 */
export function subscribeNotificationHandlers(deps: {
  bus: EventBus;
  service: NotificationService;
  accounts: AccountContactModel;
  orders: OrderContactModel;
  logger: Logger;
}): void {
  const { bus, service, accounts, orders } = deps;
  const on = (types: string[], handler: (event: DomainEvent<any>) => Promise<void>, group = CONSUMER_GROUP) =>
    bus.subscribe({
      group,
      types,
      handler,
      ...(group === CONSUMER_GROUP && { maxAttempts: AWAIT_ORDER_ATTEMPTS }),
    });

  async function orderContact(orderId: string): Promise<OrderContactDoc> {
    const contact = await orders.findById(orderId).lean().exec();
    // Thrown so that the bus retries: order.placed travels on another stream and may come later.
    if (!contact) throw new Error(`order ${orderId} is not known to notifications yet`);
    return contact;
  }

  on(
    ['user.registered'],
    async (event) => {
      const p = event.payload as {
        userId: string;
        email: string;
        name: string | null;
        role: 'CUSTOMER' | 'ADMIN';
        verificationCode: string;
        codeExpiresAt: string;
      };
      await accounts.updateOne(
        { _id: p.userId },
        { $set: { email: p.email, name: p.name ?? null }, $setOnInsert: { role: p.role ?? 'CUSTOMER' } },
        { upsert: true },
      );
      if (!p.verificationCode) return;
      await service.notify({
        type: 'EMAIL_VERIFICATION',
        sourceEventId: event.id,
        recipient: p.email,
        userId: p.userId,
        data: { name: p.name, code: p.verificationCode, expiresAt: new Date(p.codeExpiresAt).toUTCString() },
      });
    },
    CONTACTS_GROUP,
  );

  // A fresh code (requestEmailVerification) and a password reset token, mailed to the account's address.
  on(
    ['user.verification_requested'],
    async (event) => {
      const p = event.payload as {
        userId: string;
        email: string;
        name: string | null;
        verificationCode: string;
        codeExpiresAt: string;
      };
      await service.notify({
        type: 'EMAIL_VERIFICATION',
        sourceEventId: event.id,
        recipient: p.email,
        userId: p.userId,
        data: { name: p.name, code: p.verificationCode, expiresAt: new Date(p.codeExpiresAt).toUTCString() },
      });
    },
    CONTACTS_GROUP,
  );

  on(
    ['user.password_reset_requested'],
    async (event) => {
      const p = event.payload as {
        userId: string;
        email: string;
        name: string | null;
        resetToken: string;
        expiresAt: string;
      };
      await service.notify({
        type: 'PASSWORD_RESET',
        sourceEventId: event.id,
        recipient: p.email,
        userId: p.userId,
        data: { name: p.name, token: p.resetToken, expiresAt: new Date(p.expiresAt).toUTCString() },
      });
    },
    CONTACTS_GROUP,
  );

  // The owner hears of every password change: if it was not them, they know to reset it at once.
  on(
    ['user.password_changed'],
    async (event) => {
      const p = event.payload as { userId: string; email: string; name: string | null; changedAt: string };
      await service.notify({
        type: 'PASSWORD_CHANGED',
        sourceEventId: event.id,
        recipient: p.email,
        userId: p.userId,
        data: { name: p.name, changedAt: new Date(p.changedAt).toUTCString() },
      });
    },
    CONTACTS_GROUP,
  );

  on(
    ['user.email_verified'],
    async (event) => {
      const p = event.payload as { userId: string; email: string; name: string | null };
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
    CONTACTS_GROUP,
  );

  on(
    ['user.role_changed'],
    async (event) => {
      const p = event.payload as { userId: string; email: string; role: 'CUSTOMER' | 'ADMIN' };
      await accounts.updateOne(
        { _id: p.userId },
        { $set: { email: p.email, role: p.role } },
        { upsert: true },
      );
    },
    CONTACTS_GROUP,
  );

  on(
    ['order.placed'],
    async (event) => {
      const p = event.payload as {
        orderId: string;
        userId: string | null;
        email: string;
        lines: OrderContactDoc['lines'];
        subtotal: number;
        shippingCost: number;
        total: number;
        currency: string;
      };
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
    CONTACTS_GROUP,
  );

  on(['payment.succeeded'], async (event) => {
    const p = event.payload as { orderId: string; amount: number; currency: string };
    const order = await orderContact(p.orderId);
    await service.notify({
      type: 'PAYMENT_SUCCEEDED',
      sourceEventId: event.id,
      recipient: order.email,
      userId: order.userId,
      data: { orderRef: orderRef(p.orderId), amount: formatMoney(p.amount, p.currency) },
    });
  });

  on(['payment.failed'], async (event) => {
    const p = event.payload as { orderId: string; reason: string | null };
    const order = await orderContact(p.orderId);
    await service.notify({
      type: 'PAYMENT_FAILED',
      sourceEventId: event.id,
      recipient: order.email,
      userId: order.userId,
      data: { orderRef: orderRef(p.orderId), reason: p.reason ?? 'the payment was declined' },
    });
  });

  on(['order.shipped'], async (event) => {
    const p = event.payload as {
      orderId: string;
      userId: string | null;
      email: string;
      carrier: string;
      trackingNumber: string;
    };
    await service.notify({
      type: 'ORDER_SHIPPED',
      sourceEventId: event.id,
      recipient: p.email,
      userId: p.userId ?? null,
      data: { orderRef: orderRef(p.orderId), carrier: p.carrier, trackingNumber: p.trackingNumber },
    });
  });

  on(['order.cancelled'], async (event) => {
    const p = event.payload as {
      orderId: string;
      userId: string | null;
      email: string;
      reason: string | null;
      wasPaid: boolean;
    };
    await service.notify({
      type: 'ORDER_CANCELLED',
      sourceEventId: event.id,
      recipient: p.email,
      userId: p.userId ?? null,
      data: { orderRef: orderRef(p.orderId), reason: p.reason, wasPaid: p.wasPaid },
    });
  });

  on(['refund.succeeded'], async (event) => {
    const p = event.payload as { orderId: string; amount: number; currency: string };
    const order = await orderContact(p.orderId);
    await service.notify({
      type: 'REFUND_ISSUED',
      sourceEventId: event.id,
      recipient: order.email,
      userId: order.userId,
      data: { orderRef: orderRef(p.orderId), amount: formatMoney(p.amount, p.currency) },
    });
  });

  on(['inventory.low_stock'], async (event) => {
    const p = event.payload as {
      productId: string;
      sku: string;
      name: string;
      available: number;
      reorderLevel: number;
    };
    const admins = await accounts.find({ role: 'ADMIN' }).lean().exec();
    if (admins.length === 0)
      deps.logger.warn({ productId: p.productId }, 'low stock, but no admin is known to notify');
    for (const admin of admins) {
      await service.notify({
        type: 'LOW_STOCK_ALERT',
        sourceEventId: event.id,
        recipient: admin.email,
        userId: admin._id,
        data: p,
      });
    }
  });
}
