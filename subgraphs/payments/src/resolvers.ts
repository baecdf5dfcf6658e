import {
  liveSubscription,
  loadByIds,
  money,
  requireAdmin,
  requireInternalCaller,
  requireRole,
  userActor,
  type ResolverMap,
  type SubgraphContext,
  DateTime,
} from '@novamart/kit';
import { type PaymentSettings } from './config';
import { type PaymentDoc, type PaymentModel } from './models/payment';
import { type RefundDoc, type RefundModel } from './models/refund';
import { type CaptureService } from './services/capture-service';
import { type PaymentService } from './services/payment-service';
import { CAPTURABLE } from './services/payment-status';
import { type PaymentReconciler } from './services/reconciliation';
import { type RefundService, type ReturnRefundInput } from './services/refund-service';

export interface PaymentsContext extends SubgraphContext {
  paymentService: PaymentService;
  refundService: RefundService;
  captureService: CaptureService;
  reconciler: PaymentReconciler;
  paymentSettings: PaymentSettings;
  models: { payments: PaymentModel; refunds: RefundModel };
}

/** What `payment:<orderId>` carries (events/handlers.ts). */
interface PaymentLiveMessage {
  paymentId: string;
  orderId: string;
  status: string;
  previousStatus: string | null;
  at: string;
}

const CHARGED: readonly string[] = ['SUCCEEDED', 'PARTIALLY_REFUNDED', 'REFUNDED'];

const userRef = (id: string | null) => (id ? { __typename: 'User', id } : null);

function paymentById(ctx: PaymentsContext, id: string) {
  return ctx.loaders
    .get<string, PaymentDoc | null>('paymentById', (ids) => loadByIds(ctx.models.payments, ids))
    .load(id);
}

function paymentByOrderId(ctx: PaymentsContext, orderId: string) {
  return ctx.loaders
    .get<string, PaymentDoc | null>('paymentByOrderId', (ids) =>
      loadByIds(ctx.models.payments, ids, 'orderId'),
    )
    .load(orderId);
}

function refundsOfPayment(ctx: PaymentsContext, paymentId: string) {
  return ctx.loaders
    .get<string, RefundDoc[]>('refundsByPayment', async (ids) => {
      const rows = await ctx.models.refunds
        .find({ paymentId: { $in: ids } })
        .sort({ createdAt: 1, _id: 1 })
        .lean();
      return ids.map((id) => rows.filter((r) => String(r.paymentId) === id));
    })
    .load(paymentId);
}

/** A payment reached through the graph (entity, Order.payment) is shown only to whom may see it. */
function visible(ctx: PaymentsContext, payment: PaymentDoc | null): PaymentDoc | null {
  if (!payment) return null;
  try {
    ctx.paymentService.assertCanView(ctx.viewer, payment);
    return payment;
  } catch {
    return null;
  }
}

/** The subgraph's resolver map, typed against its context (as every subgraph's is). */
export type Resolvers = ResolverMap<PaymentsContext>;

