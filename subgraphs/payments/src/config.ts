import { type ConfigVariable } from '@novamart/kit';
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
};

export type PaymentsConfig = {
  STRIPE_SECRET_KEY?: string | undefined;
  STRIPE_WEBHOOK_SECRET?: string | undefined;
  STRIPE_API_URL?: string | undefined;
  REFUND_APPROVAL_THRESHOLD: number;
  ORDER_SYNC_WAIT_MS: number;
  PAYMENT_RECONCILE_AFTER_MS: number;
  PAYMENT_RECONCILE_INTERVAL_MS: number;
  PAYMENT_CRASH_POINT?: ConfirmStep | undefined;
};

export const paymentsConfigVariables: ConfigVariable[] = [
  {
    name: 'STRIPE_SECRET_KEY',
    default: undefined,
    description: 'Stripe secret key; unset means the simulated provider with Stripe test-card semantics.',
  },
  {
    name: 'STRIPE_WEBHOOK_SECRET',
    default: undefined,
    description:
      'Signing secret of the Stripe webhook endpoint `POST /webhooks/stripe` on the payments subgraph.',
  },
  {
    name: 'STRIPE_API_URL',
    default: 'https://api.stripe.com',
    description: 'Stripe API base URL (tests point it at a local server).',
  },
  {
    name: 'REFUND_APPROVAL_THRESHOLD',
    default: '10000',
    description: 'Refunds above this many minor units wait for a second admin to approve them.',
  },
  {
    name: 'ORDER_SYNC_WAIT_MS',
    default: '3000',
    description: "How long a payment mutation waits for an order's events to reach the payments subgraph.",
  },
  {
    name: 'PAYMENT_RECONCILE_AFTER_MS',
    default: '120000',
    description:
      'A payment PROCESSING or REQUIRES_ACTION for longer than this is reconciled with the provider (also at start-up).',
  },
  {
    name: 'PAYMENT_RECONCILE_INTERVAL_MS',
    default: '30000',
    description: 'How often the payments subgraph looks for payments to reconcile.',
  },
  {
    name: 'PAYMENT_CRASH_POINT',
    default: undefined,
    description:
      'Tests only (refused in production): SIGKILL the process at this step of `confirmPayment` (`after-claim`, `after-provider`, `after-record`).',
  },
];
