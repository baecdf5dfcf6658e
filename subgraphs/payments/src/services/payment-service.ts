import {
  actorOf,
  auditEntry,
  type AuditActor,
  type AuditEntry,
  KeyedLocks,
  systemActor,
  assertOwnerOrAdmin,
  badUserInput,
  conflict,
  createStep,
  runSteps,
  type Logger,
  notFound,
  type Viewer,
  isDuplicateKeyError,
} from '@novamart/kit';
import { writeSync } from 'node:fs';
import { createEvent, DocumentEvents, type DomainEvent } from '@novamart/events';
import { type Connection, Types } from 'mongoose';
import { type ConfirmStep } from '../config';
import { type OrderViewDoc, type OrderViewModel } from '../models/order-view';
import {
  PAYMENTS_COLLECTION,
  type CaptureMethod,
  type PaymentDoc,
  type PaymentModel,
  type PaymentStatus,
} from '../models/payment';
import { InvalidPaymentMethodError, type PaymentProvider, type ProviderIntent } from '../providers/provider';
import { canTransition, CONFIRMABLE, statusOfIntent } from './payment-status';

export interface PaymentServiceDeps {
  conn: Connection;
  payments: PaymentModel;
  orders: OrderViewModel;
  provider: PaymentProvider;
  logger: Logger;
  /** How long to wait for an order's events to reach payments before answering NOT_FOUND/CONFLICT. */
  orderSyncWaitMs: number;
  /** Called after a payment succeeds for an order that was cancelled meanwhile: the money goes back. */
  onSucceededForCancelledOrder?: (payment: PaymentDoc) => Promise<void>;
  /** Tests only: the step of confirmPayment at which the process kills itself. */
  crashPoint?: ConfirmStep | undefined;
  /** PAYMENT_CAPTURE: automatic charges on confirmation; manual authorises, FINANCE captures. */
  captureMethod?: CaptureMethod;
  /** PAYMENT_APPROVAL_THRESHOLD: orders above it are authorised only and wait for FINANCE; null: none. */
  approvalThreshold?: number | null;
}

/** Orders a payment may be taken for. PENDING: stock is still being reserved; intents are harmless then. */
const PAYABLE_ORDER = new Set(['PENDING', 'AWAITING_PAYMENT']);

/** Payments an order's cancellation cancels at the provider: open intents and authorisations. */
const CANCELLABLE = new Set<PaymentStatus>([
  'REQUIRES_PAYMENT_METHOD',
  'PROCESSING',
  'REQUIRES_ACTION',
  'FAILED',
  'AUTHORIZED',
  'PARTIALLY_CAPTURED',
]);

/** What a transition announces: the status change, and the outcome it stands for. */
function transitionEvents(
  updated: PaymentDoc,
  to: PaymentStatus,
  previousStatus: PaymentStatus,
  at: Date,
): DomainEvent[] {
  const base = { paymentId: String(updated._id), orderId: updated.orderId, userId: updated.userId };
  const events: DomainEvent[] = [
    createEvent('payment.status_changed', updated.orderId, {
      ...base,
      status: to,
      previousStatus,
      at: at.toISOString(),
    }),
  ];
  const money = { amount: updated.amount, currency: updated.currency };
  if (to === 'AUTHORIZED' && updated.approvalStatus === 'PENDING') {
    events.push(createEvent('payment.approval_requested', updated.orderId, { ...base, ...money }));
  } else if (to === 'SUCCEEDED' || to === 'AUTHORIZED') {
    // An authorisation guarantees the money: the order is PAID (its stock sold), captured later.
    events.push(
      createEvent('payment.succeeded', updated.orderId, { ...base, ...money, provider: updated.provider }),
    );
  } else if (to === 'FAILED') {
    events.push(
      createEvent('payment.failed', updated.orderId, {
        ...base,
        reason: updated.failureReason,
        declineCode: updated.declineCode,
      }),
    );
  }
  return events;
}

