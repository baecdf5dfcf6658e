import { describe, expect, it } from 'vitest';
import { paymentSettingsOf, type PaymentsConfig } from '../src/config';

const base = {
  REFUND_APPROVAL_THRESHOLD: 10_000,
  ORDER_SYNC_WAIT_MS: 3_000,
  PAYMENT_RECONCILE_AFTER_MS: 120_000,
  PAYMENT_RECONCILE_INTERVAL_MS: 30_000,
  PAYMENT_CAPTURE: 'automatic',
  PAYMENT_AUTHORIZATION_VOID_AFTER_MS: 518_400_000,
  PAYMENT_AUTHORIZATION_TTL_MS: 604_800_000,
} satisfies PaymentsConfig;

describe('paymentSettings: how a storefront collects a card', () => {
  it('is the simulation without Stripe, and Stripe without Elements when only the secret key is set', () => {
    expect(paymentSettingsOf(base)).toEqual({ provider: 'SIMULATED', stripePublishableKey: null });
    expect(paymentSettingsOf({ ...base, STRIPE_SECRET_KEY: 'sk_test_1' })).toEqual({
      provider: 'STRIPE',
      stripePublishableKey: null,
    });
  });

  it('offers Stripe Elements with a publishable key of the secret key’s mode', () => {
    expect(
      paymentSettingsOf({ ...base, STRIPE_SECRET_KEY: 'sk_live_1', STRIPE_PUBLISHABLE_KEY: 'pk_live_1' }),
    ).toEqual({ provider: 'STRIPE', stripePublishableKey: 'pk_live_1' });
  });

  it('refuses to start with a publishable key it could not charge', () => {
    expect(() => paymentSettingsOf({ ...base, STRIPE_PUBLISHABLE_KEY: 'pk_test_1' })).toThrow(
      /needs STRIPE_SECRET_KEY/,
    );
    expect(() =>
      paymentSettingsOf({ ...base, STRIPE_SECRET_KEY: 'sk_live_1', STRIPE_PUBLISHABLE_KEY: 'pk_test_1' }),
    ).toThrow(/both be test keys or both live keys/);
  });
});
