import { type Logger } from '@novamart/kit';
import { type Connection } from 'mongoose';
import { DevOutbox, devOutboxSchema } from '../dev-outbox';
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
export class DevOutboxMailer extends DevOutbox<DevMailDoc> implements Mailer {
  constructor(conn: Connection, logger: Logger) {
    super(conn, { name: 'DevMail', schema: devMailSchema }, logger);
  }

  async send(mail: OutgoingMail): Promise<void> {
    await this.store(mail);
    this.logger.info({ to: mail.to, subject: mail.subject }, 'mail stored in the development outbox');
  }

  /** The newest messages stored for one address (the storefront's development mailbox page). */
  messagesTo(recipient: string, first: number): Promise<DevMailDoc[]> {
    return this.newestTo(recipient.trim().toLowerCase(), first);
  }
}
