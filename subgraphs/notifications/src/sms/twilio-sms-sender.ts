import { type OutgoingSms, type SmsSender } from './sms-sender';

export interface TwilioOptions {
  /** https://api.twilio.com, or a compatible provider / a test server. */
  baseUrl: string;
  accountSid: string;
  authToken: string;
  /** Where the provider posts delivery status (the public URL of /webhooks/sms/status); omitted when unset. */
  statusCallbackUrl?: string | undefined;
  timeoutMs?: number;
}

/**
 * Twilio's Messages API: `POST {baseUrl}/2010-04-01/Accounts/{sid}/Messages.json` with HTTP basic
 * auth (account SID and auth token) and a form body `To`, `From`, `Body` (and `StatusCallback`).
 * A non-2xx answer is an error (the dispatcher retries it); the answer's `sid` is the message id.
 */
export class TwilioSmsSender implements SmsSender {
  readonly kind = 'twilio' as const;

  constructor(private readonly options: TwilioOptions) {}

  async send(sms: OutgoingSms): Promise<{ providerMessageId: string }> {
    const { baseUrl, accountSid, authToken, statusCallbackUrl } = this.options;
    const url = `${baseUrl.replace(/\/+$/, '')}/2010-04-01/Accounts/${encodeURIComponent(accountSid)}/Messages.json`;
    const form = new URLSearchParams({ To: sms.to, From: sms.from, Body: sms.body });
    if (statusCallbackUrl) form.set('StatusCallback', statusCallbackUrl);
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
        'idempotency-key': sms.messageId,
      },
      body: form.toString(),
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`SMS provider answered ${response.status}: ${text.slice(0, 200)}`);
    const sid = (JSON.parse(text) as { sid?: unknown }).sid;
    if (typeof sid !== 'string' || sid === '') throw new Error('SMS provider answered without a message sid');
    return { providerMessageId: sid };
  }
}
