import { isDuplicateKeyError, modelOn, upsertRacing } from '@novamart/kit';
import { randomBytes } from 'node:crypto';
import { type Connection, type Model, Schema } from 'mongoose';
import {
  CaptureRefusedError,
  InvalidPaymentMethodError,
  type CreateIntentInput,
  type IntentStatus,
  type PaymentProvider,
  type ProviderEvent,
  type ProviderIntent,
  type ProviderLineItem,
  type ProviderRefund,
} from './provider';
import { type TestCardOutcome, testCardOutcome } from './test-cards';

/**
 * A payment provider with Stripe's test-mode semantics, for machines without a Stripe key. Its
 * intents live in the payments database (so they survive a restart), idempotency keys replay the
 * first answer, and every state change is announced as a Stripe-shaped event through the same
 * path Stripe's webhooks take.
 */

interface SimulatedIntentDoc {
  _id: string;
  status: IntentStatus;
  amount: number;
  currency: string;
  clientSecret: string;
  lastError: ProviderIntent['lastError'];
  metadata: Record<string, string>;
  amountRefunded: number;
  captureMethod?: 'automatic' | 'manual';
  /** Captured so far (Stripe's amount_received). */
  amountReceived?: number;
  /** When a manual intent was authorised; it lapses (canceled) authorizationTtlMs later, as Stripe's do after 7 days. */
  authorizedAt?: Date | null;
  /** The order's lines as the shop sent them (what Stripe keeps as metadata). */
  lineItems?: ProviderLineItem[];
  captures?: Array<{ amount: number; final: boolean; idempotencyKey: string; at: Date }>;
  /**
   * Every confirmation that reached the intent, as a card statement would list its attempts, with
   * the answer its idempotency key replays (absent on attempts stored before it was kept here).
   */
  attempts?: Array<{
    paymentMethodId: string;
    outcome: IntentStatus;
    idempotencyKey: string;
    at: Date;
    answer?: ProviderIntent;
  }>;
  /** The idempotency key of the creation (`create:<key>`) and the answer it replays. */
  createKey?: string;
  createdAnswer?: ProviderIntent;
  refunds: Array<{
    id: string;
    amount: number;
    status: 'succeeded';
    metadata: Record<string, string>;
    created: number;
  }>;
}

interface IdempotencyDoc {
  _id: string;
  response: unknown;
  createdAt: Date;
}

const intentSchema = new Schema<SimulatedIntentDoc>(
  {
    _id: String,
    status: String,
    amount: Number,
    currency: String,
    clientSecret: String,
    lastError: { type: Schema.Types.Mixed, default: null },
    metadata: { type: Schema.Types.Mixed, default: {} },
    amountRefunded: { type: Number, default: 0 },
    captureMethod: { type: String, default: 'automatic' },
    amountReceived: { type: Number, default: 0 },
    authorizedAt: { type: Date, default: null },
    lineItems: { type: Schema.Types.Mixed, default: () => [] },
    captures: { type: Schema.Types.Mixed, default: () => [] },
    attempts: { type: Schema.Types.Mixed, default: () => [] },
    refunds: { type: Schema.Types.Mixed, default: () => [] },
    createKey: String,
    createdAnswer: Schema.Types.Mixed,
  },
  { collection: 'simulated_intents', minimize: false, versionKey: false },
);
// One intent per creation key, however many creations race (intents stored before it have none).
intentSchema.index(
  { createKey: 1 },
  { unique: true, partialFilterExpression: { createKey: { $type: 'string' } } },
);

/** Statuses a confirmation applies to, as on Stripe. */
const CONFIRMABLE_INTENT: IntentStatus[] = [
  'requires_payment_method',
  'requires_confirmation',
  'requires_action',
];

const idempotencySchema = new Schema<IdempotencyDoc>(
  {
    _id: String,
    response: Schema.Types.Mixed,
    // Stripe keeps idempotency keys for 24 hours.
    createdAt: { type: Date, default: () => new Date(), expires: 24 * 3600 },
  },
  { collection: 'simulated_idempotency', versionKey: false },
);

