import {
  auditEntry,
  type AuditActor,
  systemActor,
  userActor,
  badUserInput,
  conflict,
  forbidden,
  type Logger,
  notFound,
  type Viewer,
  isDuplicateKeyError,
} from '@novamart/kit';
import { createEvent, inTransaction, type Outbox } from '@novamart/events';
import { type ClientSession, type Connection, Types } from 'mongoose';
import { type AdminRoleModel } from '../models/admin-role';
import { type PaymentDoc, type PaymentModel } from '../models/payment';
import { type RefundDoc, type RefundModel, type RefundStatus } from '../models/refund';
import { type PaymentProvider, type ProviderRefund } from '../providers/provider';
import { REFUNDABLE } from './payment-status';

export interface RefundServiceDeps {
  conn: Connection;
  payments: PaymentModel;
  refunds: RefundModel;
  provider: PaymentProvider;
  logger: Logger;
  /** Refunds above this many minor units wait for a second admin. */
  approvalThreshold: number;
  /** Who has been an admin since when, and promoted by whom (from the users subgraph's events). */
  admins: AdminRoleModel;
}

/**
 * Refunds, partial and full, never more than was captured: the refundable remainder is a field of
 * the payment that a refund claims with one conditional update when it is requested, so concurrent
 * requests cannot together exceed the charge. A refund is settled (SUCCEEDED or FAILED) exactly
 * once, whether the provider answers synchronously, by webhook, or both.
 */
/** Who may approve a refund above the threshold (besides its requester): the two-person rule. */
const REFUND_APPROVER_ROLES: readonly string[] = ['FINANCE', 'ADMIN'];

export class RefundService {
  constructor(private readonly deps: RefundServiceDeps) {}

  async requestRefund(
    admin: Viewer,
    paymentId: string,
    amount: number | null | undefined,
    reason: string | null | undefined,
  ) {
    const payment = await this.findPayment(paymentId);
    if (!payment) throw notFound('Payment', { paymentId });
    if (!(REFUNDABLE as readonly string[]).includes(payment.status)) {
      throw conflict(
        `A ${payment.status} payment cannot be refunded: refunds apply to captured amounts only`,
        { status: payment.status },
      );
    }
    const wanted = amount ?? payment.refundableRemaining;
    if (!Number.isSafeInteger(wanted) || wanted < 1) {
      throw badUserInput('Refund amount must be a positive integer of minor units', 'amount');
    }
    if (wanted > payment.refundableRemaining) {
      throw badUserInput(
        `Refund amount exceeds what can still be refunded (${payment.refundableRemaining})`,
        'amount',
        {
          refundable: payment.refundableRemaining,
        },
      );
    }
    const needsApproval = wanted > this.deps.approvalThreshold;
    const refund = await this.claimAndCreate(payment, {
      amount: wanted,
      reason: reason ?? null,
      kind: 'manual',
      requestedBy: admin.id,
      status: needsApproval ? 'PENDING_APPROVAL' : 'PENDING',
      actor: userActor(admin),
    });
    if (!refund) {
      throw badUserInput('Refund amount exceeds what can still be refunded', 'amount');
    }
    return needsApproval ? refund : this.execute(refund);
  }

  /** Cancelling a paid order gives back whatever is still refundable, once, without approval. */
  async refundForCancellation(
    payment: PaymentDoc,
    reason: string,
    actor: AuditActor = systemActor(),
  ): Promise<RefundDoc | null> {
    const existing = await this.deps.refunds.findOne({ paymentId: payment._id, kind: 'cancellation' }).lean();
    if (existing) return existing.status === 'PENDING' ? this.execute(existing) : existing;
    const fresh = await this.findPayment(String(payment._id));
    if (!fresh || fresh.refundableRemaining < 1) return null;
    try {
      const refund = await this.claimAndCreate(fresh, {
        amount: fresh.refundableRemaining,
        reason,
        kind: 'cancellation',
        requestedBy: null,
        status: 'PENDING',
        actor,
      });
      return refund ? this.execute(refund) : null;
    } catch (error) {
      // A concurrent delivery of the same cancellation created it first.
      if (isDuplicateKeyError(error)) {
        const winner = await this.deps.refunds
          .findOne({ paymentId: payment._id, kind: 'cancellation' })
          .lean();
        return winner;
      }
      throw error;
    }
  }

