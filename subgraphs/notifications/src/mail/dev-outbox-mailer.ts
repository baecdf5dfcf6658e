import { modelOn, type Logger } from '@novamart/kit';
import { type Connection } from 'mongoose';
import { devOutboxSchema, DevOutboxStore } from '../dev-outbox';
import { type Mailer, type OutgoingMail } from './mailer';

interface DevMailDoc extends OutgoingMail {
  storedAt: Date;
}

const devMailSchema = devOutboxSchema<DevMailDoc>('dev_outbox', {
  subject: String,
  text: String,
  html: String,
});

/**
 * Without SMTP_URL, messages are "sent" by storing them in the `dev_outbox` collection and logging
 * them, so that a developer can read the verification code of a test account.
 */
export class DevOutboxMailer implements Mailer {
  readonly kind = 'dev-outbox' as const;
  private readonly outbox: DevOutboxStore<DevMailDoc>;

  constructor(
    conn: Connection,
    private readonly logger: Logger,
  ) {
    this.outbox = new DevOutboxStore(modelOn<DevMailDoc>(conn, 'DevMail', devMailSchema));
  }

  async send(mail: OutgoingMail): Promise<void> {
    await this.outbox.store(mail);
    this.logger.info({ to: mail.to, subject: mail.subject }, 'mail stored in the development outbox');
  }

  /** The newest messages stored for one address (the storefront's development mailbox page). */
  async messagesTo(recipient: string, first: number): Promise<DevMailDoc[]> {
    return this.outbox.newestTo(recipient.trim().toLowerCase(), first);
  }
}