/** The history reason of a transition the provider's intent asks for. */
function reasonOf(intent: ProviderIntent, target: PaymentStatus, source: string): string {
  if (target === 'FAILED') return intent.lastError?.message ?? 'The payment failed.';
  if (target === 'REQUIRES_ACTION') return 'the card needs authentication (3-D Secure)';
  return `${source}: ${intent.status}`;
}

/** The fields a transition to `target` sets besides the status. */
function fieldsFor(target: PaymentStatus, payment: PaymentDoc, intent: ProviderIntent): Partial<PaymentDoc> {
  switch (target) {
    case 'FAILED':
      return {
        failureReason: intent.lastError?.message ?? 'The payment failed.',
        declineCode: intent.lastError?.declineCode ?? intent.lastError?.code ?? null,
      };
    case 'SUCCEEDED':
      return {
        failureReason: null,
        declineCode: null,
        refundableRemaining: payment.amount,
        amountCaptured: payment.amount,
      };
    case 'AUTHORIZED':
      return { failureReason: null, declineCode: null, authorizedAt: new Date() };
    case 'PARTIALLY_CAPTURED':
    case 'CAPTURED':
      return { amountCaptured: Math.max(intent.amountReceived, payment.amountCaptured ?? 0) };
    default:
      return {};
  }
}

/**
 * What of a provider intent `applyIntent` decides on (`statusOfIntent`, `fieldsFor`, `reasonOf`):
 * two intents alike in it apply alike to the same payment.
 */
function intentState(intent: ProviderIntent): string {
  const error = intent.lastError;
  return JSON.stringify([
    intent.id,
    intent.status,
    intent.captureMethod,
    intent.amountReceived,
    error?.code ?? null,
    error?.declineCode ?? null,
    error?.message ?? null,
  ]);
}

/** `applyIntent`'s `known` for a provider's event: the payment it recorded, if that state (`recordedFor`). */
const ANNOUNCED = Symbol('announced');

/** How many recorded intent states this process keeps for the provider's events that follow them. */
const REMEMBERED_RECORDS = 1_000;

/** What a status transition may require and record besides the status (`PaymentService.transition`). */
interface TransitionOptions {
  from: readonly PaymentStatus[];
  set?: Partial<PaymentDoc>;
  inc?: Partial<Record<keyof PaymentDoc, number>>;
  /** More conditions the payment must meet (a capture's expected amount). */
  where?: Record<string, unknown>;
  /** Who made the change (audit trail); the system when omitted. */
  actor?: AuditActor;
  /** More to record in the same update (a capture's entry). */
  push?: Record<string, unknown>;
}

/** A transition that keeps losing its compare-and-set to other writers gives up (answers null). */
const MAX_TRANSITION_ATTEMPTS = 5;

export class PaymentService {
  /** Per payment id: one status transition at a time in this process (`transition`). */
  private readonly transitions = new KeyedLocks();
  /** Per provider intent id: one `applyIntent` at a time in this process, from its read to its write. */
  private readonly intentApplications = new KeyedLocks();
  /**
   * Per provider intent id: the intent state this process last recorded and the payment as that
   * record left it, kept for the provider's event announcing the same state (`recordedFor`).
   */
  private readonly recorded = new Map<string, { state: string; payment: PaymentDoc }>();

  constructor(private readonly deps: PaymentServiceDeps) {}

