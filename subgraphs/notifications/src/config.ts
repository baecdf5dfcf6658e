import { type ConfigVariable } from '@novamart/kit';
import { z } from 'zod';

export const notificationsConfigShape = {
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL')
    .optional(),
  MAIL_FROM: z.string().min(3).default('NovaMart <no-reply@novamart.dev>'),
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

export const notificationsConfigVariables: ConfigVariable[] = [
  {
    name: 'SMTP_URL',
    default: undefined,
    description:
      'SMTP server for outgoing mail (smtp://user:pass@host:587); unset stores each message in the development outbox and logs it.',
  },
  { name: 'MAIL_FROM', default: 'NovaMart <no-reply@novamart.dev>', description: 'Sender of every message.' },
  {
    name: 'NOTIFY_MAX_ATTEMPTS',
    default: '5',
    description: 'Delivery attempts before a notification is FAILED.',
  },
  {
    name: 'NOTIFY_RETRY_BASE_MS',
    default: '2000',
    description: 'First retry delay; each further retry doubles it.',
  },
  {
    name: 'NOTIFY_POLL_INTERVAL_MS',
    default: '1000',
    description: 'How often the dispatcher looks for notifications due for (re)delivery.',
  },
  {
    name: 'TWILIO_ACCOUNT_SID',
    default: 'unset: SMS go to the development outbox',
    description:
      'Account SID of the Twilio-shaped SMS provider (with TWILIO_AUTH_TOKEN, basic auth of its Messages API).',
  },
  {
    name: 'TWILIO_AUTH_TOKEN',
    default: undefined,
    description: 'Auth token of the SMS provider; it also signs the delivery callbacks (X-Twilio-Signature).',
  },
  {
    name: 'TWILIO_BASE_URL',
    default: 'https://api.twilio.com',
    description:
      "Base URL of the SMS provider's API (messages are POSTed to /2010-04-01/Accounts/<sid>/Messages.json).",
  },
  { name: 'SMS_FROM', default: 'NovaMart', description: 'Sender number (E.164) or name of text messages.' },
  {
    name: 'SMS_STATUS_CALLBACK_URL',
    default: "unset: the callback request's own URL",
    description:
      'Public URL of POST /webhooks/sms/status, sent to the provider as StatusCallback and used to check its signature.',
  },
  {
    name: 'SMS_CALLBACK_SECRET',
    default: 'unset: callbacks need TWILIO_AUTH_TOKEN',
    description:
      "Key of the delivery callbacks' signature when no provider is configured (the development outbox); 16+ characters.",
  },
];
