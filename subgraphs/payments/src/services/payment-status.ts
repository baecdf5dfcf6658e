import { type IntentStatus, type ProviderIntent } from '../providers/provider';
import { type PaymentDoc, type PaymentStatus } from '../models/payment';

/**
 * Which payment status may follow which. A webhook arriving late or twice asks for a transition
 * that is either a no-op or illegal here, and is then ignored: a payment never goes back from
 * SUCCEEDED to FAILED because Stripe's events crossed on the wire.
 */
const NEXT: Record<PaymentStatus, readonly PaymentStatus[]> = {
  REQUIRES_PAYMENT_METHOD: [
    'PROCESSING',
    'REQUIRES_ACTION',
    'SUCCEEDED',
    'AUTHORIZED',
    'FAILED',
    'CANCELLED',
  ],
  PROCESSING: [
    'SUCCEEDED',
    'AUTHORIZED',
    'FAILED',
    'REQUIRES_ACTION',
    'REQUIRES_PAYMENT_METHOD',
    'CANCELLED',
  ],
  REQUIRES_ACTION: ['PROCESSING', 'SUCCEEDED', 'AUTHORIZED', 'FAILED', 'CANCELLED'],
  FAILED: ['PROCESSING', 'SUCCEEDED', 'AUTHORIZED', 'REQUIRES_ACTION', 'CANCELLED'],
  SUCCEEDED: ['PARTIALLY_REFUNDED', 'REFUNDED'],
  PARTIALLY_REFUNDED: ['PARTIALLY_REFUNDED', 'REFUNDED'],
  CANCELLED: [],
  REFUNDED: [],
  // Manual capture: the authorisation is captured in one or more parts, or voided.
  AUTHORIZED: ['PARTIALLY_CAPTURED', 'CAPTURED', 'VOIDED'],
  PARTIALLY_CAPTURED: ['PARTIALLY_CAPTURED', 'CAPTURED'],
  CAPTURED: ['PARTIALLY_REFUNDED', 'REFUNDED'],
  VOIDED: [],
};

export function canTransition(from: PaymentStatus, to: PaymentStatus): boolean {
  return NEXT[from].includes(to);
}

/** Statuses from which a customer may (re)try a payment method. */
export const CONFIRMABLE: readonly PaymentStatus[] = ['REQUIRES_PAYMENT_METHOD', 'FAILED', 'REQUIRES_ACTION'];

export const TERMINAL_OR_PAID: readonly PaymentStatus[] = [
  'SUCCEEDED',
  'PARTIALLY_REFUNDED',
  'REFUNDED',
  'CANCELLED',
];

/** Statuses whose captured money refunds may give back (refunds apply to captured amounts only). */
export const REFUNDABLE: readonly PaymentStatus[] = ['SUCCEEDED', 'PARTIALLY_REFUNDED', 'CAPTURED'];

/** Statuses with an authorisation that can still be captured or voided. */
export const CAPTURABLE: readonly PaymentStatus[] = ['AUTHORIZED', 'PARTIALLY_CAPTURED'];

/**
 * The payment status a provider intent stands for. A manual-capture intent reads in capture terms:
 * requires_capture is AUTHORIZED (PARTIALLY_CAPTURED once part is taken), succeeded is CAPTURED,
 * and canceled after authorisation is VOIDED.
 */
export function statusOfIntent(
  intent: Pick<ProviderIntent, 'status' | 'lastError' | 'captureMethod' | 'amountReceived'>,
  payment?: Pick<PaymentDoc, 'authorizedAt'>,
): PaymentStatus {
  if (intent.captureMethod === 'manual') {
    if (intent.status === 'requires_capture')
      return intent.amountReceived > 0 ? 'PARTIALLY_CAPTURED' : 'AUTHORIZED';
    if (intent.status === 'succeeded') return 'CAPTURED';
    if (intent.status === 'canceled' && payment?.authorizedAt) return 'VOIDED';
  }
  const map: Record<IntentStatus, PaymentStatus> = {
    requires_payment_method: intent.lastError ? 'FAILED' : 'REQUIRES_PAYMENT_METHOD',
    requires_confirmation: 'REQUIRES_PAYMENT_METHOD',
    requires_action: 'REQUIRES_ACTION',
    processing: 'PROCESSING',
    requires_capture: 'PROCESSING',
    canceled: 'CANCELLED',
    succeeded: 'SUCCEEDED',
  };
  return map[intent.status];
}