  /**
   * `return.received`: refunds exactly the returned lines' amount, once per return. The return was
   * approved by SUPPORT in the orders subgraph (`approvedBy`) before its parcel was received: that
   * approval is the refund's approval, so it runs at once whatever its amount (no
   * REFUND_APPROVAL_THRESHOLD wait); `requestedBy` and `approvedBy` name the SUPPORT approver.
   */
  async refundForReturn(
    received: {
      returnId: string;
      orderId: string;
      amount: number;
      currency: string;
      approvedBy: string;
    },
    eventId: string | null = null,
    actor: AuditActor = systemActor(eventId),
  ): Promise<RefundDoc | null> {
    const existing = await this.deps.refunds.findOne({ returnId: received.returnId }).lean();
    if (existing) return this.carryOn(existing);
    const payment = await this.deps.payments.findOne({ orderId: received.orderId }).lean();
    if (!payment || payment.currency !== received.currency) {
      this.deps.logger.error({ ...received }, 'return received for an order without a matching payment');
      return null;
    }
    try {
      const refund = await this.claimAndCreate(payment, {
        amount: received.amount,
        reason: `return ${received.returnId} received`,
        kind: 'return',
        requestedBy: received.approvedBy,
        status: 'PENDING',
        returnId: received.returnId,
        approvedBy: received.approvedBy,
        // The system's reaction to return.received, or the receiver whose receiveReturn asked for
        // it (refundReturn); SUPPORT's approval is approvedBy either way.
        actor,
      });
      if (!refund) {
        // The claim found too little left: most often because a concurrent delivery of this very
        // return (the event, or orders' call) claimed it first, and its refund is the answer.
        const winner = await this.refundOfReturn(received.returnId);
        // Orders' call answers its caller BAD_USER_INPUT instead; the event has no one to tell.
        if (!winner && eventId !== null)
          this.deps.logger.error({ ...received }, 'return refund exceeds what can still be refunded');
        return winner;
      }
      return this.execute(refund);
    } catch (error) {
      // A concurrent delivery of the same return (or orders' call) created it first.
      if (isDuplicateKeyError(error)) return this.refundOfReturn(received.returnId);
      throw error;
    }
  }

  /** The refund another delivery of the return made, carried on to the provider's verdict; null: none. */
  private async refundOfReturn(returnId: string): Promise<RefundDoc | null> {
    const winner = await this.deps.refunds.findOne({ returnId }).lean();
    return winner && this.carryOn(winner);
  }

  /**
   * A return's refund that another delivery created: one still PENDING is taken on to the
   * provider's verdict here too (the refund's own idempotency key, and settling once), so that
   * orders' call answers it settled and the client's next read shows it, whichever came first.
   */
  private carryOn(refund: RefundDoc): Promise<RefundDoc> | RefundDoc {
    return refund.status === 'PENDING' ? this.execute(refund) : refund;
  }