const newId = (prefix: string) => `${prefix}_sim_${randomBytes(12).toString('hex')}`;

export type ProviderEventListener = (event: ProviderEvent) => Promise<void>;

/** Stripe keeps an uncaptured card authorisation 7 days. */
export const STRIPE_AUTHORIZATION_TTL_MS = 7 * 24 * 3600 * 1000;

export class SimulatedProvider implements PaymentProvider {
  readonly name = 'simulated' as const;
  private readonly Intent: Model<SimulatedIntentDoc>;
  private readonly Idempotency: Model<IdempotencyDoc>;
  private listener: ProviderEventListener | null = null;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly authorizationTtlMs: number;

  constructor(conn: Connection, options: { authorizationTtlMs?: number } = {}) {
    this.authorizationTtlMs = options.authorizationTtlMs ?? STRIPE_AUTHORIZATION_TTL_MS;
    this.Intent = modelOn<SimulatedIntentDoc>(conn, 'SimulatedIntent', intentSchema);
    this.Idempotency = modelOn<IdempotencyDoc>(conn, 'SimulatedIdempotency', idempotencySchema);
  }

  /** Where the simulated "webhooks" go: the payments subgraph's provider-event handler. */
  onEvent(listener: ProviderEventListener): void {
    this.listener = listener;
  }

  /** Announced events not handled yet (the subgraph's `pendingWork`, which tests wait out). */
  get pending(): number {
    return this.inFlight.size;
  }

  /** Waits for announced events to be handled (tests and graceful shutdown). */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /**
   * One command: the intent is stored under its creation key with the answer that key replays, so
   * a repeated creation (payments crashed before recording the first) finds it instead of making
   * another. The generic idempotency store (`idempotent`) would cost a read and a write around it.
   */
  async createIntent(input: CreateIntentInput): Promise<ProviderIntent> {
    const createKey = `create:${input.idempotencyKey}`;
    const id = newId('pi');
    const doc: SimulatedIntentDoc = {
      _id: id,
      status: 'requires_payment_method',
      amount: input.amount,
      currency: input.currency.toUpperCase(),
      clientSecret: `${id}_secret_${randomBytes(12).toString('hex')}`,
      lastError: null,
      metadata: input.metadata,
      amountRefunded: 0,
      captureMethod: input.captureMethod ?? 'automatic',
      amountReceived: 0,
      authorizedAt: null,
      lineItems: input.lineItems ?? [],
      captures: [],
      attempts: [],
      refunds: [],
    };
    const stored = await upsertRacing(() =>
      this.Intent.findOneAndUpdate(
        { createKey },
        { $setOnInsert: { ...doc, createdAnswer: toIntent(doc) } },
        { upsert: true, returnDocument: 'after' },
      )
        .lean<SimulatedIntentDoc>()
        .exec(),
    );
    return stored!.createdAnswer ?? toIntent(stored!);
  }

  /**
   * One conditional write: the attempt, pushed with the answer its idempotency key replays, is the
   * key's record (a key already among the attempts is answered from there), so confirmation needs
   * no idempotency store of its own. What the outcome sets depends on the intent's capture method
   * and amount, so the write decides it from the intent as it finds it (`confirmationStages`)
   * instead of reading the intent first: the decision and the attempt's record are one atomic
   * command, which a crash cannot split. Only a write that did not apply (an unknown intent, one
   * not confirmable any more, or a key already used) reads the intent, to answer from it.
   */
  async confirmIntent(intentId: string, paymentMethodId: string, idempotencyKey: string) {
    const outcome = testCardOutcome(paymentMethodId);
    if (!outcome) throw new InvalidPaymentMethodError(paymentMethodId);
    // Only an intent still waiting for a payment method can be confirmed, as on Stripe; and a key
    // is confirmed once, even by two calls racing.
    const updated = await this.Intent.findOneAndUpdate(
      {
        _id: intentId,
        status: { $in: CONFIRMABLE_INTENT },
        'attempts.idempotencyKey': { $ne: idempotencyKey },
      },
      confirmationStages(outcome, paymentMethodId, idempotencyKey, new Date()),
      { returnDocument: 'after', updatePipeline: true },
    ).lean<SimulatedIntentDoc>();
    if (!updated) {
      const now = await this.mustFind(intentId);
      return replayOf(now, idempotencyKey) ?? toIntent(now);
    }
    const manual = updated.captureMethod === 'manual';
    const type =
      outcome.kind === 'succeeds'
        ? manual
          ? 'payment_intent.amount_capturable_updated'
          : 'payment_intent.succeeded'
        : outcome.kind === 'requires_action'
          ? 'payment_intent.requires_action'
          : 'payment_intent.payment_failed';
    this.announce(type, intentObject(updated));
    return replayOf(updated, idempotencyKey)!;
  }