  /**
   * One payment per order: a second call, or a concurrent one, returns the same payment. The
   * amount is the order's total as the orders subgraph published it.
   */
  async createPaymentIntent(viewer: Viewer | null, orderId: string): Promise<PaymentDoc> {
    const order = await this.waitForOrder(orderId, () => true);
    if (!order) throw notFound('Order', { orderId });
    this.assertCanPay(viewer, order);

    const existing = await this.deps.payments.findOne({ orderId }).lean();
    if (existing) return existing;
    if (!PAYABLE_ORDER.has(order.status)) {
      throw conflict(`Order ${orderId} cannot be paid: it is ${order.status}`, { status: order.status });
    }

    // Above the threshold the money is only authorised until FINANCE approves (never captured before).
    const threshold = this.deps.approvalThreshold ?? null;
    const needsApproval = threshold !== null && order.total > threshold;
    const captureMethod = needsApproval ? 'manual' : (this.deps.captureMethod ?? 'automatic');
    const lineItems = order.lines ?? [];
    // Stripe deduplicates on the key, so a crash between its answer and our insert re-creates nothing.
    const intent = await this.deps.provider.createIntent({
      amount: order.total,
      currency: order.currency,
      metadata: { orderId },
      idempotencyKey: `novamart-intent-${orderId}`,
      captureMethod,
      lineItems,
    });
    const now = new Date();
    const createdEntry = auditEntry({
      action: 'payment.created',
      toStatus: 'REQUIRES_PAYMENT_METHOD',
      actor: actorOf(viewer),
      reason: needsApproval ? `above the approval threshold (${threshold})` : null,
      at: now,
    });
    const paymentId = new Types.ObjectId();
    // One insert, carrying its event (`DocumentEvents`): no transaction.
    const events = new DocumentEvents([
      createEvent('payment.status_changed', orderId, {
        paymentId: String(paymentId),
        orderId,
        userId: order.userId,
        status: 'REQUIRES_PAYMENT_METHOD',
        previousStatus: null,
        at: now.toISOString(),
      }),
    ]);
    try {
      const [created] = await this.deps.payments.create([
        {
          _id: paymentId,
          orderId,
          userId: order.userId,
          amount: order.total,
          currency: order.currency,
          status: 'REQUIRES_PAYMENT_METHOD',
          provider: this.deps.provider.name,
          providerPaymentId: intent.id,
          clientSecret: intent.clientSecret,
          history: [{ status: 'REQUIRES_PAYMENT_METHOD', reason: 'payment intent created', at: now }],
          captureMethod,
          approvalStatus: needsApproval ? 'PENDING' : 'NOT_REQUIRED',
          lineItems,
          auditTrail: [createdEntry],
          ...events.inserted(),
        },
      ]);
      events.written(this.deps.conn, PAYMENTS_COLLECTION, paymentId);
      const { pendingEvents: _unpublished, ...payment } = created!.toObject() as PaymentDoc;
      return payment;
    } catch (error) {
      if (isDuplicateKeyError(error)) {
        const winner = await this.deps.payments.findOne({ orderId }).lean();
        if (winner) return winner;
      }
      throw error;
    }
  }

  /**
   * Confirms server-side with a payment method, as three steps:
   * 1. claim: the payment moves to PROCESSING with a conditional update, so one attempt runs at a
   *    time (a second confirmation meanwhile is CONFLICT); its compensation is the un-claim;
   * 2. provider call: each attempt has its own idempotency key, so a retried request never
   *    charges twice;
   * 3. record: the provider's answer goes through `applyIntent`, the transition a webhook uses.
   * When the call gives no verdict the claim is compensated: the payment is given back to the
   * customer (after asking the provider whether the attempt went through). The claim's attempt
   * count and history stay: they record a call the provider did receive, under its own key (see
   * docs/architecture.md, "Steps and compensations"). A crash between the steps leaves PROCESSING
   * behind; `PaymentReconciler` brings such a payment to the provider's truth through the same
   * `applyIntent`.
   */
  async confirmPayment(
    viewer: Viewer | null,
    paymentId: string,
    paymentMethodId: string,
  ): Promise<PaymentDoc> {
    if (!/^pm_\w+$/.test(paymentMethodId)) {
      throw badUserInput(
        'paymentMethodId must be a payment method id such as pm_card_visa',
        'paymentMethodId',
      );
    }
    const payment = await this.confirmablePayment(viewer, paymentId);
    const run = await runSteps(async (run) => {
      const claimed = await run(this.claimStep, { payment, paymentMethodId, actor: actorOf(viewer) });
      this.crashPoint('after-claim');
      return { claimed, intent: await run(this.providerConfirmStep, { claimed, paymentMethodId }) };
    }).catch((error: unknown) => {
      if (error instanceof InvalidPaymentMethodError) throw badUserInput(error.message, 'paymentMethodId');
      throw error;
    });
    if (!run.ok) throw run.refused;
    this.crashPoint('after-provider');
    // The 'after-record' crash point sits inside the recording transition: after its commit, before
    // the relay is handed payment.succeeded (see transition()). The claim's answer is the payment
    // as this confirmation left it: recording starts from it instead of reading it again.
    const { claimed, intent } = run.value;
    const recorded = await this.applyIntent(intent, 'confirmation', actorOf(viewer), claimed);
    return recorded ?? (await this.findPayment(paymentId))!;
  }

