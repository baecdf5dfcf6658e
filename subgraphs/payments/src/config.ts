import { z } from 'zod';

/** The steps of confirmPayment after which the crash tests may kill the process. */
export const CONFIRM_STEPS = ['after-claim', 'after-provider', 'after-record'] as const;
export type ConfirmStep = (typeof CONFIRM_STEPS)[number];

/** The payments subgraph's own variables, on top of the kit's base configuration. */
export const paymentsConfigShape = {
  STRIPE_SECRET_KEY: z.string().startsWith('sk_', 'must be a Stripe secret key (sk_...)').optional(),
  STRIPE_WEBHOOK_SECRET: z
    .string()
    .startsWith('whsec_', 'must be a Stripe webhook secret (whsec_...)')
    .optional(),
  /** Public: a storefront collects cards with Stripe Elements under this key (Query.paymentSettings). */
  STRIPE_PUBLISHABLE_KEY: z
    .string()
    .startsWith('pk_', 'must be a Stripe publishable key (pk_...)')
    .optional(),
  /** Where the Stripe SDK sends requests; only tests and stripe-mock setups change it. */
  STRIPE_API_URL: z.string().url().optional(),
  REFUND_APPROVAL_THRESHOLD: z.coerce.number().int().min(0).default(10_000),
  /** How long a payment mutation waits for the order's events to reach this subgraph. */
  ORDER_SYNC_WAIT_MS: z.coerce.number().int().min(0).default(3_000),
  /** A payment PROCESSING or REQUIRES_ACTION this long is asked of the provider (a crash may have left it). */
  PAYMENT_RECONCILE_AFTER_MS: z.coerce.number().int().min(0).default(120_000),
  /** How often stale payments are looked for. */
  PAYMENT_RECONCILE_INTERVAL_MS: z.coerce.number().int().min(10).default(30_000),
  /** Fault injection for the crash tests: SIGKILL at this step of confirmPayment. Refused in production. */
  PAYMENT_CRASH_POINT: z.enum(CONFIRM_STEPS).optional(),
  /** automatic: charged on confirmation; manual: authorised on confirmation, captured by FINANCE or shipments. */
  PAYMENT_CAPTURE: z.enum(['automatic', 'manual']).default('automatic'),
  /** Orders above this many minor units wait for a FINANCE approval; unset: no approvals. */
  PAYMENT_APPROVAL_THRESHOLD: z.coerce.number().int().min(0).optional(),
  /** An authorisation this old is voided (before Stripe lets it lapse after 7 days). */
  PAYMENT_AUTHORIZATION_VOID_AFTER_MS: z.coerce
    .number()
    .int()
    .min(1)
    .default(6 * 24 * 3600 * 1000),
  /** How long the simulated provider keeps an uncaptured authorisation (Stripe: 7 days). */
  PAYMENT_AUTHORIZATION_TTL_MS: z.coerce
    .number()
    .int()
    .min(1)
    .default(7 * 24 * 3600 * 1000),
};

export type PaymentsConfig = {
  STRIPE_SECRET_KEY?: string | undefined;
  STRIPE_WEBHOOK_SECRET?: string | undefined;
  STRIPE_PUBLISHABLE_KEY?: string | undefined;
  STRIPE_API_URL?: string | undefined;
  REFUND_APPROVAL_THRESHOLD: number;
  ORDER_SYNC_WAIT_MS: number;
  PAYMENT_RECONCILE_AFTER_MS: number;
  PAYMENT_RECONCILE_INTERVAL_MS: number;
  PAYMENT_CRASH_POINT?: ConfirmStep | undefined;
  PAYMENT_CAPTURE: 'automatic' | 'manual';
  PAYMENT_APPROVAL_THRESHOLD?: number | undefined;
  PAYMENT_AUTHORIZATION_VOID_AFTER_MS: number;
  PAYMENT_AUTHORIZATION_TTL_MS: number;
};

/** How a storefront collects card details (`Query.paymentSettings`): public, no secret in it. */
export interface PaymentSettings {
  provider: 'SIMULATED' | 'STRIPE';
  stripePublishableKey: string | null;
}

/**
 * The settings a storefront reads, checked against the secret key: a publishable key without
 * Stripe, or of the other mode (test vs live), would collect cards the server cannot charge.
 */
export function paymentSettingsOf(config: PaymentsConfig): PaymentSettings {
  const publishable = config.STRIPE_PUBLISHABLE_KEY ?? null;
  if (publishable) {
    if (!config.STRIPE_SECRET_KEY)
      throw new Error(
        'STRIPE_PUBLISHABLE_KEY needs STRIPE_SECRET_KEY: cards collected by Stripe Elements are charged with it',
      );
    const mode = (key: string) => (/^(pk|sk|rk)_live_/.test(key) ? 'live' : 'test');
    if (mode(publishable) !== mode(config.STRIPE_SECRET_KEY))
      throw new Error(
        'STRIPE_PUBLISHABLE_KEY and STRIPE_SECRET_KEY must both be test keys or both live keys',
      );
  }
  return { provider: config.STRIPE_SECRET_KEY ? 'STRIPE' : 'SIMULATED', stripePublishableKey: publishable };
}