export const resolvers: Resolvers = {
  DateTime,
  Query: {
    paymentSettings: (_: unknown, __: unknown, ctx: PaymentsContext) => ctx.paymentSettings,
    payment: async (_: unknown, args: { id: string }, ctx: PaymentsContext) => {
      const payment = await ctx.paymentService.findPayment(args.id);
      if (!payment) return null;
      ctx.paymentService.assertCanView(ctx.viewer, payment);
      return payment;
    },
    pendingRefundApprovals: (_: unknown, __: unknown, ctx: PaymentsContext) => {
      requireRole(ctx, 'FINANCE');
      return ctx.refundService.pendingApprovals();
    },
    pendingPaymentApprovals: (_: unknown, __: unknown, ctx: PaymentsContext) => {
      requireRole(ctx, 'FINANCE');
      return ctx.captureService.pendingApprovals();
    },
  },
  Mutation: {
    createPaymentIntent: (_: unknown, args: { orderId: string }, ctx: PaymentsContext) =>
      ctx.paymentService.createPaymentIntent(ctx.viewer, args.orderId),
    confirmPayment: (
      _: unknown,
      args: { paymentId: string; paymentMethodId: string },
      ctx: PaymentsContext,
    ) => ctx.paymentService.confirmPayment(ctx.viewer, args.paymentId, args.paymentMethodId),
    refundPayment: (
      _: unknown,
      args: { paymentId: string; amount?: number | null; reason?: string | null },
      ctx: PaymentsContext,
    ) =>
      ctx.refundService.requestRefund(requireRole(ctx, 'FINANCE'), args.paymentId, args.amount, args.reason),
    approveRefund: (_: unknown, args: { refundId: string }, ctx: PaymentsContext) =>
      ctx.refundService.approveRefund(requireRole(ctx, 'FINANCE'), args.refundId),
    rejectRefund: (_: unknown, args: { refundId: string; reason?: string | null }, ctx: PaymentsContext) =>
      ctx.refundService.rejectRefund(requireRole(ctx, 'FINANCE'), args.refundId, args.reason),
    // Orders' receiveReturn only (it owns returns; nothing here can check one exists), with the
    // receiver's authorization: the receiver is still the refund's audited caller.
    refundReturn: (_: unknown, args: { input: ReturnRefundInput }, ctx: PaymentsContext) => {
      requireInternalCaller(ctx);
      return ctx.refundService.refundReturn(requireRole(ctx, 'SUPPORT', 'DISPATCHER'), args.input);
    },
    capturePayment: (_: unknown, args: { paymentId: string; amount?: number | null }, ctx: PaymentsContext) =>
      ctx.captureService.capture(userActor(requireRole(ctx, 'FINANCE')), args.paymentId, args.amount),
    approvePayment: (_: unknown, args: { paymentId: string }, ctx: PaymentsContext) =>
      ctx.captureService.approve(userActor(requireRole(ctx, 'FINANCE')), args.paymentId),
    rejectPayment: (_: unknown, args: { paymentId: string; reason: string }, ctx: PaymentsContext) =>
      ctx.captureService.reject(userActor(requireRole(ctx, 'FINANCE')), args.paymentId, args.reason),
  },
  Subscription: {
    paymentStatusChanged: {
      subscribe: async (_: unknown, args: { orderId: string }, ctx: PaymentsContext) => {
        await ctx.paymentService.assertCanWatchOrder(ctx.viewer, args.orderId);
        return liveSubscription<PaymentLiveMessage>(ctx, `payment:${args.orderId}`);
      },
      resolve: (message: PaymentLiveMessage) => message,
    },
  },
  PaymentStatusUpdate: {
    // Live messages carry the payment's id; the payment is read as it is now.
    payment: async (message: PaymentLiveMessage, _: unknown, ctx: PaymentsContext) =>
      visible(ctx, await paymentById(ctx, message.paymentId)),
  },
  Payment: {
    __resolveReference: async (ref: { id: string }, ctx: PaymentsContext) =>
      visible(ctx, await paymentById(ctx, ref.id)),
    id: (p: PaymentDoc) => String(p._id),
    order: (p: PaymentDoc) => ({ __typename: 'Order', id: p.orderId }),
    amount: (p: PaymentDoc) => money(p.amount, p.currency),
    amountRefunded: (p: PaymentDoc) => money(p.amountRefunded, p.currency),
    // Only the paying customer gets the secret Stripe.js needs; not even an admin does.
    clientSecret: (p: PaymentDoc, _: unknown, ctx: PaymentsContext) =>
      p.userId === null || ctx.viewer?.id === p.userId ? p.clientSecret : null,
    refunds: (p: PaymentDoc, _: unknown, ctx: PaymentsContext) => refundsOfPayment(ctx, String(p._id)),
    captureMethod: (p: PaymentDoc) => (p.captureMethod === 'manual' ? 'MANUAL' : 'AUTOMATIC'),
    amountCaptured: (p: PaymentDoc) =>
      // Payments recorded before captures were counted: an automatic charge took the whole amount.
      money(p.amountCaptured ?? (CHARGED.includes(p.status) ? p.amount : 0), p.currency),
    amountCapturable: (p: PaymentDoc) =>
      money(CAPTURABLE.includes(p.status) ? p.amount - (p.amountCaptured ?? 0) : 0, p.currency),
    captures: (p: PaymentDoc) =>
      (p.captures ?? []).map((c) => ({ ...c, amount: money(c.amount, p.currency) })),
    approvalStatus: (p: PaymentDoc) => p.approvalStatus ?? 'NOT_REQUIRED',
    lineItems: (p: PaymentDoc) =>
      (p.lineItems ?? []).map((l) => ({ ...l, amount: money(l.amount, p.currency) })),
    auditTrail: (p: PaymentDoc, _: unknown, ctx: PaymentsContext) => {
      requireAdmin(ctx);
      return p.auditTrail ?? [];
    },
  },
  Order: {
    payment: async (order: { id: string }, _: unknown, ctx: PaymentsContext) =>
      visible(ctx, await paymentByOrderId(ctx, order.id)),
  },
  Refund: {
    id: (r: RefundDoc) => String(r._id),
    payment: async (r: RefundDoc, _: unknown, ctx: PaymentsContext) => paymentById(ctx, String(r.paymentId)),
    amount: (r: RefundDoc) => money(r.amount, r.currency),
    requestedBy: (r: RefundDoc) => userRef(r.requestedBy),
    approvedBy: (r: RefundDoc) => userRef(r.approvedBy),
    rejectedBy: (r: RefundDoc) => userRef(r.rejectedBy),
  },
  RefundStatusChange: {
    by: (change: { by: string | null }) => userRef(change.by),
  },
};
