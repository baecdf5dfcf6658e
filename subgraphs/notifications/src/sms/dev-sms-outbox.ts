import { type Logger } from '@novamart/kit';
import { type Connection, type Model, Schema } from 'mongoose';
import { type OutgoingSms, type SmsSender } from './sms-sender';

interface DevSmsDoc extends OutgoingSms {
  providerMessageId: string;
  storedAt: Date;
}

const devSmsSchema = new Schema<DevSmsDoc>(
  {
    from: String,
    to: { type: String, index: true },
    body: String,
    messageId: { type: String, unique: true },
    providerMessageId: String,
    storedAt: Date,
  },
  { collection: 'dev_sms_outbox', versionKey: false },
);

/**
 * Without a configured provider, a text message is "sent" by storing it in `dev_sms_outbox`
 * (as the mail's development outbox does). Its provider id is `dev-<messageId>`, which a signed
 * delivery callback may name like a real provider's.
 */
export class DevSmsOutbox implements SmsSender {
  readonly kind = 'dev-outbox' as const;
  private readonly Sms: Model<DevSmsDoc>;

  constructor(
    conn: Connection,
    private readonly logger: Logger,
  ) {
    this.Sms =
      (conn.models.DevSms as Model<DevSmsDoc> | undefined) ?? conn.model<DevSmsDoc>('DevSms', devSmsSchema);
  }

  async send(sms: OutgoingSms): Promise<{ providerMessageId: string }> {
    const providerMessageId = `dev-${sms.messageId}`;
    await this.Sms.updateOne(
      { messageId: sms.messageId },
      { $setOnInsert: { ...sms, providerMessageId, storedAt: new Date() } },
      { upsert: true },
    );
    this.logger.info({ to: sms.to }, 'text message stored in the development outbox');
    return { providerMessageId };
  }

  /** The newest text messages stored for one phone number. */
  async messagesTo(phone: string, first: number): Promise<DevSmsDoc[]> {
    return this.Sms.find({ to: phone.trim() })
      .sort({ storedAt: -1, _id: -1 })
      .limit(first)
      .lean<DevSmsDoc[]>();
  }
}