  /**
   * SUPPORT, DISPATCHER or ADMIN (orders asks while receiving a return, so the client's next read
   * sees the refund): the return's refund as `return.received` makes it, once per return whichever
   * comes first, audited as the caller's. Checked against what payments knows: the refund is of
   * that order's payment, in its currency, for no more than is still refundable; a refund already
   * made for the return answers as it is, unless the call names another order or amount (CONFLICT).
   */
  async refundReturn(viewer: Viewer, input: ReturnRefundInput): Promise<RefundDoc> {
    const received = returnRefundArg(input);
    const existing = await this.deps.refunds.findOne({ returnId: received.returnId }).lean();
    if (existing) assertSameReturnRefund(existing, received);
    let payment: PaymentDoc | null = null;
    if (!existing) {
      payment = await this.deps.payments.findOne({ orderId: received.orderId }).lean();
      if (!payment) throw notFound('Payment', { orderId: received.orderId });
      if (payment.currency !== received.currency)
        throw badUserInput(`The order was paid in ${payment.currency}`, 'input.currency');
    }
    // The amount is not checked against the payment read above: `return.received` may be
    // refunding this very return meanwhile, and its claim would make the amount look too large.
    // The claim decides, and a refund made for the return by that delivery is the answer.
    const refund = await this.refundForReturn(received, null, userActor(viewer));
    if (!refund) {
      const refundable = payment?.refundableRemaining ?? 0;
      throw badUserInput(`Refund amount exceeds what can still be refunded (${refundable})`, 'input.amount', {
        refundable,
      });
    }
    assertSameReturnRefund(refund, received);
    return refund;
  }

  async approveRefund(admin: Viewer, refundId: string): Promise<RefundDoc> {
    const refund = await this.findRefund(refundId);
    if (!refund) throw notFound('Refund', { refundId });
    if (refund.requestedBy === admin.id)
      throw forbidden('A refund must be approved by an admin other than its requester');
    await this.assertIndependentApprover(admin, refund);
    if (refund.status !== 'PENDING_APPROVAL')
      throw conflict(`A ${refund.status} refund cannot be approved`, { status: refund.status });
    const approved = await inTransaction(this.deps.conn, async (session) => {
      const moved = await this.move(
        refund,
        'PENDING',
        { from: 'PENDING_APPROVAL', by: admin.id, reason: 'approved', set: { approvedBy: admin.id } },
        session,
      );
      if (moved) await this.audit(moved, 'refund.approved', userActor(admin), null, session);
      return moved;
    });
    if (!approved) throw conflict('The refund was decided by someone else meanwhile');
    return this.execute(approved);
  }

  /**
   * A second pair of eyes only if they are independent: the approver was an admin before the refund
   * was requested (an admin cannot promote an accomplice for the occasion) and was not promoted by
   * the requester. Unknown to the projection (its events not arrived yet) counts as not independent.
   */
  private async assertIndependentApprover(admin: Viewer, refund: RefundDoc): Promise<void> {
    const record = await this.deps.admins.findById(admin.id).lean();
    if (
      !record ||
      !REFUND_APPROVER_ROLES.includes(record.role) ||
      !record.since ||
      record.since >= refund.createdAt
    ) {
      throw forbidden(
        'The approver must have been FINANCE or an administrator before the refund was requested',
      );
    }
    if (record.promotedBy && record.promotedBy === refund.requestedBy) {
      throw forbidden(
        'The approver must not have been promoted by the refund’s requester (to ADMIN or FINANCE)',
      );
    }
  }

  async rejectRefund(admin: Viewer, refundId: string, reason: string | null | undefined): Promise<RefundDoc> {
    const refund = await this.findRefund(refundId);
    if (!refund) throw notFound('Refund', { refundId });
    if (refund.status !== 'PENDING_APPROVAL')
      throw conflict(`A ${refund.status} refund cannot be rejected`, { status: refund.status });
    const rejected = await inTransaction(this.deps.conn, async (session) => {
      const moved = await this.move(
        refund,
        'REJECTED',
        {
          from: 'PENDING_APPROVAL',
          by: admin.id,
          reason: reason ?? 'rejected',
          set: { rejectedBy: admin.id, rejectionReason: reason ?? null },
        },
        session,
      );
      if (moved) {
        await this.release(moved, session);
        await this.audit(moved, 'refund.rejected', userActor(admin), reason ?? null, session);
      }
      return moved;
    });
    if (!rejected) throw conflict('The refund was decided by someone else meanwhile');
    return rejected;
  }

  /** Refunds waiting for a second admin, oldest first. */
  pendingApprovals(): Promise<RefundDoc[]> {
    return this.deps.refunds
      .find({ status: 'PENDING_APPROVAL' })
      .sort({ createdAt: 1, _id: 1 })
      .lean()
      .exec();
  }

