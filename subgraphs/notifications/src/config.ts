import { z } from 'zod';

export const notificationsConfigShape = {
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL')
    .optional(),
  MAIL_FROM: z.string().min(3).default('NovaMart <no-reply@novamart.dev>'),
  /** The storefront's public URL: set, the password reset mail links to its reset page. */
  STOREFRONT_URL: z
    .string()
    .url()
    .regex(/^https?:\/\//, 'must be an http:// or https:// URL')
    .optional(),
  NOTIFY_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(5),
  NOTIFY_RETRY_BASE_MS: z.coerce.number().int().min(1).default(2_000),
  NOTIFY_POLL_INTERVAL_MS: z.coerce.number().int().min(10).default(1_000),
  /** Twilio (or a Twilio-shaped provider): all three set sends SMS there, else the development outbox. */
  TWILIO_ACCOUNT_SID: z.string().min(1).optional(),
  TWILIO_AUTH_TOKEN: z.string().min(1).optional(),
  TWILIO_BASE_URL: z.string().url().default('https://api.twilio.com'),
  SMS_FROM: z.string().min(1).default('NovaMart'),
  SMS_STATUS_CALLBACK_URL: z.string().url().optional(),
  SMS_CALLBACK_SECRET: z.string().min(16).optional(),
};

export interface NotificationsConfig {
  SMTP_URL?: string | undefined;
  MAIL_FROM: string;
  STOREFRONT_URL?: string | undefined;
  NOTIFY_MAX_ATTEMPTS: number;
  NOTIFY_RETRY_BASE_MS: number;
  NOTIFY_POLL_INTERVAL_MS: number;
  TWILIO_ACCOUNT_SID?: string | undefined;
  TWILIO_AUTH_TOKEN?: string | undefined;
  TWILIO_BASE_URL: string;
  SMS_FROM: string;
  SMS_STATUS_CALLBACK_URL?: string | undefined;
  SMS_CALLBACK_SECRET?: string | undefined;
}
