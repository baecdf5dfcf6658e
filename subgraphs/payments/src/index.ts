import {
  moneyResolvers,
  type Logger,
  type SubgraphContext,
  defineSubgraph,
  type SubgraphRuntime,
} from '@novamart/kit';
import { paymentSettingsOf, paymentsConfigShape, type PaymentsConfig } from './config';
import { adminRolesConsumer } from './events/admin-roles';
import { paymentConsumers } from './events/handlers';
import { adminRoleModel } from './models/admin-role';
import { orderViewModel } from './models/order-view';
import { PAYMENTS_COLLECTION, paymentModel } from './models/payment';
import { providerEventModel } from './models/provider-event';
import { refundModel } from './models/refund';
import { type PaymentProvider } from './providers/provider';
import { SimulatedProvider } from './providers/simulated-provider';
import { StripeProvider } from './providers/stripe-provider';
import { resolvers, type PaymentsContext } from './resolvers';
import { CaptureService } from './services/capture-service';
import { PaymentService } from './services/payment-service';
import { ProviderEventService } from './services/provider-events';
import { PaymentReconciler } from './services/reconciliation';
import { RefundService } from './services/refund-service';
import { mountStripeWebhook } from './webhooks/stripe-webhook';

export { PaymentService } from './services/payment-service';
export { PaymentReconciler } from './services/reconciliation';
export { RefundService } from './services/refund-service';
export { SimulatedProvider } from './providers/simulated-provider';
export { StripeProvider } from './providers/stripe-provider';
export { TEST_CARDS, testCardOutcome } from './providers/test-cards';

const REFUND_RETRY_INTERVAL_MS = 60_000;

/** Stripe with a secret key, else the simulation (in the payments database). */
function selectProvider({ mongo: conn, config, logger }: SubgraphRuntime<PaymentsConfig>) {
  const stripe = config.STRIPE_SECRET_KEY
    ? new StripeProvider({ secretKey: config.STRIPE_SECRET_KEY, apiUrl: config.STRIPE_API_URL })
    : null;
  const simulated = stripe
    ? null
    : new SimulatedProvider(conn, { authorizationTtlMs: config.PAYMENT_AUTHORIZATION_TTL_MS });
  const provider: PaymentProvider = stripe ?? simulated!;
  logger.info({ provider: provider.name }, 'payment provider selected');
  return { stripe, simulated, provider };
}

/** The payments models and services on one connection, wired as the subgraph runs them. */
async function createPaymentsServices(runtime: SubgraphRuntime<PaymentsConfig>) {
  const { mongo: conn, config, logger } = runtime;
  const payments = paymentModel(conn);
  const refunds = refundModel(conn);
  const orders = orderViewModel(conn);
  const providerEvents = providerEventModel(conn);
  const admins = adminRoleModel(conn);
  await Promise.all([payments.init(), refunds.init(), orders.init(), providerEvents.init()]);

  const { stripe, simulated, provider } = selectProvider(runtime);

  const refundService = new RefundService({
    conn,
    payments,
    refunds,
    provider,
    logger,
    approvalThreshold: config.REFUND_APPROVAL_THRESHOLD,
    admins,
  });
  const paymentService = new PaymentService({
    conn,
    payments,
    orders,
    provider,
    logger,
    orderSyncWaitMs: config.ORDER_SYNC_WAIT_MS,
    crashPoint: config.PAYMENT_CRASH_POINT,
    captureMethod: config.PAYMENT_CAPTURE,
    approvalThreshold: config.PAYMENT_APPROVAL_THRESHOLD ?? null,
    onSucceededForCancelledOrder: async (payment) => {
      await refundService.refundForCancellation(payment, 'order was cancelled before the payment completed');
    },
  });
  const captureService = new CaptureService({
    conn,
    payments,
    orders,
    provider,
    paymentService,
    logger,
    captureMethod: config.PAYMENT_CAPTURE,
    voidAfterMs: config.PAYMENT_AUTHORIZATION_VOID_AFTER_MS,
  });
  const reconciler = new PaymentReconciler({
    payments,
    paymentService,
    provider,
    logger,
    afterMs: config.PAYMENT_RECONCILE_AFTER_MS,
  });
  const providerEventService = new ProviderEventService({
    events: providerEvents,
    payments: paymentService,
    refunds: refundService,
    logger,
  });
  // The simulation announces its state changes the way Stripe's webhooks would, each once (`apply`).
  simulated?.onEvent(async (event) => {
    try {
      await providerEventService.apply(event);
    } catch (error) {
      logger.error({ err: error, eventId: event.id }, 'simulated provider event failed');
    }
  });
  return {
    models: { payments, refunds, orders, admins },
    stripe,
    simulated,
    paymentService,
    refundService,
    captureService,
    reconciler,
    providerEventService,
  };
}

