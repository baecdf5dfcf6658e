import { type Logger } from '@novamart/kit';
import { type Connection } from 'mongoose';
import { DevOutbox, devOutboxSchema } from '../dev-outbox';
import { type OutgoingSms, type SmsSender } from './sms-sender';

interface DevSmsDoc extends OutgoingSms {
  providerMessageId: string;
  storedAt: Date;
}

const devSmsSchema = devOutboxSchema<DevSmsDoc>('dev_sms_outbox', {
  body: String,
  providerMessageId: String,
});

/**
 * Without a configured provider, a text message is "sent" by storing it in `dev_sms_outbox`
 * (as the mail's development outbox does). Its provider id is `dev-<messageId>`, which a signed
 * delivery callback may name like a real provider's.
 */
export class DevSmsOutbox extends DevOutbox<DevSmsDoc> implements SmsSender {
  constructor(conn: Connection, logger: Logger) {
    super(conn, { name: 'DevSms', schema: devSmsSchema }, logger);
  }

  async send(sms: OutgoingSms): Promise<{ providerMessageId: string }> {
    const providerMessageId = `dev-${sms.messageId}`;
    await this.store({ ...sms, providerMessageId });
    this.logger.info({ to: sms.to }, 'text message stored in the development outbox');
    return { providerMessageId };
  }

  /** The newest text messages stored for one phone number. */
  messagesTo(phone: string, first: number): Promise<DevSmsDoc[]> {
    return this.newestTo(phone.trim(), first);
  }
}
