import nodemailer, { type Transporter } from 'nodemailer';
import { type Mailer, type OutgoingMail } from './mailer';

export class SmtpMailer implements Mailer {
  readonly kind = 'smtp' as const;
  private readonly transport: Transporter;

  constructor(smtpUrl: string) {
    // One connection per message: a failed send cannot poison a pooled connection for the next.
    this.transport = nodemailer.createTransport(smtpUrl, {
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 20_000,
    } as never);
  }

  async send(mail: OutgoingMail): Promise<void> {
    await this.transport.sendMail({
      from: mail.from,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      messageId: mail.messageId,
    });
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}
