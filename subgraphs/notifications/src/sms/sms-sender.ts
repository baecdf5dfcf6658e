/** Where text messages leave NovaMart: a Twilio-shaped HTTP provider when configured, the development outbox otherwise. */
export interface OutgoingSms {
  from: string;
  /** E.164, e.g. +15551234567. */
  to: string;
  body: string;
  /** Stable per notification, so a resend can be recognised. */
  messageId: string;
}

export interface SmsSender {
  readonly kind: 'twilio' | 'dev-outbox';
  /** Returns the provider's id of the message, which its delivery callbacks name. */
  send(sms: OutgoingSms): Promise<{ providerMessageId: string }>;
}