/**
 * The payments subgraph's timers: reconciliation of what waits on the provider (at start, in the
 * background, then every PAYMENT_RECONCILE_INTERVAL_MS; one pass at a time, so a slow provider
 * does not stack sweeps over the same payments) and the retry of pending refunds.
 */
function backgroundWork(
  services: Awaited<ReturnType<typeof createPaymentsServices>>,
  config: PaymentsConfig,
  logger: Logger,
) {
  let refundRetry: NodeJS.Timeout | undefined;
  let reconcileTimer: NodeJS.Timeout | undefined;
  let sweeping: Promise<unknown> | null = null;
  // Reconciliation, then authorisations about to lapse, one pass at a time.
  const reconcile = () =>
    (sweeping ??= services.reconciler
      .sweep()
      .then(() => services.captureService.finishStuckCaptures(config.PAYMENT_RECONCILE_AFTER_MS))
      .then(() => services.captureService.voidLapsing())
      .catch((error: unknown) => logger.error({ err: error }, 'payment reconciliation sweep failed'))
      .finally(() => (sweeping = null)));
  return {
    /** A reconciliation pass in progress (started on its timer, or at start-up). */
    pending: () => (sweeping ? 1 : 0),
    start() {
      // What a crash left in flight is settled at once, in the background: an unreachable
      // provider must not hold up start-up (its payments are asked again on the next pass).
      void reconcile();
      reconcileTimer = setInterval(() => void reconcile(), config.PAYMENT_RECONCILE_INTERVAL_MS);
      reconcileTimer.unref();
      refundRetry = setInterval(() => {
        services.refundService
          .retryPending()
          .catch((error: unknown) => logger.error({ err: error }, 'refund retry sweep failed'));
      }, REFUND_RETRY_INTERVAL_MS);
      refundRetry.unref();
    },
    async stop() {
      clearInterval(refundRetry);
      clearInterval(reconcileTimer);
      await sweeping;
      await services.simulated?.drain();
    },
  };
}

export const paymentsSubgraph = defineSubgraph({
  name: 'payments',
  port: 4006,
  configShape: paymentsConfigShape,
  schema: new URL('./schema.graphql', import.meta.url),
  resolvers: { ...resolvers, ...moneyResolvers },
  async create(runtime) {
    const { config, logger } = runtime;
    if (config.PAYMENT_CRASH_POINT && config.NODE_ENV === 'production') {
      throw new Error('PAYMENT_CRASH_POINT is a test fault injection and is refused in production');
    }
    const paymentSettings = paymentSettingsOf(config);
    const services = await createPaymentsServices(runtime);
    const { models, paymentService, refundService, captureService, reconciler } = services;
    const work = backgroundWork(services, config, logger);
    return {
      context: (): Omit<PaymentsContext, keyof SubgraphContext> => ({
        paymentService,
        refundService,
        captureService,
        reconciler,
        paymentSettings,
        models: { payments: models.payments, refunds: models.refunds },
      }),
      consumers: [
        adminRolesConsumer(models.admins),
        ...paymentConsumers({
          live: runtime.live,
          orders: models.orders,
          payments: models.payments,
          paymentService,
          refundService,
          captureService,
        }),
      ],
      publishes: [
        'payment.status_changed',
        'payment.succeeded',
        'payment.failed',
        'payment.approval_requested',
        'payment.rejected',
        'refund.requested',
        'refund.succeeded',
        'refund.failed',
      ],
      documentEvents: [PAYMENTS_COLLECTION],
      routes: (app) =>
        mountStripeWebhook(app, {
          stripe: services.stripe?.client ?? null,
          secret: config.STRIPE_WEBHOOK_SECRET,
          events: services.providerEventService,
          logger,
        }),
      start: async () => work.start(),
      stop: () => work.stop(),
      // The simulation's announcements follow the answer, like webhooks; a sweep may be running.
      pendingWork: () => (services.simulated?.pending ?? 0) + work.pending(),
    };
  },
});
