import { badUserInput, forbidden, type ResolverMap, type SubgraphContext } from '@novamart/kit';
import { type DevOutboxMailer } from './mail/dev-outbox-mailer';
import { type NotificationDoc } from './models/notification';
import { type NotificationService } from './services/notification-service';

export interface NotificationsContext extends SubgraphContext {
  notifications: NotificationService;
  /** Null in production and with SMTP_URL: nothing is readable then. */
  devOutbox: DevOutboxMailer | null;
}

/** The subgraph's resolver map, typed against its context (as every subgraph's is). */
export type Resolvers = ResolverMap<NotificationsContext>;

export const resolvers: Resolvers = {
  Query: {
    devOutbox: (_: unknown, args: { recipient: string; first?: number }, ctx: NotificationsContext) => {
      if (!ctx.devOutbox)
        throw forbidden('The development outbox exists only in development, without SMTP_URL');
      const first = args.first ?? 5;
      if (!Number.isInteger(first) || first < 1 || first > 20)
        throw badUserInput('first must be between 1 and 20', 'first');
      return ctx.devOutbox.messagesTo(args.recipient, first);
    },
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
  },
  Notification: {
    id: (n: NotificationDoc) => String(n._id),
  },
};
