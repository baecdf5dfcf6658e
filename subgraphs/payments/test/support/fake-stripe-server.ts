import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import { testCardOutcome } from '../../src/providers/test-cards';

/**
 * A local HTTP server answering the Stripe API endpoints NovaMart calls, with Stripe's documented
 * JSON shapes, form-encoded parameters, idempotency-key replay and error envelopes, so that tests
 * drive the real `stripe` SDK end to end. It counts what it was asked, so tests can assert "one
 * charge" rather than trust it.
 */

interface Intent {
  id: string;
  object: 'payment_intent';
  amount: number;
  currency: string;
  status: string;
  client_secret: string;
  metadata: Record<string, string>;
  last_payment_error: Record<string, unknown> | null;
  payment_method: string | null;
  next_action: Record<string, unknown> | null;
  created: number;
  livemode: false;
  amount_received: number;
  capture_method: 'automatic' | 'manual';
  payment_method_options: Record<string, unknown>;
}

interface Refund {
  id: string;
  object: 'refund';
  amount: number;
  currency: string;
  payment_intent: string;
  status: 'succeeded';
  metadata: Record<string, string>;
  created: number;
}

export interface FakeStripe {
  url: string;
  intents: Map<string, Intent>;
  refunds: Refund[];
  /** Requests that changed something, e.g. `confirm pi_...`, after idempotent replays are removed. */
  effects: string[];
  requests: Array<{ method: string; path: string; idempotencyKey: string | undefined }>;
  /** Makes the next N requests fail with a 500, to exercise retries. */
  failNext(count: number): void;
  close(): Promise<void>;
}

