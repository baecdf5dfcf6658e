import { type ResolverMap, type SubgraphContext } from '@novamart/kit';
import { type NotificationDoc } from './models/notification';
import { type NotificationService } from './services/notification-service';

export interface NotificationsContext extends SubgraphContext {
  notifications: NotificationService;
}

export const resolvers: ResolverMap<NotificationsContext> = {
  Query: {
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