  /** The payment, if the viewer may confirm it now (its order awaits payment); else the error. */
  private async confirmablePayment(viewer: Viewer | null, paymentId: string): Promise<PaymentDoc> {
    const payment = await this.findPayment(paymentId);
    if (!payment) throw notFound('Payment', { paymentId });
    const order = await this.waitForOrder(payment.orderId, (o) => o.status !== 'PENDING');
    if (!order) throw notFound('Order', { orderId: payment.orderId });
    this.assertCanPay(viewer, order);
    if (payment.status === 'SUCCEEDED')
      throw conflict('This payment has already succeeded', { status: payment.status });
    if (!CONFIRMABLE.includes(payment.status)) {
      throw conflict(`A ${payment.status} payment cannot be confirmed`, { status: payment.status });
    }
    if (order.status !== 'AWAITING_PAYMENT') {
      throw conflict(`Order ${order._id} is ${order.status}, not awaiting payment`, { status: order.status });
    }
    return payment;
  }

  /** Step 1 of a confirmation: PROCESSING from a confirmable status, or CONFLICT; undone by `unclaim`. */
  private readonly claimStep = createStep(
    'claim-payment',
    ({
      payment,
      paymentMethodId,
      actor,
    }: {
      payment: PaymentDoc;
      paymentMethodId: string;
      actor: AuditActor;
    }) => this.claim(payment, paymentMethodId, actor),
    (claimed: PaymentDoc, _input, cause) => this.unclaim(claimed, cause),
  );

  /** Step 2: the provider confirms the intent, under the attempt's own idempotency key. */
  private readonly providerConfirmStep = createStep(
    'provider-confirm',
    ({ claimed, paymentMethodId }: { claimed: PaymentDoc; paymentMethodId: string }) =>
      this.deps.provider.confirmIntent(
        claimed.providerPaymentId!,
        paymentMethodId,
        `novamart-confirm-${String(claimed._id)}-${claimed.attempts}`,
      ),
  );

  private async claim(payment: PaymentDoc, paymentMethodId: string, actor: AuditActor): Promise<PaymentDoc> {
    const claimed = await this.transition(payment, 'PROCESSING', `confirming with ${paymentMethodId}`, {
      from: CONFIRMABLE,
      inc: { attempts: 1 },
      actor,
    });
    if (!claimed) throw conflict('Another confirmation of this payment is in progress');
    return claimed;
  }

  /**
   * The compensation of `claim`, when the provider call ended without an answer. An unknown
   * payment method never reached a charge: the payment goes back at once. Anything else (a
   * timeout, a dropped connection) may have charged, so the provider is asked first and its truth
   * recorded; only if it cannot be asked either is the payment given back, which cannot charge
   * twice (one intent per order, and the provider confirms an intent once) and lets the webhook
   * or the reconciler record a late success.
   */
  private async unclaim(claimed: PaymentDoc, cause: unknown): Promise<void> {
    if (!(cause instanceof InvalidPaymentMethodError)) {
      try {
        const intent = await this.deps.provider.retrieveIntent(claimed.providerPaymentId!);
        // requires_payment_method without an error un-claims; `processing` waits for the webhook.
        await this.applyIntent(intent, 'confirmation without an answer');
        return;
      } catch (error) {
        this.deps.logger.warn(
          { err: error, paymentId: String(claimed._id) },
          'provider could not be asked after a failed confirmation',
        );
      }
    }
    await this.transition(claimed, 'REQUIRES_PAYMENT_METHOD', 'confirmation did not complete', {
      from: ['PROCESSING'],
    });
  }