const id = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`;
const now = () => Math.floor(Date.now() / 1000);

function parseForm(body: string): Record<string, any> {
  const out: Record<string, any> = {};
  for (const [rawKey, value] of new URLSearchParams(body)) {
    const path = rawKey.split(/[[\]]+/).filter(Boolean);
    let node = out;
    for (const [i, key] of path.entries()) {
      if (i === path.length - 1) node[key] = value;
      else node = node[key] ??= {};
    }
  }
  return out;
}

/** `POST /v1/payment_intents/:id/capture` with multicapture: `amount_to_capture`, `final_capture`. */
function capture(intent: Intent | undefined, params: Record<string, any>): { status: number; body: unknown } {
  const refuse = (message: string, code: string) => ({
    status: 400,
    body: { error: { type: 'invalid_request_error', message, code, payment_intent: intent } },
  });
  if (!intent) return refuse('No such payment_intent', 'resource_missing');
  if (intent.status !== 'requires_capture') {
    return refuse(
      `This PaymentIntent could not be captured because it has a status of ${intent.status}.`,
      'payment_intent_unexpected_state',
    );
  }
  const amount = Number(params.amount_to_capture ?? intent.amount - intent.amount_received);
  if (amount < 1 || intent.amount_received + amount > intent.amount) {
    return refuse('The amount to capture is greater than the amount capturable.', 'amount_too_large');
  }
  intent.amount_received += amount;
  if (params.final_capture !== 'false' || intent.amount_received === intent.amount)
    intent.status = 'succeeded';
  return { status: 200, body: intent };
}

export async function startFakeStripe(): Promise<FakeStripe> {
  const intents = new Map<string, Intent>();
  const refunds: Refund[] = [];
  const effects: string[] = [];
  const requests: FakeStripe['requests'] = [];
  const replay = new Map<string, { status: number; body: unknown }>();
  let failures = 0;

  function send(res: ServerResponse, status: number, body: unknown) {
    res.writeHead(status, { 'content-type': 'application/json', 'request-id': id('req') });
    res.end(JSON.stringify(body));
  }
  const error = (type: string, message: string, extra: Record<string, unknown> = {}) => ({
    error: { type, message, ...extra },
  });

  function route(
    method: string,
    path: string,
    params: Record<string, any>,
  ): { status: number; body: unknown } {
    let m: RegExpMatchArray | null;
    if (method === 'POST' && path === '/v1/payment_intents') {
      const intent: Intent = {
        id: id('pi'),
        object: 'payment_intent',
        amount: Number(params.amount),
        currency: String(params.currency),
        status: 'requires_payment_method',
        client_secret: '',
        metadata: params.metadata ?? {},
        last_payment_error: null,
        payment_method: null,
        next_action: null,
        created: now(),
        livemode: false,
        amount_received: 0,
        capture_method: params.capture_method === 'manual' ? 'manual' : 'automatic',
        payment_method_options: params.payment_method_options ?? {},
      };
      intent.client_secret = `${intent.id}_secret_${randomBytes(8).toString('hex')}`;
      intents.set(intent.id, intent);
      effects.push(`create ${intent.id}`);
      return { status: 200, body: intent };
    }
    if ((m = path.match(/^\/v1\/payment_intents\/(pi_\w+)$/)) && method === 'GET') {
      const intent = intents.get(m[1]!);
      return intent
        ? { status: 200, body: intent }
        : {
            status: 404,
            body: error('invalid_request_error', `No such payment_intent: '${m[1]}'`, {
              code: 'resource_missing',
            }),
          };
    }
    if ((m = path.match(/^\/v1\/payment_intents\/(pi_\w+)\/confirm$/)) && method === 'POST') {
      const intent = intents.get(m[1]!);
      if (!intent)
        return {
          status: 404,
          body: error('invalid_request_error', 'No such payment_intent', { code: 'resource_missing' }),
        };
      if (!['requires_payment_method', 'requires_confirmation', 'requires_action'].includes(intent.status)) {
        return {
          status: 400,
          body: error('invalid_request_error', `This PaymentIntent's status is ${intent.status}.`, {
            code: 'payment_intent_unexpected_state',
            payment_intent: intent,
          }),
        };
      }
      const pm = String(params.payment_method ?? '');
      const outcome = testCardOutcome(pm);
      if (!outcome) {
        return {
          status: 400,
          body: error('invalid_request_error', `No such PaymentMethod: '${pm}'`, {
            code: 'resource_missing',
            param: 'payment_method',
          }),
        };
      }
      effects.push(`confirm ${intent.id} ${pm}`);
      intent.payment_method = pm;
      if (outcome.kind === 'succeeds' && intent.capture_method === 'manual') {
        Object.assign(intent, { status: 'requires_capture', last_payment_error: null, next_action: null });
        return { status: 200, body: intent };
      }
      if (outcome.kind === 'succeeds') {
        Object.assign(intent, {
          status: 'succeeded',
          last_payment_error: null,
          next_action: null,
          amount_received: intent.amount,
        });
        return { status: 200, body: intent };
      }
      if (outcome.kind === 'requires_action') {
        Object.assign(intent, { status: 'requires_action', next_action: { type: 'use_stripe_sdk' } });
        return { status: 200, body: intent };
      }
      const lastError = {
        type: 'card_error',
        code: outcome.error.code,
        decline_code: outcome.error.declineCode,
        message: outcome.error.message,
      };
      Object.assign(intent, {
        status: 'requires_payment_method',
        last_payment_error: lastError,
        payment_method: null,
      });
      return { status: 402, body: { error: { ...lastError, payment_intent: intent } } };
    }
    if ((m = path.match(/^\/v1\/payment_intents\/(pi_\w+)\/capture$/)) && method === 'POST') {
      return capture(intents.get(m[1]!), params);
    }
    if ((m = path.match(/^\/v1\/payment_intents\/(pi_\w+)\/cancel$/)) && method === 'POST') {
      const intent = intents.get(m[1]!);
      if (!intent)
        return {
          status: 404,
          body: error('invalid_request_error', 'No such payment_intent', { code: 'resource_missing' }),
        };
      if (intent.status === 'succeeded' || intent.status === 'canceled') {
        return {
          status: 400,
          body: error(
            'invalid_request_error',
            `You cannot cancel this PaymentIntent because it has a status of ${intent.status}.`,
            { code: 'payment_intent_unexpected_state', payment_intent: intent },
          ),
        };
      }
      intent.status = 'canceled';
      effects.push(`cancel ${intent.id}`);
      return { status: 200, body: intent };
    }
    if (method === 'POST' && path === '/v1/refunds') {
      const intent = intents.get(String(params.payment_intent));
      if (!intent || intent.status !== 'succeeded') {
        return {
          status: 400,
          body: error(
            'invalid_request_error',
            'This PaymentIntent does not have a successful charge to refund.',
            { code: 'charge_not_refundable' },
          ),
        };
      }
      const refunded = refunds
        .filter((r) => r.payment_intent === intent.id)
        .reduce((sum, r) => sum + r.amount, 0);
      const amount = params.amount ? Number(params.amount) : intent.amount - refunded;
      if (refunded + amount > intent.amount) {
        return {
          status: 400,
          body: error(
            'invalid_request_error',
            `Refund amount ($${amount / 100}) is greater than unrefunded amount on charge.`,
            { code: 'amount_too_large', param: 'amount' },
          ),
        };
      }
      const refund: Refund = {
        id: id('re'),
        object: 'refund',
        amount,
        currency: intent.currency,
        payment_intent: intent.id,
        status: 'succeeded',
        metadata: params.metadata ?? {},
        created: now(),
      };
      refunds.push(refund);
      effects.push(`refund ${intent.id} ${amount}`);
      return { status: 200, body: refund };
    }
    return {
      status: 404,
      body: error('invalid_request_error', `Unrecognized request URL (${method}: ${path}).`),
    };
  }

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const idempotencyKey = req.headers['idempotency-key'] as string | undefined;
      requests.push({ method: req.method ?? 'GET', path: url.pathname, idempotencyKey });
      if (!String(req.headers.authorization ?? '').startsWith('Bearer sk_test_')) {
        return send(res, 401, error('invalid_request_error', 'Invalid API Key provided'));
      }
      if (failures > 0) {
        failures--;
        return send(res, 500, error('api_error', 'Simulated outage'));
      }
      const key = idempotencyKey && `${req.method} ${url.pathname} ${idempotencyKey}`;
      const cached = key ? replay.get(key) : undefined;
      if (cached) return send(res, cached.status, cached.body);
      const result = route(req.method ?? 'GET', url.pathname, parseForm(body));
      if (key && result.status < 500) replay.set(key, result);
      send(res, result.status, result.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    intents,
    refunds,
    effects,
    requests,
    failNext: (count) => (failures = count),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