  /** A partly captured authorisation keeps what was captured (succeeded); the rest is released. */
  cancelIntent(intentId: string, idempotencyKey: string) {
    return this.idempotent(`cancel:${idempotencyKey}`, async () => {
      const current = await this.lapseIfExpired(await this.mustFind(intentId));
      const partlyCaptured = current.status === 'requires_capture' && (current.amountReceived ?? 0) > 0;
      const updated = await this.Intent.findOneAndUpdate(
        { _id: intentId, status: { $nin: ['succeeded', 'canceled'] } },
        { $set: { status: partlyCaptured ? 'succeeded' : 'canceled' } },
        { returnDocument: 'after' },
      ).lean<SimulatedIntentDoc>();
      if (!updated) return toIntent(await this.mustFind(intentId));
      this.announce(
        partlyCaptured ? 'payment_intent.succeeded' : 'payment_intent.canceled',
        intentObject(updated),
      );
      return toIntent(updated);
    });
  }

  /**
   * Captures part or all of an authorisation, as Stripe's multicapture does: several captures up
   * to the authorised amount; the final one (or reaching the amount) releases the rest.
   */
  captureIntent(input: { intentId: string; amount: number; final: boolean; idempotencyKey: string }) {
    return this.idempotent(`capture:${input.idempotencyKey}`, async () => {
      const current = await this.lapseIfExpired(await this.mustFind(input.intentId));
      if (current.status !== 'requires_capture') {
        throw new CaptureRefusedError(
          current.status === 'canceled' ? 'authorization_expired_or_canceled' : 'intent_not_capturable',
          `This PaymentIntent could not be captured because it has a status of ${current.status}.`,
        );
      }
      const received = (current.amountReceived ?? 0) + input.amount;
      if (input.amount < 1 || received > current.amount) {
        throw new CaptureRefusedError(
          'amount_too_large',
          `The amount to capture exceeds the amount capturable (${current.amount - (current.amountReceived ?? 0)}).`,
        );
      }
      const done = input.final || received === current.amount;
      const updated = await this.Intent.findOneAndUpdate(
        { _id: input.intentId, status: 'requires_capture', amountReceived: current.amountReceived ?? 0 },
        {
          $set: { amountReceived: received, ...(done && { status: 'succeeded' }) },
          $push: {
            captures: {
              amount: input.amount,
              final: done,
              idempotencyKey: input.idempotencyKey,
              at: new Date(),
            },
          },
        },
        { returnDocument: 'after' },
      ).lean<SimulatedIntentDoc>();
      if (!updated)
        throw new CaptureRefusedError('lock_timeout', 'Another capture of this intent is in progress.');
      this.announce(
        done ? 'payment_intent.succeeded' : 'payment_intent.amount_capturable_updated',
        intentObject(updated),
      );
      return toIntent(updated);
    });
  }

  async retrieveIntent(intentId: string): Promise<ProviderIntent> {
    return toIntent(await this.lapseIfExpired(await this.mustFind(intentId)));
  }

  /** What the simulation recorded for an intent (lines, captures): reconciliation reads it like Stripe's dashboard. */
  async intentRecord(intentId: string): Promise<SimulatedIntentDoc> {
    return this.mustFind(intentId);
  }