  /** Fault injection for the crash tests (PAYMENT_CRASH_POINT): dies here like a killed process. */
  private crashPoint(step: ConfirmStep): void {
    if (this.deps.crashPoint !== step) return;
    writeSync(2, `PAYMENT_CRASH_POINT ${step}: SIGKILL\n`);
    process.kill(process.pid, 'SIGKILL');
  }

  /**
   * Brings a payment in line with its provider intent: the synchronous answer of a confirmation,
   * a Stripe webhook and the simulated provider's events all come through here. Applying the same
   * state twice changes nothing. `known`: the payment as the caller just wrote it (a confirmation's
   * claim), used instead of reading it; if it is stale the transition finds out and this runs again
   * on a fresh read. `ANNOUNCED`: the intent comes from the provider's event (`applyAnnouncedIntent`).
   */
  async applyIntent(
    intent: ProviderIntent,
    source: string,
    actor: AuditActor = systemActor(),
    known?: PaymentDoc | typeof ANNOUNCED,
  ): Promise<PaymentDoc | null> {
    // One application per intent at a time in this process, the read included: a confirmation and
    // the provider's event for it arrive together on every payment, and the later one then reads
    // the state the earlier one wrote (nothing left to do) instead of losing the transition's race.
    const applied = await this.intentApplications.run([intent.id], () =>
      this.applyIntentOnce(intent, source, actor, known),
    );
    if (applied === 'lost-race') return this.applyIntent(intent, source, actor); // re-evaluate against the new state
    if (applied.succeeded && applied.payment) await this.afterSuccess(applied.payment);
    return applied.payment;
  }

  /**
   * A provider's event (a Stripe webhook, the simulation's announcement): `applyIntent`, except
   * that a state this process recorded itself is found applied without reading the payment
   * (`recordedFor`).
   */
  applyAnnouncedIntent(
    intent: ProviderIntent,
    source: string,
    actor: AuditActor,
  ): Promise<PaymentDoc | null> {
    return this.applyIntent(intent, source, actor, ANNOUNCED);
  }

  private async applyIntentOnce(
    intent: ProviderIntent,
    source: string,
    actor: AuditActor,
    known: PaymentDoc | typeof ANNOUNCED | undefined,
  ): Promise<{ payment: PaymentDoc | null; succeeded: boolean } | 'lost-race'> {
    const given = known === ANNOUNCED ? this.recordedFor(intent) : known;
    const payment = given ?? (await this.deps.payments.findOne({ providerPaymentId: intent.id }).lean());
    if (!payment) {
      this.deps.logger.warn({ intentId: intent.id, source }, 'provider intent matches no payment; ignored');
      return { payment: null, succeeded: false };
    }
    const unchanged = { payment, succeeded: false };
    const target = statusOfIntent(intent, payment);
    const capturedBefore = payment.amountCaptured ?? 0;
    const grows = intent.captureMethod === 'manual' && intent.amountReceived > capturedBefore;
    // A capture in flight is recorded by its capturer, with its actor and key.
    if (grows && payment.captureInFlight) return unchanged;
    if (target === payment.status && !grows && target !== 'FAILED') return unchanged;
    if (target === 'FAILED' && payment.status === 'FAILED') return unchanged;
    if (!canTransition(payment.status, target)) {
      this.deps.logger.info(
        { paymentId: String(payment._id), from: payment.status, to: target, source },
        'stale provider state ignored',
      );
      return unchanged;
    }
    const updated = await this.transition(payment, target, reasonOf(intent, target, source), {
      from: [payment.status],
      set: fieldsFor(target, payment, intent),
      where: { amountCaptured: payment.amountCaptured ?? { $in: [0, null] } },
      ...(grows && { inc: { refundableRemaining: intent.amountReceived - capturedBefore } }),
      actor,
    });
    if (!updated) return 'lost-race';
    this.remember(intent, updated);
    return { payment: updated, succeeded: target === 'SUCCEEDED' || target === 'AUTHORIZED' };
  }

