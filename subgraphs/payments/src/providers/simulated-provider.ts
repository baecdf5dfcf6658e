import { randomBytes } from 'node:crypto';
import { type Connection, type Model, Schema } from 'mongoose';
import {
  InvalidPaymentMethodError,
  type IntentStatus,
  type PaymentProvider,
  type ProviderEvent,
  type ProviderIntent,
  type ProviderRefund,
} from './provider';
import { testCardOutcome } from './test-cards';

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
  /** Every confirmation that reached the intent, as a card statement would list its attempts. */
  attempts?: Array<{ paymentMethodId: string; outcome: IntentStatus; idempotencyKey: string; at: Date }>;
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
    attempts: { type: Schema.Types.Mixed, default: () => [] },
    refunds: { type: Schema.Types.Mixed, default: () => [] },
  },
  { collection: 'simulated_intents', minimize: false, versionKey: false },
);

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

export class SimulatedProvider implements PaymentProvider {
  readonly name = 'simulated' as const;
  private readonly Intent: Model<SimulatedIntentDoc>;
  private readonly Idempotency: Model<IdempotencyDoc>;
  private listener: ProviderEventListener | null = null;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(conn: Connection) {
    this.Intent =
      (conn.models.SimulatedIntent as Model<SimulatedIntentDoc>) ??
      conn.model<SimulatedIntentDoc>('SimulatedIntent', intentSchema);
    this.Idempotency =
      (conn.models.SimulatedIdempotency as Model<IdempotencyDoc>) ??
      conn.model<IdempotencyDoc>('SimulatedIdempotency', idempotencySchema);
  }

  /** Where the simulated "webhooks" go: the payments subgraph's provider-event handler. */
  onEvent(listener: ProviderEventListener): void {
    this.listener = listener;
  }

  /** Waits for announced events to be handled (tests and graceful shutdown). */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  createIntent(input: {
    amount: number;
    currency: string;
    metadata: Record<string, string>;
    idempotencyKey: string;
  }) {
    return this.idempotent(`create:${input.idempotencyKey}`, async () => {
      const id = newId('pi');
      const doc = await this.Intent.create({
        _id: id,
        status: 'requires_payment_method',
        amount: input.amount,
        currency: input.currency.toUpperCase(),
        clientSecret: `${id}_secret_${randomBytes(12).toString('hex')}`,
        lastError: null,
        metadata: input.metadata,
        amountRefunded: 0,
        refunds: [],
      });
      return toIntent(doc.toObject() as SimulatedIntentDoc);
    });
  }

  confirmIntent(intentId: string, paymentMethodId: string, idempotencyKey: string) {
    return this.idempotent(`confirm:${idempotencyKey}`, async () => {
      const outcome = testCardOutcome(paymentMethodId);
      if (!outcome) throw new InvalidPaymentMethodError(paymentMethodId);
      const next =
        outcome.kind === 'succeeds'
          ? { status: 'succeeded' as const, lastError: null }
          : outcome.kind === 'requires_action'
            ? { status: 'requires_action' as const, lastError: null }
            : { status: 'requires_payment_method' as const, lastError: outcome.error };
      // Only an intent still waiting for a payment method can be confirmed, as on Stripe.
      const updated = await this.Intent.findOneAndUpdate(
        {
          _id: intentId,
          status: { $in: ['requires_payment_method', 'requires_confirmation', 'requires_action'] },
        },
        {
          $set: next,
          $push: { attempts: { paymentMethodId, outcome: next.status, idempotencyKey, at: new Date() } },
        },
        { returnDocument: 'after' },
      ).lean<SimulatedIntentDoc>();
      if (!updated) return toIntent(await this.mustFind(intentId));
      const intent = toIntent(updated);
      const type =
        outcome.kind === 'succeeds'
          ? 'payment_intent.succeeded'
          : outcome.kind === 'requires_action'
            ? 'payment_intent.requires_action'
            : 'payment_intent.payment_failed';
      this.announce(type, intentObject(updated));
      return intent;
    });
  }

  cancelIntent(intentId: string, idempotencyKey: string) {
    return this.idempotent(`cancel:${idempotencyKey}`, async () => {
      const updated = await this.Intent.findOneAndUpdate(
        { _id: intentId, status: { $nin: ['succeeded', 'canceled'] } },
        { $set: { status: 'canceled' } },
        { returnDocument: 'after' },
      ).lean<SimulatedIntentDoc>();
      if (!updated) return toIntent(await this.mustFind(intentId));
      this.announce('payment_intent.canceled', intentObject(updated));
      return toIntent(updated);
    });
  }

  async retrieveIntent(intentId: string): Promise<ProviderIntent> {
    return toIntent(await this.mustFind(intentId));
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
          $expr: { $lte: [{ $add: ['$amountRefunded', input.amount] }, '$amount'] },
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

  /** Same key, same answer: the first response is stored and replayed. */
  private async idempotent<T>(key: string, operation: () => Promise<T>): Promise<T> {
    const seen = await this.Idempotency.findById(key).lean();
    if (seen) return seen.response as T;
    const response = await operation();
    await this.Idempotency.updateOne(
      { _id: key },
      { $setOnInsert: { response, createdAt: new Date() } },
      { upsert: true },
    );
    const stored = await this.Idempotency.findById(key).lean();
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

function toIntent(doc: SimulatedIntentDoc): ProviderIntent {
  return {
    id: doc._id,
    status: doc.status,
    amount: doc.amount,
    currency: doc.currency,
    clientSecret: doc.clientSecret,
    lastError: doc.lastError ?? null,
    metadata: { ...(doc.metadata ?? {}) },
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
    refunded: doc.amountRefunded >= doc.amount,
    metadata: doc.metadata,
    refunds: {
      object: 'list',
      data: doc.refunds.map((r) => ({ object: 'refund', ...r, payment_intent: doc._id })),
    },
  };
}
