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
  /** Stripe's capture_method: `manual` authorises on confirmation (requires_capture), then captures. */
  captureMethod: 'automatic' | 'manual';
  /** Captured so far (Stripe's amount_received). */
  amountReceived: number;
}

/** An order line as the provider records it with the intent. */
export interface ProviderLineItem {
  productId: string;
  sku: string;
  quantity: number;
  amount: number;
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

/** The provider refused a capture (beyond the authorisation, expired, not authorised): `code` says why. */
export class CaptureRefusedError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'CaptureRefusedError';
  }
}

/** A payment intent to open: the amount in minor units of `currency`, and what the order says of it. */
export interface CreateIntentInput {
  amount: number;
  currency: string;
  metadata: Record<string, string>;
  idempotencyKey: string;
  captureMethod?: 'automatic' | 'manual';
  lineItems?: ProviderLineItem[];
}

export interface PaymentProvider {
  readonly name: 'stripe' | 'simulated';
  createIntent(input: CreateIntentInput): Promise<ProviderIntent>;
  /**
   * Confirms server-side. A decline is not an exception: it comes back as an intent in
   * `requires_payment_method` with `lastError`, exactly as Stripe reports it.
   */
  confirmIntent(intentId: string, paymentMethodId: string, idempotencyKey: string): Promise<ProviderIntent>;
  /**
   * Cancels an intent; on an authorised (requires_capture) one this voids the authorisation, and
   * on a partly captured one releases the rest (the intent ends succeeded for what was captured).
   */
  cancelIntent(intentId: string, idempotencyKey: string): Promise<ProviderIntent>;
  /**
   * Captures `amount` of an authorised intent; `final` releases what is left (Stripe's
   * `final_capture`), otherwise further captures may follow up to the authorised amount. Refused
   * (an error) beyond the authorisation or once it expired.
   */
  captureIntent(input: {
    intentId: string;
    amount: number;
    final: boolean;
    idempotencyKey: string;
  }): Promise<ProviderIntent>;
  retrieveIntent(intentId: string): Promise<ProviderIntent>;
  createRefund(input: {
    intentId: string;
    amount: number;
    metadata: Record<string, string>;
    idempotencyKey: string;
  }): Promise<ProviderRefund>;
}
