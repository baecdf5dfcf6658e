import {
  type Logger,
  type SubgraphContext,
  defineSubgraph,
  type SubgraphModule,
  type SubgraphRuntime,
} from '@novamart/kit';
import { type Connection } from 'mongoose';
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
import { preferenceModel, templateOverrideModel } from './models/preferences';
import { Preferences } from './services/preferences';
import { TemplateOverrides } from './services/templates';
import { DevSmsOutbox } from './sms/dev-sms-outbox';
import { type SmsSender } from './sms/sms-sender';
import { mountSmsStatusCallback } from './sms/status-callback';
import { TwilioSmsSender } from './sms/twilio-sms-sender';

export { NotificationDispatcher } from './services/dispatcher';
export { NotificationService } from './services/notification-service';
export { renderMessage, escapeHtml } from './templates/render';
export type { Mailer, OutgoingMail } from './mail/mailer';
export type { SmsSender, OutgoingSms } from './sms/sms-sender';
export { TwilioSmsSender } from './sms/twilio-sms-sender';
export { twilioSignature, validTwilioSignature } from './sms/twilio-signature';
export { SMS_STATUS_PATH } from './sms/status-callback';

/** Tests swap the mailer to script failures; everything else comes from configuration. */
export interface NotificationsOverrides {
  mailer?: Mailer;
}

/** The Twilio-shaped provider when its account is configured, the development outbox otherwise. */
function smsSenderFor(config: NotificationsConfig, devOutbox: () => DevSmsOutbox): SmsSender {
  if (config.TWILIO_ACCOUNT_SID && config.TWILIO_AUTH_TOKEN) {
    return new TwilioSmsSender({
      baseUrl: config.TWILIO_BASE_URL,
      accountSid: config.TWILIO_ACCOUNT_SID,
      authToken: config.TWILIO_AUTH_TOKEN,
      statusCallbackUrl: config.SMS_STATUS_CALLBACK_URL,
    });
  }
  return devOutbox();
}

/**
 * SMTP or the development outbox for mail, the Twilio-shaped provider or the development SMS outbox
 * for text messages; the outboxes are readable through the API only outside production.
 */
function deliveryChannels(
  config: SubgraphRuntime<NotificationsConfig>['config'],
  conn: Connection,
  logger: Logger,
  overrides: NotificationsOverrides,
) {
  const mailer =
    overrides.mailer ??
    (config.SMTP_URL ? new SmtpMailer(config.SMTP_URL) : new DevOutboxMailer(conn, logger));
  const devOutbox = mailer instanceof DevOutboxMailer && config.NODE_ENV !== 'production' ? mailer : null;
  const sms = smsSenderFor(config, () => new DevSmsOutbox(conn, logger));
  const devSmsOutbox = sms instanceof DevSmsOutbox && config.NODE_ENV !== 'production' ? sms : null;
  logger.info({ mailer: mailer.kind, sms: sms.kind }, 'notification delivery selected');
  return { mailer, devOutbox, sms, devSmsOutbox };
}

export function createNotificationsSubgraph(
  overrides: NotificationsOverrides = {},
): SubgraphModule<NotificationsConfig> {
  return defineSubgraph({
    name: 'notifications',
    port: 4007,
    configShape: notificationsConfigShape,
    schema: new URL('./schema.graphql', import.meta.url),
    resolvers,
    async create(runtime) {
      const { mongo: conn, config, logger } = runtime;
      const notifications = notificationModel(conn);
      const accounts = accountContactModel(conn);
      const orders = orderContactModel(conn);
      const preferences = preferenceModel(conn);
      const templateRows = templateOverrideModel(conn);
      await Promise.all([
        notifications.init(),
        accounts.init(),
        orders.init(),
        preferences.init(),
        templateRows.init(),
      ]);

      const { mailer, devOutbox, sms, devSmsOutbox } = deliveryChannels(config, conn, logger, overrides);
      const dispatcher = new NotificationDispatcher(
        notifications,
        mailer,
        logger,
        {
          from: config.MAIL_FROM,
          smsFrom: config.SMS_FROM,
          maxAttempts: config.NOTIFY_MAX_ATTEMPTS,
          retryBaseMs: config.NOTIFY_RETRY_BASE_MS,
          pollIntervalMs: config.NOTIFY_POLL_INTERVAL_MS,
        },
        sms,
      );
      const preferenceService = new Preferences(preferences, accounts);
      const templates = new TemplateOverrides(templateRows);
      const service = new NotificationService(notifications, () => dispatcher.poke(), {
        preferences: preferenceService,
        templates,
      });

      return {
        consumers: notificationConsumers({
          service,
          accounts,
          orders,
          logger,
          storefrontUrl: config.STOREFRONT_URL,
        }),
        context: (): Omit<NotificationsContext, keyof SubgraphContext> => ({
          notifications: service,
          devOutbox,
          devSmsOutbox,
          preferences: preferenceService,
          templates,
        }),
        routes: mountSmsStatusCallback({
          notifications,
          // The provider's auth token signs its callbacks; the development outbox has a secret of its own.
          signingKey: sms.kind === 'twilio' ? config.TWILIO_AUTH_TOKEN : config.SMS_CALLBACK_SECRET,
          publicUrl: config.SMS_STATUS_CALLBACK_URL,
          logger,
        }),
        async start() {
          dispatcher.start();
        },
        async stop() {
          await dispatcher.stop();
        },
      };
    },
  });
}

export const notificationsSubgraph = createNotificationsSubgraph();
