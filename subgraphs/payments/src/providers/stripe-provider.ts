import Stripe from 'stripe';
import {
  CaptureRefusedError,
  InvalidPaymentMethodError,
  type CreateIntentInput,
  type IntentStatus,
  type PaymentProvider,
  type ProviderIntent,
  type ProviderLineItem,
  type ProviderRefund,
} from './provider';

export interface StripeProviderOptions {
  secretKey: string;
  /** Base URL of the API; tests point it at a local server speaking Stripe's JSON. */
  apiUrl?: string;
  maxNetworkRetries?: number;
  timeoutMs?: number;
}

/** Creates the SDK client; the webhook route uses the same client for signature checks. */
export function createStripeClient(options: StripeProviderOptions): Stripe {
  const base = options.apiUrl ? new URL(options.apiUrl) : null;
  return new Stripe(options.secretKey, {
    maxNetworkRetries: options.maxNetworkRetries ?? 2,
    timeout: options.timeoutMs ?? 20_000,
    ...(base && {
      host: base.hostname,
      port: Number(base.port || (base.protocol === 'https:' ? 443 : 80)),
      protocol: base.protocol.replace(':', '') as 'http' | 'https',
    }),
  });
}

export function toProviderIntent(intent: Stripe.PaymentIntent): ProviderIntent {
  const error = intent.last_payment_error;
  return {
    id: intent.id,
    status: intent.status as IntentStatus,
    amount: intent.amount,
    currency: intent.currency.toUpperCase(),
    clientSecret: intent.client_secret ?? null,
    lastError: error
      ? {
          code: error.code ?? 'card_error',
          declineCode: error.decline_code ?? null,
          message: error.message ?? 'The payment failed.',
        }
      : null,
    metadata: { ...(intent.metadata ?? {}) },
    // Stripe's automatic and automatic_async both charge on confirmation.
    captureMethod: intent.capture_method === 'manual' ? 'manual' : 'automatic',
    amountReceived: intent.amount_received ?? 0,
  };
}

/**
 * The order's lines as Stripe metadata (string values, 50 keys at most): `line_<n>` =
 * `<sku> x<quantity> <productId> <amount>`, so a reconciliation reads them from the intent.
 */
export function lineItemMetadata(lines: readonly ProviderLineItem[] = []): Record<string, string> {
  return Object.fromEntries(
    lines.slice(0, 40).map((l, i) => [`line_${i + 1}`, `${l.sku} x${l.quantity} ${l.productId} ${l.amount}`]),
  );
}

function toProviderRefund(refund: Stripe.Refund): ProviderRefund {
  return {
    id: refund.id,
    status: (refund.status ?? 'pending') as ProviderRefund['status'],
    amount: refund.amount,
    failureReason: refund.failure_reason ?? null,
    metadata: { ...(refund.metadata ?? {}) },
  };
}

/** Stripe through its official SDK; every mutating call carries an idempotency key. */
export class StripeProvider implements PaymentProvider {
  readonly name = 'stripe' as const;
  readonly client: Stripe;

  constructor(options: StripeProviderOptions) {
    this.client = createStripeClient(options);
  }

  async createIntent(input: CreateIntentInput): Promise<ProviderIntent> {
    const manual = input.captureMethod === 'manual';
    const intent = await this.client.paymentIntents.create(
      {
        amount: input.amount,
        currency: input.currency.toLowerCase(),
        metadata: { ...lineItemMetadata(input.lineItems), ...input.metadata },
        // Server-side confirmation with a payment method id; redirects are for browser flows.
        automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
        ...(manual && {
          capture_method: 'manual' as const,
          // Several partial captures (one per shipment) where the card network allows them.
          payment_method_options: { card: { request_multicapture: 'if_available' as const } },
        }),
      },
      { idempotencyKey: input.idempotencyKey },
    );
    return toProviderIntent(intent);
  }

  async confirmIntent(
    intentId: string,
    paymentMethodId: string,
    idempotencyKey: string,
  ): Promise<ProviderIntent> {
    try {
      const intent = await this.client.paymentIntents.confirm(
        intentId,
        { payment_method: paymentMethodId },
        { idempotencyKey },
      );
      return toProviderIntent(intent);
    } catch (error) {
      // A decline is a StripeCardError carrying the intent as it now stands.
      if (error instanceof Stripe.errors.StripeCardError && error.payment_intent) {
        return toProviderIntent(error.payment_intent);
      }
      if (
        error instanceof Stripe.errors.StripeInvalidRequestError &&
        (error.code === 'resource_missing' || error.param === 'payment_method')
      ) {
        throw new InvalidPaymentMethodError(paymentMethodId);
      }
      throw error;
    }
  }

  async cancelIntent(intentId: string, idempotencyKey: string): Promise<ProviderIntent> {
    const intent = await this.client.paymentIntents.cancel(intentId, {}, { idempotencyKey });
    return toProviderIntent(intent);
  }

  async captureIntent(input: {
    intentId: string;
    amount: number;
    final: boolean;
    idempotencyKey: string;
  }): Promise<ProviderIntent> {
    try {
      const intent = await this.client.paymentIntents.capture(
        input.intentId,
        { amount_to_capture: input.amount, final_capture: input.final },
        { idempotencyKey: input.idempotencyKey },
      );
      return toProviderIntent(intent);
    } catch (error) {
      // Beyond the authorisation, expired or not authorised: Stripe's refusal, not an outage.
      if (error instanceof Stripe.errors.StripeInvalidRequestError) {
        throw new CaptureRefusedError(error.code ?? 'capture_refused', error.message);
      }
      throw error;
    }
  }

  async retrieveIntent(intentId: string): Promise<ProviderIntent> {
    return toProviderIntent(await this.client.paymentIntents.retrieve(intentId));
  }

  async createRefund(input: {
    intentId: string;
    amount: number;
    metadata: Record<string, string>;
    idempotencyKey: string;
  }): Promise<ProviderRefund> {
    const refund = await this.client.refunds.create(
      { payment_intent: input.intentId, amount: input.amount, metadata: input.metadata },
      { idempotencyKey: input.idempotencyKey },
    );
    return toProviderRefund(refund);
  }
}