  /**
   * Asks the provider to refund. The idempotency key is the refund's own id, so re-running this
   * for a refund left PENDING by a crash or a network failure cannot refund twice.
   */
  async execute(refund: RefundDoc): Promise<RefundDoc> {
    const payment = await this.deps.payments.findById(refund.paymentId).lean();
    if (!payment) throw new Error(`refund ${refund._id} has no payment`);
    let result: ProviderRefund;
    try {
      result = await this.deps.provider.createRefund({
        intentId: payment.providerPaymentId!,
        amount: refund.amount,
        metadata: { refundId: String(refund._id), orderId: refund.orderId },
        idempotencyKey: `novamart-refund-${refund._id}`,
      });
    } catch (error) {
      this.deps.logger.error(
        { err: error, refundId: String(refund._id) },
        'refund request to the provider failed; will retry',
      );
      return refund;
    }
    return this.settle(refund, result);
  }

  /** Applies the provider's verdict on a refund; settling twice changes nothing. */
  async settle(refund: RefundDoc, result: ProviderRefund): Promise<RefundDoc> {
    if (result.status === 'pending' || result.status === 'requires_action') {
      const updated = await this.deps.refunds
        .findOneAndUpdate(
          { _id: refund._id, providerRefundId: null },
          { $set: { providerRefundId: result.id } },
          { returnDocument: 'after' },
        )
        .lean<RefundDoc>();
      return updated ?? refund;
    }
    const succeeded = result.status === 'succeeded';
    const settled = await inTransaction(this.deps.conn, async (session, outbox) => {
      const moved = await this.move(
        refund,
        succeeded ? 'SUCCEEDED' : 'FAILED',
        {
          from: 'PENDING',
          by: null,
          reason: succeeded
            ? 'refunded by the provider'
            : (result.failureReason ?? 'the provider refused the refund'),
          set: {
            providerRefundId: result.id,
            failureReason: succeeded ? null : (result.failureReason ?? 'refund failed'),
          },
        },
        session,
      );
      if (!moved) return null;
      const payload = {
        refundId: String(moved._id),
        paymentId: String(moved.paymentId),
        orderId: moved.orderId,
        userId: moved.userId,
        amount: moved.amount,
        currency: moved.currency,
      };
      await this.audit(
        moved,
        succeeded ? 'refund.succeeded' : 'refund.failed',
        systemActor(),
        moved.failureReason,
        session,
      );
      if (!succeeded) {
        await this.release(moved, session);
        outbox.add(createEvent('refund.failed', moved.orderId, { ...payload, reason: moved.failureReason }));
        return moved;
      }
      await this.recordRefunded(moved, session, outbox);
      outbox.add(createEvent('refund.succeeded', moved.orderId, payload));
      return moved;
    });
    return settled ?? (await this.deps.refunds.findById(refund._id).lean()) ?? refund;
  }

  /** A refund that succeeded: the payment's refunded total and status (REFUNDED once it covers the capture). */
  private async recordRefunded(moved: RefundDoc, session: ClientSession, outbox: Outbox): Promise<void> {
    const payment = await this.deps.payments
      .findOneAndUpdate(
        { _id: moved.paymentId },
        { $inc: { amountRefunded: moved.amount, amountRefundPending: -moved.amount } },
        { returnDocument: 'after', session },
      )
      .lean<PaymentDoc>();
    if (payment) {
      // Refunds apply to what was captured (all of an automatic payment).
      const captured = payment.amountCaptured || payment.amount;
      const to = payment.amountRefunded >= captured ? 'REFUNDED' : 'PARTIALLY_REFUNDED';
      const at = new Date();
      const previousStatus = payment.status;
      await this.deps.payments.updateOne(
        { _id: payment._id },
        {
          $set: { status: to },
          $push: {
            history: { status: to, reason: `refund of ${moved.amount} ${moved.currency}`, at },
            auditTrail: auditEntry({
              action: 'payment.status_changed',
              fromStatus: previousStatus,
              toStatus: to,
              actor: systemActor(),
              reason: `refund ${String(moved._id)} of ${moved.amount} ${moved.currency}`,
              at,
            }),
          },
        },
        { session },
      );
      outbox.add(
        createEvent('payment.status_changed', payment.orderId, {
          paymentId: String(payment._id),
          orderId: payment.orderId,
          userId: payment.userId,
          status: to,
          previousStatus,
          at: at.toISOString(),
        }),
      );
    }
  }

