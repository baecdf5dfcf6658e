import { type Logger } from '@novamart/kit';
import { type Connection, type Model, Schema } from 'mongoose';
import { type Mailer, type OutgoingMail } from './mailer';

interface DevMailDoc extends OutgoingMail {
  storedAt: Date;
}

const devMailSchema = new Schema<DevMailDoc>(
  {
    from: String,
    to: { type: String, index: true },
    subject: String,
    text: String,
    html: String,
    messageId: { type: String, unique: true },
    storedAt: Date,
  },
  { collection: 'dev_outbox', versionKey: false },
);

/**
 * Without SMTP_URL, messages are "sent" by storing them in the `dev_outbox` collection and logging
 * them, so that a developer can read the verification code of a test account.
 */
export class DevOutboxMailer implements Mailer {
  readonly kind = 'dev-outbox' as const;
  private readonly Mail: Model<DevMailDoc>;

  constructor(
    conn: Connection,
    private readonly logger: Logger,
  ) {
    this.Mail =
      (conn.models.DevMail as Model<DevMailDoc> | undefined) ??
      conn.model<DevMailDoc>('DevMail', devMailSchema);
  }

  async send(mail: OutgoingMail): Promise<void> {
    await this.Mail.updateOne(
      { messageId: mail.messageId },
      { $setOnInsert: { ...mail, storedAt: new Date() } },
      { upsert: true },
    );
    this.logger.info({ to: mail.to, subject: mail.subject }, 'mail stored in the development outbox');
  }

  /** The newest messages stored for one address (the storefront's development mailbox page). */
  async messagesTo(recipient: string, first: number): Promise<DevMailDoc[]> {
    return this.Mail.find({ to: recipient.trim().toLowerCase() })
      .sort({ storedAt: -1, _id: -1 })
      .limit(first)
      .lean<DevMailDoc[]>();
  }
}
