import { createHmac, timingSafeEqual } from 'node:crypto';
import express, { type Express } from 'express';
import { isAppError, type Logger } from '@novamart/kit';
import { type Fulfilment } from '../services/fulfilment';

export const CARRIER_SIGNATURE_HEADER = 'x-novamart-carrier-signature';

/** `sha256=<hex>`: HMAC-SHA256 of the raw body with CARRIER_WEBHOOK_SECRET. */
export function signCarrierPayload(body: string | Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

function validSignature(body: Buffer, header: string | undefined, secret: string): boolean {
  if (!header) return false;
  const expected = Buffer.from(signCarrierPayload(body, secret));
  const given = Buffer.from(header);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/**
 * `POST /webhooks/carrier`, a carrier's delivery notice: `{ "shipmentId": "...", "event":
 * "delivered" }`, signed with CARRIER_WEBHOOK_SECRET (header `x-novamart-carrier-signature:
 * sha256=<hex HMAC of the raw body>`). A missing or forged signature is 400 and changes nothing;
 * without the secret the route answers 503. A delivery is `markShipmentDelivered` done by the
 * carrier; a notice repeated for a delivered shipment is answered 200 `duplicate` (carriers retry).
 */
export function mountCarrierWebhook(
  app: Express,
  deps: { secret: string | undefined; fulfilment: Fulfilment; logger: Logger },
): void {
  app.post('/webhooks/carrier', express.raw({ type: '*/*', limit: '64kb' }), async (req, res) => {
    if (!deps.secret) {
      res.status(503).json({ error: 'Carrier webhooks are not configured (CARRIER_WEBHOOK_SECRET)' });
      return;
    }
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    if (!validSignature(body, req.header(CARRIER_SIGNATURE_HEADER), deps.secret)) {
      res.status(400).json({ error: 'Invalid signature' });
      return;
    }
    let notice: { shipmentId?: unknown; event?: unknown };
    try {
      notice = JSON.parse(body.toString('utf8')) as typeof notice;
    } catch {
      res.status(400).json({ error: 'The body is not JSON' });
      return;
    }
    if (typeof notice.shipmentId !== 'string' || notice.event !== 'delivered') {
      res.status(400).json({ error: 'Expected { shipmentId: string, event: "delivered" }' });
      return;
    }
    try {
      const outcome = await deps.fulfilment.deliveredByCarrier(notice.shipmentId);
      res.status(200).json({ received: true, duplicate: outcome === 'duplicate' });
    } catch (error) {
      if (isAppError(error) && error.extensions.code === 'NOT_FOUND') {
        res.status(404).json({ error: 'Unknown shipment' });
        return;
      }
      deps.logger.error({ err: error, shipmentId: notice.shipmentId }, 'carrier webhook failed');
      res.status(500).json({ error: 'Webhook handling failed' });
    }
  });
}