  /** `charge.refunded`: settles our refunds the charge lists, and records refunds made outside NovaMart. */
  async applyChargeRefunded(charge: Record<string, any>): Promise<void> {
    const intentId =
      typeof charge.payment_intent === 'string' ? charge.payment_intent : charge.payment_intent?.id;
    const payment = intentId
      ? await this.deps.payments.findOne({ providerPaymentId: intentId }).lean()
      : null;
    if (!payment) return;
    for (const entry of (charge.refunds?.data ?? []) as Array<Record<string, any>>) {
      const ours =
        (entry.metadata?.refundId && (await this.findRefund(String(entry.metadata.refundId)))) ||
        (await this.deps.refunds.findOne({ providerRefundId: entry.id }).lean());
      const result: ProviderRefund = {
        id: entry.id,
        status: entry.status,
        amount: entry.amount,
        failureReason: entry.failure_reason ?? null,
        metadata: entry.metadata ?? {},
      };
      if (ours) {
        if (ours.status === 'PENDING') await this.settle(ours, result);
        continue;
      }
      if (entry.status !== 'succeeded') continue;
      // Refunded in Stripe's dashboard: record it so that NovaMart's totals match the money.
      const fresh = await this.findPayment(String(payment._id));
      if (!fresh) continue;
      const external = await this.claimAndCreate(fresh, {
        amount: Math.min(entry.amount, fresh.refundableRemaining),
        reason: 'refunded outside NovaMart',
        kind: 'external',
        requestedBy: null,
        status: 'PENDING',
        actor: systemActor(),
      });
      if (external) await this.settle(external, result);
    }
  }

  /** Refunds left PENDING (provider unreachable, crash) are asked again with the same key. */
  async retryPending(olderThanMs = 60_000): Promise<number> {
    const stale = await this.deps.refunds
      .find({ status: 'PENDING', updatedAt: { $lt: new Date(Date.now() - olderThanMs) } })
      .limit(100)
      .lean();
    for (const refund of stale) await this.execute(refund);
    return stale.length;
  }

  findRefund(refundId: string): Promise<RefundDoc | null> {
    if (!Types.ObjectId.isValid(refundId)) return Promise.resolve(null);
    return this.deps.refunds.findById(refundId).lean().exec();
  }

  private findPayment(paymentId: string): Promise<PaymentDoc | null> {
    if (!Types.ObjectId.isValid(paymentId)) return Promise.resolve(null);
    return this.deps.payments.findById(paymentId).lean().exec();
  }

  /** Claims `amount` of the payment's refundable remainder and creates the refund, atomically. */
  private async claimAndCreate(
    payment: PaymentDoc,
    input: Pick<RefundDoc, 'amount' | 'reason' | 'kind' | 'requestedBy'> & {
      status: 'PENDING' | 'PENDING_APPROVAL';
      returnId?: string;
      approvedBy?: string;
      actor: AuditActor;
    },
  ): Promise<RefundDoc | null> {
    if (input.amount < 1) return null;
    return inTransaction(this.deps.conn, async (session, outbox) => {
      const claimed = await this.deps.payments.updateOne(
        { _id: payment._id, status: { $in: REFUNDABLE }, refundableRemaining: { $gte: input.amount } },
        { $inc: { refundableRemaining: -input.amount, amountRefundPending: input.amount } },
        { session },
      );
      if (claimed.modifiedCount !== 1) return null;
      const now = new Date();
      const [refund] = await this.deps.refunds.create(
        [
          {
            paymentId: payment._id,
            orderId: payment.orderId,
            userId: payment.userId,
            amount: input.amount,
            currency: payment.currency,
            reason: input.reason,
            status: input.status,
            kind: input.kind,
            requestedBy: input.requestedBy,
            ...(input.returnId ? { returnId: input.returnId } : {}),
            ...(input.approvedBy ? { approvedBy: input.approvedBy } : {}),
            history: [{ status: input.status, reason: input.reason, by: input.requestedBy, at: now }],
          },
        ],
        { session },
      );
      await this.audit(refund!, 'refund.requested', input.actor, input.reason, session);
      outbox.add(
        createEvent('refund.requested', payment.orderId, {
          refundId: String(refund!._id),
          paymentId: String(payment._id),
          orderId: payment.orderId,
          amount: input.amount,
          currency: payment.currency,
          needsApproval: input.status === 'PENDING_APPROVAL',
        }),
      );
      return refund!.toObject() as RefundDoc;
    });
  }

