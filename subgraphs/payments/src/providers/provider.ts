/**
 * The seam between NovaMart's payment rules and whoever moves the money. Both implementations
 * speak in Stripe's terms (payment intents, test payment methods, decline codes), so the rules
 * above this interface cannot tell Stripe from the simulation.
 */

/** Stripe's PaymentIntent statuses. */
export type IntentStatus =
  | 'requires_payment_method'
  | 'requires_confirmation'
  | 'requires_action'
  | 'processing'
  | 'requires_capture'
  | 'canceled'
  | 'succeeded';

export interface IntentError {
  /** Stripe's error code, e.g. `card_declined`, `expired_card`. */
  code: string;
  /** The card network's reason, e.g. `insufficient_funds`; null when the error has none. */
  declineCode: string | null;
  message: string;
}

export interface ProviderIntent {
  id: string;
  status: IntentStatus;
  amount: number;
  currency: string;
  clientSecret: string | null;
  /** Why the last confirmation failed; set while the intent is back to requires_payment_method. */
  lastError: IntentError | null;
  metadata: Record<string, string>;
}

export type ProviderRefundStatus = 'pending' | 'succeeded' | 'failed' | 'canceled' | 'requires_action';

export interface ProviderRefund {
  id: string;
  status: ProviderRefundStatus;
  amount: number;
  failureReason: string | null;
  metadata: Record<string, string>;
}

/** A provider event in Stripe's webhook shape (`payment_intent.succeeded`, `charge.refunded`, ...). */
export interface ProviderEvent {
  id: string;
  type: string;
  data: { object: Record<string, any> };
}

/** A payment method the provider refused outright (unknown id): the caller's input, not a decline. */
export class InvalidPaymentMethodError extends Error {
  constructor(readonly paymentMethodId: string) {
    super(`No such payment method: ${paymentMethodId}`);
    this.name = 'InvalidPaymentMethodError';
  }
}

export interface PaymentProvider {
  readonly name: 'stripe' | 'simulated';
  createIntent(input: {
    amount: number;
    currency: string;
    metadata: Record<string, string>;
    idempotencyKey: string;
  }): Promise<ProviderIntent>;
  /**
   * Confirms server-side. A decline is not an exception: it comes back as an intent in
   * `requires_payment_method` with `lastError`, exactly as Stripe reports it.
   */
  confirmIntent(intentId: string, paymentMethodId: string, idempotencyKey: string): Promise<ProviderIntent>;
  cancelIntent(intentId: string, idempotencyKey: string): Promise<ProviderIntent>;
  retrieveIntent(intentId: string): Promise<ProviderIntent>;
  createRefund(input: {
    intentId: string;
    amount: number;
    metadata: Record<string, string>;
    idempotencyKey: string;
  }): Promise<ProviderRefund>;
}
