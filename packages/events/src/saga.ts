import { type EventType } from './catalog';

/** The subgraphs that take part in the checkout saga, by the consumer group they consume under. */
export type SagaParticipant = 'orders' | 'inventory' | 'payments' | 'cart';

/** One step of the checkout saga: what a subgraph does when an event reaches it. */
export interface SagaStep {
  /** The event that runs the step. */
  on: EventType;
  /** The subgraph (and its consumer group) whose declared consumer runs it. */
  subgraph: SagaParticipant;
  /** What the step does, in the words of the code (services named in docs/architecture.md). */
  step: string;
  /** What the step announces when it succeeds. */
  emits: readonly EventType[];
  /** What it announces when it cannot be done: the event that sets the compensation going. */
  fails?: EventType;
  /** The event whose step undoes this one (its compensation), when anything needs undoing. */
  compensatedBy?: EventType;
}

/**
 * The steps in which orders cancels the order for a saga event: each is one cancellation with its
 * own cancellation code, and announces the same two events.
 */
function cancelsOrder(on: EventType, order: string, cancellationCode: string): SagaStep {
  return {
    on,
    subgraph: 'orders',
    step: `cancel ${order} (${cancellationCode})`,
    emits: ['order.status_changed', 'order.cancelled'],
  };
}

/**
 * The checkout saga, written once. Every step runs in its subgraph's declared consumer (once per
 * event, in one transaction with the events it emits, or idempotent by its own state where
 * `idempotentBy` says so); the test `tests/saga-table.test.ts` checks this table against the
 * consumers the modules actually declare and the events they declare they publish.
 * docs/architecture.md renders it.
 */
export const checkoutSaga: readonly SagaStep[] = [
  {
    on: 'order.placed',
    subgraph: 'inventory',
    step: 'reserve every line or none (`reserveForOrder`)',
    emits: ['inventory.reserved', 'inventory.stock_changed'],
    fails: 'inventory.reservation_failed',
    compensatedBy: 'order.cancelled',
  },
  {
    on: 'order.placed',
    subgraph: 'payments',
    step: 'project the order total a payment will be taken for',
    emits: [],
  },
  {
    on: 'order.placed',
    subgraph: 'cart',
    step: 'take the ordered lines out of the cart they came from',
    emits: ['cart.updated'],
  },
  {
    on: 'inventory.reserved',
    subgraph: 'orders',
    step: 'record the reservation: PENDING → AWAITING_PAYMENT',
    emits: ['order.status_changed'],
  },
  cancelsOrder('inventory.reservation_failed', 'the order', 'OUT_OF_STOCK'),
  cancelsOrder('inventory.reservation_expired', 'the unpaid order', 'RESERVATION_EXPIRED'),
  {
    on: 'payment.status_changed',
    subgraph: 'orders',
    step: "learn which payment belongs to which order (the order's `announcedPaymentIds`: creation, SUCCEEDED, AUTHORIZED)",
    emits: [],
  },
  {
    on: 'payment.status_changed',
    subgraph: 'payments',
    step: 'publish the payment status to live subscribers',
    emits: [],
  },
  {
    on: 'payment.succeeded',
    subgraph: 'orders',
    step: 'record a matching payment: AWAITING_PAYMENT → PAID (a cancelled order stays cancelled)',
    emits: ['order.status_changed', 'order.paid'],
  },
  {
    on: 'payment.succeeded',
    subgraph: 'inventory',
    step: 'commit the reservation: reserved units become a SALE',
    emits: ['inventory.reservation_committed'],
    compensatedBy: 'order.cancelled',
  },
  {
    on: 'order.status_changed',
    subgraph: 'payments',
    step: 'project the order status a payment may be taken in',
    emits: [],
  },
  {
    on: 'order.cancelled',
    subgraph: 'inventory',
    step: 'release the hold, or restock the sold units of a paid order (RETURN)',
    emits: ['inventory.reservation_released', 'inventory.stock_changed'],
  },
  {
    on: 'order.cancelled',
    subgraph: 'payments',
    step: 'refund what was captured, void an authorisation, or cancel the open intent',
    emits: ['refund.requested', 'refund.succeeded', 'payment.status_changed'],
    fails: 'refund.failed',
  },
  {
    on: 'payment.approval_requested',
    subgraph: 'inventory',
    step: 'keep the hold while FINANCE decides (it no longer expires)',
    emits: [],
  },
  cancelsOrder('payment.rejected', 'the order', 'PAYMENT_REJECTED'),
  {
    on: 'refund.succeeded',
    subgraph: 'orders',
    step: 'record the refund: REFUNDED once refunds cover the total',
    emits: ['order.status_changed'],
  },
];

/** The event types the saga's steps run on: a participant consuming one of these needs a row. */
export const checkoutSagaEvents: ReadonlySet<EventType> = new Set(checkoutSaga.map((row) => row.on));

/** The table as Markdown, for docs/architecture.md (`npx tsx scripts/...` or the test's message). */
export function renderSagaTable(rows: readonly SagaStep[] = checkoutSaga): string {
  const code = (types: readonly EventType[]) =>
    types.length === 0 ? '—' : types.map((t) => `\`${t}\``).join(', ');
  const lines = [
    '| event | subgraph | step | emits | fails with | compensated by |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (row) =>
        `| \`${row.on}\` | ${row.subgraph} | ${row.step} | ${code(row.emits)} | ${code(row.fails ? [row.fails] : [])} | ${code(row.compensatedBy ? [row.compensatedBy] : [])} |`,
    ),
  ];
  return lines.join('\n');
}