  /** Records a refund's change in its payment's audit trail, in the change's transaction. */
  private async audit(
    refund: Pick<RefundDoc, '_id' | 'paymentId' | 'amount' | 'currency'>,
    action: string,
    actor: AuditActor,
    reason: string | null,
    session: ClientSession,
  ): Promise<void> {
    const entry = auditEntry({
      action,
      actor,
      reason: `refund ${String(refund._id)} of ${refund.amount} ${refund.currency}${reason ? `: ${reason}` : ''}`,
    });
    await this.deps.payments.updateOne(
      { _id: refund.paymentId },
      { $push: { auditTrail: entry } },
      { session },
    );
  }

  /** Gives a refund's claimed amount back to the payment's refundable remainder. */
  private async release(refund: RefundDoc, session: ClientSession): Promise<void> {
    await this.deps.payments.updateOne(
      { _id: refund.paymentId },
      { $inc: { refundableRemaining: refund.amount, amountRefundPending: -refund.amount } },
      { session },
    );
  }

  private async move(
    refund: RefundDoc,
    to: RefundStatus,
    change: { from: RefundStatus; by: string | null; reason: string; set?: Partial<RefundDoc> },
    session?: ClientSession,
  ): Promise<RefundDoc | null> {
    return this.deps.refunds
      .findOneAndUpdate(
        { _id: refund._id, status: change.from },
        {
          $set: { ...change.set, status: to },
          $push: { history: { status: to, reason: change.reason, by: change.by, at: new Date() } },
        },
        { returnDocument: 'after', ...(session && { session }) },
      )
      .lean<RefundDoc>();
  }
}

/** orders' refundReturn call: the received return's facts. */
export interface ReturnRefundInput {
  returnId: string;
  orderId: string;
  amount: number;
  currency: string;
  approvedBy: string;
}

/** A return is refunded once: a call naming another order or amount than its refund is CONFLICT. */
function assertSameReturnRefund(refund: RefundDoc, received: ReturnRefundInput): void {
  if (refund.orderId !== received.orderId || refund.amount !== received.amount)
    throw conflict('The return was refunded for another order or amount', { returnId: received.returnId });
}

function returnRefundArg(input: ReturnRefundInput): ReturnRefundInput {
  const id = (value: unknown, field: string): string => {
    if (typeof value !== 'string' || value.trim() === '' || value.length > 200)
      throw badUserInput(`${field} is not a valid id`, field);
    return value.trim();
  };
  if (!Number.isSafeInteger(input?.amount) || input.amount < 1)
    throw badUserInput('Refund amount must be a positive integer of minor units', 'input.amount');
  if (typeof input.currency !== 'string' || !/^[A-Z]{3}$/.test(input.currency))
    throw badUserInput('currency must be an ISO 4217 code', 'input.currency');
  return {
    returnId: id(input.returnId, 'input.returnId'),
    orderId: id(input.orderId, 'input.orderId'),
    amount: input.amount,
    currency: input.currency,
    approvedBy: id(input.approvedBy, 'input.approvedBy'),
  };
}
