import { type IncomingMessage } from 'node:http';
import { type Logger, type SubgraphInstance } from '@novamart/kit';
import { type NotificationModel } from '../models/notification';
import { validTwilioSignature } from './twilio-signature';

export const SMS_STATUS_PATH = '/webhooks/sms/status';
const BODY_LIMIT = 64 * 1024;

/** Twilio's MessageStatus values that end a message's journey. */
const FAILED_STATUSES = new Set(['failed', 'undelivered']);

async function readForm(req: IncomingMessage): Promise<Record<string, string>> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > BODY_LIMIT) throw new Error('body too large');
    chunks.push(chunk);
  }
  return Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
}

export interface StatusCallbackDeps {
  notifications: NotificationModel;
  /** The key the provider signs with (Twilio: the auth token); without it every callback is refused. */
  signingKey: string | undefined;
  /** The public URL the provider posts to, as it signed it; default: this request's own URL. */
  publicUrl: string | undefined;
  logger: Logger;
}

/**
 * `POST /webhooks/sms/status`: the provider's delivery report. The `X-Twilio-Signature` header
 * must be the HMAC-SHA1 of the URL and the sorted form parameters under the signing key (403
 * otherwise, nothing changed). `MessageStatus=delivered` marks the message with that `MessageSid`
 * DELIVERED; `failed` / `undelivered` mark it FAILED with the provider's error code. Repeats are
 * harmless (the updates are conditional), and an unknown sid is answered 200 so the provider stops.
 */
export function mountSmsStatusCallback(deps: StatusCallbackDeps): NonNullable<SubgraphInstance['routes']> {
  return (app) => {
    app.post(SMS_STATUS_PATH, async (req, res) => {
      let params: Record<string, string>;
      try {
        params = await readForm(req);
      } catch {
        res.status(413).json({ error: 'Body too large' });
        return;
      }
      const url = deps.publicUrl ?? `${req.protocol}://${req.get('host')}${req.originalUrl}`;
      if (
        !deps.signingKey ||
        !validTwilioSignature(deps.signingKey, url, params, req.header('x-twilio-signature'))
      ) {
        deps.logger.warn(
          { path: SMS_STATUS_PATH },
          'refused an SMS status callback without a valid signature',
        );
        res.status(403).json({ error: 'Invalid signature' });
        return;
      }
      const sid = params.MessageSid ?? params.SmsSid;
      const status = params.MessageStatus ?? params.SmsStatus;
      if (sid && status === 'delivered') {
        await deps.notifications.updateOne(
          { providerMessageId: sid, status: 'SENT' },
          { $set: { status: 'DELIVERED', deliveredAt: new Date() } },
        );
      } else if (sid && status && FAILED_STATUSES.has(status)) {
        await deps.notifications.updateOne(
          { providerMessageId: sid, status: { $in: ['SENT', 'DELIVERED'] } },
          {
            $set: {
              status: 'FAILED',
              lastError: `provider reported ${status} (${params.ErrorCode ?? 'no code'})`,
            },
          },
        );
      }
      res.status(200).json({ received: true });
    });
  };
}
