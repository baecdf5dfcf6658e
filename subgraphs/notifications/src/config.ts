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
};

export interface NotificationsConfig {
  SMTP_URL?: string | undefined;
  MAIL_FROM: string;
  NOTIFY_MAX_ATTEMPTS: number;
  NOTIFY_RETRY_BASE_MS: number;
  NOTIFY_POLL_INTERVAL_MS: number;
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
];
