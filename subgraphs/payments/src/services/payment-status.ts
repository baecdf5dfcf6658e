import { type IntentStatus, type ProviderIntent } from '../providers/provider';
import { type PaymentStatus } from '../models/payment';

/**
 * Which payment status may follow which. A webhook arriving late or twice asks for a transition
 * that is either a no-op or illegal here, and is then ignored: a payment never goes back from
 * SUCCEEDED to FAILED because Stripe's events crossed on the wire.
 */
const NEXT: Record<PaymentStatus, readonly PaymentStatus[]> = {
  REQUIRES_PAYMENT_METHOD: ['PROCESSING', 'REQUIRES_ACTION', 'SUCCEEDED', 'FAILED', 'CANCELLED'],
  PROCESSING: ['SUCCEEDED', 'FAILED', 'REQUIRES_ACTION', 'REQUIRES_PAYMENT_METHOD', 'CANCELLED'],
  REQUIRES_ACTION: ['PROCESSING', 'SUCCEEDED', 'FAILED', 'CANCELLED'],
  FAILED: ['PROCESSING', 'SUCCEEDED', 'REQUIRES_ACTION', 'CANCELLED'],
  SUCCEEDED: ['PARTIALLY_REFUNDED', 'REFUNDED'],
  PARTIALLY_REFUNDED: ['PARTIALLY_REFUNDED', 'REFUNDED'],
  CANCELLED: [],
  REFUNDED: [],
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

/** The payment status a provider intent stands for. */
export function statusOfIntent(intent: Pick<ProviderIntent, 'status' | 'lastError'>): PaymentStatus {
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
