import { firstArg, forbidden, type ResolverMap, type SubgraphContext } from '@novamart/kit';
import { type DevOutboxMailer } from './mail/dev-outbox-mailer';
import { type NotificationDoc } from './models/notification';
import { type NotificationService } from './services/notification-service';
import { type ChannelChoice, type Preferences } from './services/preferences';
import { type TemplateOverrides, type TemplateView } from './services/templates';
import { type DevSmsOutbox } from './sms/dev-sms-outbox';
import { type NotificationType } from './models/notification';

export interface NotificationsContext extends SubgraphContext {
  notifications: NotificationService;
  /** Null in production and with SMTP_URL: nothing is readable then. */
  devOutbox: DevOutboxMailer | null;
  /** Null in production and with a configured SMS provider. */
  devSmsOutbox: DevSmsOutbox | null;
  preferences: Preferences;
  templates: TemplateOverrides;
}

/** The development outboxes answer the newest messages of an address, 5 unless asked, 20 at most. */
const DEV_OUTBOX_PAGE = { max: 20, defaultFirst: 5 };

/** The subgraph's resolver map, typed against its context (as every subgraph's is). */
export type Resolvers = ResolverMap<NotificationsContext>;

export const resolvers: Resolvers = {
  Query: {
    devOutbox: (_: unknown, args: { recipient: string; first?: number }, ctx: NotificationsContext) => {
      if (!ctx.devOutbox)
        throw forbidden('The development outbox exists only in development, without SMTP_URL');
      return ctx.devOutbox.messagesTo(args.recipient, firstArg(args.first, DEV_OUTBOX_PAGE));
    },
    devSmsOutbox: (_: unknown, args: { phone: string; first?: number }, ctx: NotificationsContext) => {
      if (!ctx.devSmsOutbox)
        throw forbidden('The development SMS outbox exists only in development, without an SMS provider');
      return ctx.devSmsOutbox.messagesTo(args.phone, firstArg(args.first, DEV_OUTBOX_PAGE));
    },
    notificationPreferences: (_: unknown, _args: unknown, ctx: NotificationsContext) =>
      ctx.preferences.mine(ctx.viewer),
    notificationTemplates: (_: unknown, _args: unknown, ctx: NotificationsContext) =>
      ctx.templates.list(ctx.viewer),
    myNotifications: (
      _: unknown,
      args: { first?: number; after?: string; unreadOnly?: boolean },
      ctx: NotificationsContext,
    ) => ctx.notifications.mine(ctx.viewer, args),
    notifications: (
      _: unknown,
      args: { first?: number; after?: string; filter?: never },
      ctx: NotificationsContext,
    ) => ctx.notifications.all(ctx.viewer, args),
  },
  Mutation: {
    markNotificationRead: (_: unknown, args: { id: string }, ctx: NotificationsContext) =>
      ctx.notifications.markRead(ctx.viewer, args.id),
    setNotificationPreference: (
      _: unknown,
      args: { input: { type: NotificationType } & ChannelChoice },
      ctx: NotificationsContext,
    ) => ctx.preferences.set(ctx.viewer, args.input),
    setNotificationTemplate: (
      _: unknown,
      args: { input: { type: NotificationType; subject: string; body: string } },
      ctx: NotificationsContext,
    ) => ctx.templates.set(ctx.viewer, args.input),
    resetNotificationTemplate: (_: unknown, args: { type: NotificationType }, ctx: NotificationsContext) =>
      ctx.templates.reset(ctx.viewer, args.type),
  },
  NotificationTemplate: {
    overridden: (t: TemplateView) => t.override !== null,
    subject: (t: TemplateView) => t.override?.subject ?? null,
    body: (t: TemplateView) => t.override?.body ?? null,
    updatedAt: (t: TemplateView) => t.override?.updatedAt ?? null,
  },
  Notification: {
    id: (n: NotificationDoc) => String(n._id),
  },
};