  /** An authorisation older than the provider keeps it is canceled, as Stripe does after 7 days. */
  private async lapseIfExpired(doc: SimulatedIntentDoc): Promise<SimulatedIntentDoc> {
    if (doc.status !== 'requires_capture' || !doc.authorizedAt) return doc;
    if (new Date(doc.authorizedAt).getTime() + this.authorizationTtlMs > Date.now()) return doc;
    const lapsed = await this.Intent.findOneAndUpdate(
      { _id: doc._id, status: 'requires_capture' },
      { $set: { status: (doc.amountReceived ?? 0) > 0 ? 'succeeded' : 'canceled' } },
      { returnDocument: 'after' },
    ).lean<SimulatedIntentDoc>();
    if (!lapsed) return this.mustFind(doc._id);
    this.announce(
      lapsed.status === 'canceled' ? 'payment_intent.canceled' : 'payment_intent.succeeded',
      intentObject(lapsed),
    );
    return lapsed;
  }

  createRefund(input: {
    intentId: string;
    amount: number;
    metadata: Record<string, string>;
    idempotencyKey: string;
  }) {
    return this.idempotent(`refund:${input.idempotencyKey}`, async (): Promise<ProviderRefund> => {
      const refund = {
        id: newId('re'),
        amount: input.amount,
        status: 'succeeded' as const,
        metadata: input.metadata,
        created: Math.floor(Date.now() / 1000),
      };
      // Never more than was captured, checked and applied in one atomic update as Stripe does.
      const updated = await this.Intent.findOneAndUpdate(
        {
          _id: input.intentId,
          status: 'succeeded',
          $expr: {
            $lte: [{ $add: ['$amountRefunded', input.amount] }, { $ifNull: ['$amountReceived', '$amount'] }],
          },
        },
        { $inc: { amountRefunded: input.amount }, $push: { refunds: refund } },
        { returnDocument: 'after' },
      ).lean<SimulatedIntentDoc>();
      if (!updated) {
        const intent = await this.mustFind(input.intentId);
        const reason = intent.status !== 'succeeded' ? 'charge_not_captured' : 'amount_exceeds_charge';
        return {
          id: newId('re'),
          status: 'failed',
          amount: input.amount,
          failureReason: reason,
          metadata: input.metadata,
        };
      }
      this.announce('charge.refunded', chargeObject(updated));
      return {
        id: refund.id,
        status: 'succeeded',
        amount: refund.amount,
        failureReason: null,
        metadata: refund.metadata,
      };
    });
  }

  private async mustFind(intentId: string): Promise<SimulatedIntentDoc> {
    const doc = await this.Intent.findById(intentId).lean<SimulatedIntentDoc>();
    if (!doc) throw new Error(`No such payment_intent: ${intentId}`);
    return doc as SimulatedIntentDoc;
  }

  /**
   * Same key, same answer: the first response is stored and replayed. Storing returns what is
   * stored in the same command: of two concurrent first calls, both answer the one stored first.
   */
  private async idempotent<T>(key: string, operation: () => Promise<T>): Promise<T> {
    const seen = await this.Idempotency.findById(key).lean();
    if (seen) return seen.response as T;
    const response = await operation();
    const stored = await this.Idempotency.findOneAndUpdate(
      { _id: key },
      { $setOnInsert: { response, createdAt: new Date() } },
      { upsert: true, returnDocument: 'after' },
    )
      .lean()
      .catch((error: unknown) => {
        // Two first upserts at once: one collides on _id; the stored answer is there to read.
        if (!isDuplicateKeyError(error)) throw error;
        return this.Idempotency.findById(key).lean();
      });
    return (stored?.response as T) ?? response;
  }

  // Delivered after the call returns, like a webhook, so callers see the same ordering as with Stripe.
  private announce(type: string, object: Record<string, unknown>): void {
    const listener = this.listener;
    if (!listener) return;
    const event: ProviderEvent = { id: newId('evt'), type, data: { object } };
    const delivery = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => listener(event))
      .catch(() => undefined) // the handler logs its own failures; the synchronous result already applied
      .finally(() => this.inFlight.delete(delivery));
    this.inFlight.add(delivery);
  }
}

/**
 * The update pipeline of a confirmation with `outcome`: first the intent's new state (a success
 * authorises a manual intent, requires_capture, and charges an automatic one in full, succeeded),
 * then the attempt with its answer, which is `toIntent` of that state written as expressions over
 * the intent as the first stage left it.
 */
