import { readFileSync } from 'node:fs';
import { type SubgraphContext, type SubgraphModule } from '@novamart/kit';
import { parse } from 'graphql';
import { notificationsConfigShape, type NotificationsConfig } from './config';
import { notificationConsumers } from './events/handlers';
import { DevOutboxMailer } from './mail/dev-outbox-mailer';
import { type Mailer } from './mail/mailer';
import { SmtpMailer } from './mail/smtp-mailer';
import { accountContactModel, orderContactModel } from './models/contacts';
import { notificationModel } from './models/notification';
import { resolvers, type NotificationsContext } from './resolvers';
import { NotificationDispatcher } from './services/dispatcher';
import { NotificationService } from './services/notification-service';

export { notificationsConfigVariables } from './config';
export { NotificationDispatcher } from './services/dispatcher';
export { NotificationService } from './services/notification-service';
export { renderMessage, escapeHtml } from './templates/render';
export type { Mailer, OutgoingMail } from './mail/mailer';

const typeDefs = parse(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'));

/** Tests swap the mailer to script failures; everything else comes from configuration. */
export interface NotificationsOverrides {
  mailer?: Mailer;
}

export function createNotificationsSubgraph(
  overrides: NotificationsOverrides = {},
): SubgraphModule<NotificationsConfig> {
  return {
    name: 'notifications',
    port: 4007,
    configShape: notificationsConfigShape,
    async create(runtime) {
      const { mongo: conn, config, logger } = runtime;
      const notifications = notificationModel(conn);
      const accounts = accountContactModel(conn);
      const orders = orderContactModel(conn);
      await Promise.all([notifications.init(), accounts.init(), orders.init()]);

      const mailer =
        overrides.mailer ??
        (config.SMTP_URL ? new SmtpMailer(config.SMTP_URL) : new DevOutboxMailer(conn, logger));
      // Readable through the API (Query.devOutbox) only where it holds test mail, never in production.
      const devOutbox = mailer instanceof DevOutboxMailer && config.NODE_ENV !== 'production' ? mailer : null;
      logger.info({ mailer: mailer.kind }, 'notification delivery selected');
      const dispatcher = new NotificationDispatcher(notifications, mailer, logger, {
        from: config.MAIL_FROM,
        maxAttempts: config.NOTIFY_MAX_ATTEMPTS,
        retryBaseMs: config.NOTIFY_RETRY_BASE_MS,
        pollIntervalMs: config.NOTIFY_POLL_INTERVAL_MS,
      });
      const service = new NotificationService(notifications, () => dispatcher.poke());

      return {
        typeDefs,
        resolvers,
        consumers: notificationConsumers({ service, accounts, orders, logger }),
        context: (): Omit<NotificationsContext, keyof SubgraphContext> => ({
          notifications: service,
          devOutbox,
        }),
        async start() {
          dispatcher.start();
        },
        async stop() {
          await dispatcher.stop();
        },
      };
    },
  };
}

export const notificationsSubgraph = createNotificationsSubgraph();