  /**
   * For the provider's event of a state: the payment as this process recorded that very state on
   * it, taken once. The provider announces every state it answers, so each confirmation's record
   * is followed by an event that finds it applied, and reading the payment again for it would cost
   * a command to learn nothing. Applied to the payment that state made, the state always finds
   * nothing to do (same status, amount captured, authorisation), so no write is decided on this
   * copy. Any transition of the payment in this process drops the entry (`transition`). If one in
   * another process moved it on, "nothing to do" still holds for a later status, which never goes
   * back to that state by a legal transition except after a newer claim: then the event is the
   * older attempt's (applied over the newer one's it would be wrong) or carries the newer
   * attempt's verdict, which that confirmation records itself from its claim, or, if it died, the
   * reconciler reads and records, as for any lost webhook. Another state, or no entry: it reads.
   */
  private recordedFor(intent: ProviderIntent): PaymentDoc | undefined {
    const entry = this.recorded.get(intent.id);
    if (!entry) return undefined;
    this.recorded.delete(intent.id);
    return entry.state === intentState(intent) ? entry.payment : undefined;
  }

  private remember(intent: ProviderIntent, payment: PaymentDoc): void {
    this.recorded.delete(intent.id);
    this.recorded.set(intent.id, { state: intentState(intent), payment });
    // Oldest first: a state whose event went to another process (or never came) ages out.
    if (this.recorded.size > REMEMBERED_RECORDS) this.recorded.delete(this.recorded.keys().next().value!);
  }

  /**
   * The saga's cancellation of an unpaid order: the intent is cancelled so it can never be charged.
   * An authorisation is voided (what a partial capture took stays CAPTURED, for the refund).
   */
  async cancelForOrder(
    orderId: string,
    reason: string,
    actor: AuditActor = systemActor(),
  ): Promise<PaymentDoc | null> {
    const payment = await this.deps.payments.findOne({ orderId }).lean();
    if (!payment || !CANCELLABLE.has(payment.status)) return payment;
    const intent = await this.deps.provider.cancelIntent(
      payment.providerPaymentId!,
      `novamart-cancel-${payment._id}`,
    );
    // If the charge won the race the intent is succeeded; applyIntent then refunds it (afterSuccess).
    return (await this.applyIntent(intent, reason, actor)) ?? payment;
  }

  async findPayment(paymentId: string): Promise<PaymentDoc | null> {
    if (!/^[0-9a-f]{24}$/i.test(paymentId)) return null;
    return this.deps.payments.findById(paymentId).lean().exec();
  }

  /** The payment's owner may see it (FINANCE and admins anyone's); a guest payment is reachable by its id. */
  assertCanView(viewer: Viewer | null, payment: Pick<PaymentDoc, 'userId'>): void {
    if (viewer?.role === 'FINANCE') return;
    if (payment.userId !== null) assertOwnerOrAdmin({ viewer }, payment.userId);
  }

  /**
   * Who may follow an order's payment status (`paymentStatusChanged`): whoever may pay for the
   * order, the same rule as the orders subgraph's for the order. NOT_FOUND when payments has not
   * heard of the order within ORDER_SYNC_WAIT_MS.
   */
  async assertCanWatchOrder(viewer: Viewer | null, orderId: string): Promise<void> {
    const order = await this.waitForOrder(orderId, () => true);
    if (!order) throw notFound('Order', { orderId });
    this.assertCanPay(viewer, order);
  }

  private assertCanPay(viewer: Viewer | null, order: OrderViewDoc): void {
    if (order.userId !== null) assertOwnerOrAdmin({ viewer }, order.userId);
  }

  private async afterSuccess(payment: PaymentDoc): Promise<void> {
    const order = await this.deps.orders.findById(payment.orderId).lean();
    if (order?.status === 'CANCELLED' && payment.status === 'AUTHORIZED') {
      await this.cancelForOrder(payment.orderId, 'order was cancelled before the payment was authorised');
      return;
    }
    if (order?.status === 'CANCELLED' && this.deps.onSucceededForCancelledOrder) {
      this.deps.logger.warn(
        { orderId: payment.orderId },
        'payment succeeded for a cancelled order: refunding',
      );
      await this.deps.onSucceededForCancelledOrder(payment);
    }
  }

