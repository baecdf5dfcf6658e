import { modelOn, type Logger } from '@novamart/kit';
import { type Connection } from 'mongoose';
import { devOutboxSchema, DevOutboxStore } from '../dev-outbox';
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
export class DevSmsOutbox implements SmsSender {
  readonly kind = 'dev-outbox' as const;
  private readonly outbox: DevOutboxStore<DevSmsDoc>;

  constructor(
    conn: Connection,
    private readonly logger: Logger,
  ) {
    this.outbox = new DevOutboxStore(modelOn<DevSmsDoc>(conn, 'DevSms', devSmsSchema));
  }

  async send(sms: OutgoingSms): Promise<{ providerMessageId: string }> {
    const providerMessageId = `dev-${sms.messageId}`;
    await this.outbox.store({ ...sms, providerMessageId });
    this.logger.info({ to: sms.to }, 'text message stored in the development outbox');
    return { providerMessageId };
  }

  /** The newest text messages stored for one phone number. */
  async messagesTo(phone: string, first: number): Promise<DevSmsDoc[]> {
    return this.outbox.newestTo(phone.trim(), first);
  }
}
