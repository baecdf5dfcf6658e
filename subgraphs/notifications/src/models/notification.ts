import { modelOn } from '@novamart/kit';
import { type Connection, type Model, Schema, type Types } from 'mongoose';

export const NOTIFICATION_TYPES = [
  'EMAIL_VERIFICATION',
  'WELCOME',
  'PASSWORD_RESET',
  'PASSWORD_CHANGED',
  'ORDER_CONFIRMED',
  'PAYMENT_SUCCEEDED',
  'PAYMENT_FAILED',
  'PAYMENT_REJECTED',
  'ORDER_SHIPPED',
  'ORDER_CANCELLED',
  'REFUND_ISSUED',
  'LOW_STOCK_ALERT',
  'RETURN_REQUESTED',
  'RETURN_APPROVED',
  'RETURN_REJECTED',
  'RETURN_RECEIVED',
] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];
export type NotificationStatus = 'PENDING' | 'SENT' | 'DELIVERED' | 'FAILED';
export type NotificationChannel = 'email' | 'sms';

/**
 * Messages the customer cannot turn off by email: order confirmation, payment, and the account's
 * security mails (verification, password reset and change).
 */
export const TRANSACTIONAL_EMAIL: ReadonlySet<NotificationType> = new Set<NotificationType>([
  'EMAIL_VERIFICATION',
  'PASSWORD_RESET',
  'PASSWORD_CHANGED',
  'ORDER_CONFIRMED',
  'PAYMENT_SUCCEEDED',
  'PAYMENT_FAILED',
]);

export interface NotificationDoc {
  _id: Types.ObjectId;
  type: NotificationType;
  channel: NotificationChannel;
  /** The account the message is for; null for a guest order's email. */
  userId: string | null;
  /** An email address, or an E.164 phone number for SMS. */
  recipient: string;
  subject: string;
  body: string;
  html: string;
  status: NotificationStatus;
  attempts: number;
  lastError: string | null;
  /** When the dispatcher may (re)try; null once SENT or FAILED. */
  nextAttemptAt: Date | null;
  /** A dispatcher's claim on the message while it sends, so two never send the same one. */
  lockedUntil: Date | null;
  /** The domain event that called for this message: with type and recipient, unique. */
  sourceEventId: string;
  sentAt: Date | null;
  /** The provider's message id (SMS), which its delivery callbacks name. */
  providerMessageId?: string | null;
  /** When the provider reported the message delivered (SMS). */
  deliveredAt?: Date | null;
  readAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

const notificationSchema = new Schema<NotificationDoc>(
  {
    type: { type: String, enum: NOTIFICATION_TYPES, required: true },
    channel: { type: String, default: 'email' },
    userId: { type: String, default: null },
    recipient: { type: String, required: true },
    subject: { type: String, required: true },
    body: { type: String, required: true },
    html: { type: String, required: true },
    status: { type: String, enum: ['PENDING', 'SENT', 'DELIVERED', 'FAILED'], default: 'PENDING' },
    attempts: { type: Number, default: 0 },
    lastError: { type: String, default: null },
    nextAttemptAt: { type: Date, default: () => new Date() },
    lockedUntil: { type: Date, default: null },
    sourceEventId: { type: String, required: true },
    sentAt: { type: Date, default: null },
    providerMessageId: { type: String, default: null },
    deliveredAt: { type: Date, default: null },
    readAt: { type: Date, default: null },
  },
  { collection: 'notifications', timestamps: true, versionKey: false },
);
// A redelivered event finds its message already there: one event, one message per recipient.
notificationSchema.index({ sourceEventId: 1, type: 1, recipient: 1 }, { unique: true });
notificationSchema.index({ userId: 1, _id: -1 });
notificationSchema.index({ status: 1, nextAttemptAt: 1 });
notificationSchema.index({ providerMessageId: 1 }, { sparse: true });

export type NotificationModel = Model<NotificationDoc>;

export function notificationModel(conn: Connection): NotificationModel {
  return modelOn<NotificationDoc>(conn, 'Notification', notificationSchema);
}