function confirmationStages(
  outcome: TestCardOutcome,
  paymentMethodId: string,
  idempotencyKey: string,
  at: Date,
): Record<string, unknown>[] {
  const manual = { $eq: ['$captureMethod', 'manual'] };
  const next =
    outcome.kind === 'succeeds'
      ? {
          status: { $cond: [manual, 'requires_capture', 'succeeded'] },
          lastError: { $literal: null },
          authorizedAt: { $cond: [manual, { $literal: at }, '$authorizedAt'] },
          amountReceived: { $cond: [manual, '$amountReceived', '$amount'] },
        }
      : outcome.kind === 'requires_action'
        ? { status: 'requires_action', lastError: { $literal: null } }
        : { status: 'requires_payment_method', lastError: { $literal: outcome.error } };
  const answer = {
    id: '$_id',
    status: '$status',
    amount: '$amount',
    currency: '$currency',
    clientSecret: '$clientSecret',
    lastError: { $ifNull: ['$lastError', null] },
    metadata: { $ifNull: ['$metadata', { $literal: {} }] },
    captureMethod: { $ifNull: ['$captureMethod', 'automatic'] },
    amountReceived: {
      $ifNull: ['$amountReceived', { $cond: [{ $eq: ['$status', 'succeeded'] }, '$amount', 0] }],
    },
  };
  const attempt = {
    paymentMethodId: { $literal: paymentMethodId },
    outcome: '$status',
    idempotencyKey: { $literal: idempotencyKey },
    at: { $literal: at },
    answer,
  };
  return [
    { $set: next },
    { $set: { attempts: { $concatArrays: [{ $ifNull: ['$attempts', []] }, [attempt]] } } },
  ];
}

/** What a confirmation under `idempotencyKey` answered, if one reached the intent (and kept it). */
function replayOf(doc: SimulatedIntentDoc, idempotencyKey: string): ProviderIntent | undefined {
  const attempt = doc.attempts?.find((a) => a.idempotencyKey === idempotencyKey);
  return attempt && (attempt.answer ?? toIntent(doc));
}

function toIntent(doc: SimulatedIntentDoc): ProviderIntent {
  return {
    id: doc._id,
    status: doc.status,
    amount: doc.amount,
    currency: doc.currency,
    clientSecret: doc.clientSecret,
    lastError: doc.lastError ?? null,
    metadata: { ...(doc.metadata ?? {}) },
    captureMethod: doc.captureMethod ?? 'automatic',
    // Intents made before captures were modelled record no amountReceived: succeeded took it all.
    amountReceived: doc.amountReceived ?? (doc.status === 'succeeded' ? doc.amount : 0),
  };
}

/** The intent as Stripe's webhook `data.object` carries it. */
function intentObject(doc: SimulatedIntentDoc): Record<string, unknown> {
  return {
    id: doc._id,
    object: 'payment_intent',
    amount: doc.amount,
    currency: doc.currency.toLowerCase(),
    status: doc.status,
    capture_method: doc.captureMethod ?? 'automatic',
    amount_received: doc.amountReceived ?? (doc.status === 'succeeded' ? doc.amount : 0),
    client_secret: doc.clientSecret,
    metadata: doc.metadata,
    last_payment_error: doc.lastError
      ? {
          code: doc.lastError.code,
          decline_code: doc.lastError.declineCode,
          message: doc.lastError.message,
          type: 'card_error',
        }
      : null,
  };
}

function chargeObject(doc: SimulatedIntentDoc): Record<string, unknown> {
  return {
    id: `ch_${doc._id.slice(3)}`,
    object: 'charge',
    amount: doc.amount,
    amount_refunded: doc.amountRefunded,
    currency: doc.currency.toLowerCase(),
    payment_intent: doc._id,
    refunded: doc.amountRefunded >= (doc.amountReceived ?? doc.amount),
    metadata: doc.metadata,
    refunds: {
      object: 'list',
      data: doc.refunds.map((r) => ({ object: 'refund', ...r, payment_intent: doc._id })),
    },
  };
}