  /**
   * Orders reach payments through events, a moment after the orders subgraph answered the client.
   * Mutations wait that moment out instead of failing a customer who was simply quick.
   */
  private async waitForOrder(
    orderId: string,
    ready: (order: OrderViewDoc) => boolean,
  ): Promise<OrderViewDoc | null> {
    const deadline = Date.now() + this.deps.orderSyncWaitMs;
    for (;;) {
      const order = await this.deps.orders.findById(orderId).lean();
      if ((order && ready(order)) || Date.now() >= deadline) return order;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /**
   * Moves a payment from one of `from` to `to`, with its history entry and events, in one write.
   * Returns null when the payment was no longer in `from` (someone else moved it).
   */
  async transition(
    payment: PaymentDoc,
    to: PaymentStatus,
    reason: string,
    options: TransitionOptions,
  ): Promise<PaymentDoc | null> {
    const at = new Date();
    const audit = auditEntry({
      action: 'payment.status_changed',
      fromStatus: payment.status,
      toStatus: to,
      actor: options.actor ?? systemActor(),
      reason,
      at,
    });
    // Fault injection (PAYMENT_CRASH_POINT=after-record): die once SUCCEEDED is committed and
    // before the relay publishes it, so the restarted process must find the entry unsent.
    const afterCommit = () => {
      if (to === 'SUCCEEDED') this.crashPoint('after-record');
    };
    // The payment moves on: a state recorded on it before is no longer what it holds (`recordedFor`).
    if (payment.providerPaymentId) this.recorded.delete(payment.providerPaymentId);
    // One transition of a payment at a time in this process: the confirmation and the provider's
    // webhook for it arrive together on every order and would otherwise end in a WriteConflict.
    return this.transitions.run([String(payment._id)], () =>
      this.transitionOnDocument(payment, to, reason, options, at, audit, afterCommit),
    );
  }

  /**
   * One write: a compare-and-set of the status it moves from, carrying the transition's events
   * (`DocumentEvents`, no transaction). The events are those of the payment as this write leaves
   * it, known before the write because the payment's other fields they name (amounts, currency,
   * approval) do not change while its status holds. When the payment moved meanwhile, or `where`
   * no longer holds, it is read again and the transition decided on what it holds now.
   */
  private async transitionOnDocument(
    payment: PaymentDoc,
    to: PaymentStatus,
    reason: string,
    options: TransitionOptions,
    at: Date,
    audit: AuditEntry,
    afterCommit: () => void,
  ): Promise<PaymentDoc | null> {
    const eligible = { _id: payment._id as Types.ObjectId, status: { $in: options.from }, ...options.where };
    let current: PaymentDoc | null = options.from.includes(payment.status)
      ? payment
      : await this.deps.payments.findOne(eligible).lean<PaymentDoc>();
    for (let attempt = 1; current && attempt <= MAX_TRANSITION_ATTEMPTS; attempt++) {
      const events = new DocumentEvents(
        transitionEvents({ ...current, ...options.set, status: to }, to, current.status, at),
      );
      const updated = await this.deps.payments
        .findOneAndUpdate(
          { ...eligible, status: current.status },
          events.update({
            $set: { ...options.set, status: to },
            $push: {
              history: { status: to, reason, at },
              auditTrail: { ...audit, fromStatus: current.status },
              ...options.push,
            },
            ...(options.inc && { $inc: options.inc }),
          }),
          { returnDocument: 'after' },
        )
        .lean<PaymentDoc>();
      if (updated) {
        afterCommit();
        events.written(this.deps.conn, PAYMENTS_COLLECTION, updated._id);
        return updated;
      }
      current = await this.deps.payments.findOne(eligible).lean<PaymentDoc>();
    }
    return null;
  }
}
