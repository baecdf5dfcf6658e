/** Where messages leave NovaMart: SMTP in production, the development outbox otherwise. */
export interface OutgoingMail {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Stable per notification, so a receiving server can spot a resend. */
  messageId: string;
}

export interface Mailer {
  readonly kind: 'smtp' | 'dev-outbox';
  send(mail: OutgoingMail): Promise<void>;
  close?(): Promise<void>;
}
