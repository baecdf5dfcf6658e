import { type IntentError } from './provider';

/**
 * Stripe's documented test payment methods and what confirming with each does. The simulated
 * provider follows this table so that storefront code written against Stripe test mode behaves
 * the same on a bare machine.
 */
export type TestCardOutcome =
  { kind: 'succeeds' } | { kind: 'requires_action' } | { kind: 'declined'; error: IntentError };

const declined = (code: string, declineCode: string | null, message: string): TestCardOutcome => ({
  kind: 'declined',
  error: { code, declineCode, message },
});

const SUCCEEDING = [
  'pm_card_visa',
  'pm_card_visa_debit',
  'pm_card_mastercard',
  'pm_card_mastercard_debit',
  'pm_card_mastercard_prepaid',
  'pm_card_amex',
  'pm_card_discover',
  'pm_card_diners',
  'pm_card_jcb',
  'pm_card_unionpay',
  'pm_card_authenticationRequiredSetupForOffSession',
];

export const TEST_CARDS: Readonly<Record<string, TestCardOutcome>> = {
  ...Object.fromEntries(SUCCEEDING.map((pm) => [pm, { kind: 'succeeds' } as const])),
  pm_card_authenticationRequired: { kind: 'requires_action' },
  pm_card_threeDSecure2Required: { kind: 'requires_action' },
  pm_card_chargeDeclined: declined('card_declined', 'generic_decline', 'Your card was declined.'),
  pm_card_chargeDeclinedInsufficientFunds: declined(
    'card_declined',
    'insufficient_funds',
    'Your card has insufficient funds.',
  ),
  pm_card_chargeDeclinedLostCard: declined('card_declined', 'lost_card', 'Your card was declined.'),
  pm_card_chargeDeclinedStolenCard: declined('card_declined', 'stolen_card', 'Your card was declined.'),
  pm_card_chargeDeclinedFraudulent: declined('card_declined', 'fraudulent', 'Your card was declined.'),
  pm_card_chargeDeclinedExpiredCard: declined('expired_card', 'expired_card', 'Your card has expired.'),
  pm_card_chargeDeclinedIncorrectCvc: declined(
    'incorrect_cvc',
    'incorrect_cvc',
    "Your card's security code is incorrect.",
  ),
  pm_card_chargeDeclinedProcessingError: declined(
    'processing_error',
    'processing_error',
    'An error occurred while processing your card. Try again in a little bit.',
  ),
};

/** The outcome for a payment method id, or null when Stripe would answer "No such PaymentMethod". */
export function testCardOutcome(paymentMethodId: string): TestCardOutcome | null {
  return Object.hasOwn(TEST_CARDS, paymentMethodId) ? TEST_CARDS[paymentMethodId]! : null;
}
