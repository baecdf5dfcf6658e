import { createStep, runSteps, StepRefused, type Logger } from '@novamart/kit';
import { Types, type QueryFilter } from 'mongoose';
import {
  lineVariantId,
  type ReservationDoc,
  type ReservationLine,
  type ReservationModel,
  type ShortLine,
} from '../models/reservation';
import type { StockItemDoc, StockItemModel } from '../models/stock-item';
import { inventoryEvents } from './inventory-events';
import type { StockChange, StockLedger } from './stock-ledger';
import type { RunInTx, Tx } from './tx';

/**
 * What handling a saga event did: the reservation as it stands, and whether that very event had
 * already been applied (a redelivery: nothing written), which the consumer reports as 'duplicate'.
 */
export interface EventOutcome {
  reservation: ReservationDoc;
  repeated: boolean;
}

export interface ReservationServiceDeps {
  runInTx: RunInTx;
  ledger: StockLedger;
  Reservation: ReservationModel;
  StockItem: StockItemModel;
  ttlSeconds: number;
  logger: Logger;
}

const reference = (orderId: string) => `order:${orderId}`;

/** The ledger change that holds (or, negated, releases) one line of an order. */
function holdChange(orderId: string, line: ReservationLine, sign: 1 | -1): StockChange {
  return {
    productId: line.productId,
    variantId: lineVariantId(line),
    delta: 0,
    reservedDelta: sign * line.quantity,
    reason: sign === 1 ? 'RESERVATION' : 'RELEASE',
    reference: reference(orderId),
    orderId,
  };
}

/**
 * Same variant twice in an order is one line; sorted by variant so that concurrent orders touch
 * items in one order. A line without a variant is its product's default variant.
 */
function normalise(orderId: string, lines: readonly ReservationLine[]): ReservationLine[] {
  if (lines.length === 0) throw new Error(`Order ${orderId} has no lines to reserve`);
  const byVariant = new Map<string, ReservationLine>();
  for (const { productId, variantId, quantity } of lines) {
    if (typeof productId !== 'string' || !productId || !Number.isInteger(quantity) || quantity < 1) {
      throw new Error(`Order ${orderId} has an invalid line: ${JSON.stringify({ productId, quantity })}`);
    }
    const key = lineVariantId({ productId, variantId });
    const held = byVariant.get(key);
    byVariant.set(key, { productId, variantId: key, quantity: (held?.quantity ?? 0) + quantity });
  }
  return [...byVariant].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, line]) => line);
}

interface HoldLine {
  tx: Tx;
  orderId: string;
  line: ReservationLine;
}

/**
 * The reservation's one step per line: the ledger takes the line's units from available into
 * reserved (its guard refuses when they are short). Its compensation, "release", puts them back
 * through the ledger in the same transaction. Neither records a movement: the all-or-nothing
 * reservation records once every line is held (`recordApplied`), so a failed one leaves none.
 */
function holdLineStep(ledger: StockLedger) {
  return createStep(
    'reserve-line',
    async ({ tx, orderId, line }: HoldLine) => {
      const item = await ledger.take(tx, holdChange(orderId, line, 1));
      if (!item) throw new StepRefused('reserve-line', line);
      return item;
    },
    async (_item: StockItemDoc, { tx, orderId, line }: HoldLine) => {
      const released = await ledger.take(tx, holdChange(orderId, line, -1));
      if (!released) throw new Error(`Order ${orderId} cannot release ${line.productId} it just reserved`);
    },
  );
}

/**
 * Reservations of stock for orders: hold on `order.placed`, commit on payment, release on
 * cancellation or expiry. Every change goes through the stock ledger inside the caller's
 * transaction (an event handler's) or one of its own.
 */
export class ReservationService {
  private readonly holdLine: ReturnType<typeof holdLineStep>;

  constructor(private readonly deps: ReservationServiceDeps) {
    this.holdLine = holdLineStep(deps.ledger);
  }

  private within<T>(tx: Tx | undefined, work: (tx: Tx) => Promise<T>): Promise<T> {
    return tx ? work(tx) : this.deps.runInTx(work);
  }

  private findByOrderIn(tx: Tx, orderId: string): Promise<ReservationDoc | null> {
    return this.deps.Reservation.findOne({ orderId }).session(tx.session).lean<ReservationDoc>().exec();
  }

  /**
   * Holds stock for every line of an order, or for none: on the first short line the lines
   * already taken are released (the step's compensation) in the same transaction and the order's
   * reservation is recorded as FAILED (`inventory.reservation_failed`). Idempotent per orderId: a
   * second call returns the first outcome.
   */
  async reserveForOrder(
    orderId: string,
    rawLines: readonly ReservationLine[],
    outerTx?: Tx,
  ): Promise<ReservationDoc> {
    const lines = normalise(orderId, rawLines);
    return (await this.within(outerTx, (tx) => this.reserve(tx, orderId, lines, null))).reservation;
  }

  /** `order.placed` (event `eventId`): `reserveForOrder`, and whether that very event had done it already. */
  reserveForEvent(
    eventId: string,
    orderId: string,
    rawLines: readonly ReservationLine[],
    tx: Tx,
  ): Promise<EventOutcome> {
    return this.reserve(tx, orderId, normalise(orderId, rawLines), eventId);
  }

  /**
   * The reservation is the order's idempotency record (one per orderId, unique index), so the
   * first command claims it: an upsert that answers the document as it was before. Null means
   * this run inserted it (RESERVED, the lines about to be held; nothing outside the transaction
   * sees it before every line is held, or it becomes FAILED); anything else is the earlier
   * outcome, answered without a write, unless it is the marker of a payment that came first.
   * Concurrent duplicates meet at the unique index: one commits, the other's transaction runs
   * again and finds the reservation.
   */
  private async reserve(
    tx: Tx,
    orderId: string,
    lines: ReservationLine[],
    eventId: string | null,
  ): Promise<EventOutcome> {
    const now = new Date();
    const claim = {
      _id: new Types.ObjectId(),
      orderId,
      status: 'RESERVED' as const,
      lines,
      shortLines: [],
      expiresAt: new Date(now.getTime() + this.deps.ttlSeconds * 1000),
      releaseReason: null,
      ...(eventId ? { placedBy: eventId } : {}),
      createdAt: now,
      updatedAt: now,
    };
    const existing = await this.deps.Reservation.findOneAndUpdate(
      { orderId },
      { $setOnInsert: claim },
      { upsert: true, returnDocument: 'before', timestamps: false, session: tx.session },
    )
      .lean<ReservationDoc>()
      .exec();
    if (existing && existing.status !== 'PAID_BEFORE_PLACED') {
      return { reservation: existing, repeated: eventId !== null && existing.placedBy === eventId };
    }
    // The marker only said "paid": the reservation made now takes its place (its _id and paidBy).
    const claimed: ReservationDoc = existing
      ? { ...claim, _id: existing._id, paidBy: existing.paidBy }
      : claim;
    const held = await runSteps(async (run) => {
      const items: StockItemDoc[] = [];
      for (const line of lines) items.push(await run(this.holdLine, { tx, orderId, line }));
      return items;
    });
    if (!held.ok) return { reservation: await this.recordFailure(tx, claimed), repeated: false };
    if (existing) await this.replaceMarker(tx, claimed);
    await this.recordHeld(tx, claimed, held.value);
    if (!existing) return { reservation: claimed, repeated: false };
    const paid = await this.commitHeld(tx, orderId, existing.paidBy ?? null);
    return { reservation: paid.reservation, repeated: false };
  }

  /** The PAID_BEFORE_PLACED marker becomes the reservation just held (committed next). */
  private async replaceMarker(tx: Tx, reservation: ReservationDoc): Promise<void> {
    const { _id, status, lines, expiresAt, placedBy } = reservation;
    await this.deps.Reservation.updateOne(
      { _id, status: 'PAID_BEFORE_PLACED' },
      { $set: { status, lines, expiresAt, ...(placedBy ? { placedBy } : {}) } },
      { session: tx.session },
    ).exec();
  }

  /** Every line is held: the reservation's ledger entries and events for the changes made. */
  private async recordHeld(tx: Tx, reservation: ReservationDoc, items: StockItemDoc[]): Promise<void> {
    const { orderId, lines } = reservation;
    await this.deps.ledger.recordApplied(
      tx,
      lines.map((line, i) => ({ change: holdChange(orderId, line, 1), item: items[i]! })),
    );
    tx.outbox.add(inventoryEvents.reserved(reservation));
  }

  /** A line was short (every held line put back): the claimed reservation becomes FAILED. */
  private async recordFailure(tx: Tx, claimed: ReservationDoc): Promise<ReservationDoc> {
    const { orderId, lines } = claimed;
    const items = await this.deps.StockItem.find({ variantId: { $in: lines.map(lineVariantId) } })
      .session(tx.session)
      .lean<StockItemDoc[]>()
      .exec();
    const available = new Map(items.map((item) => [item.variantId, item.available]));
    const shortLines: ShortLine[] = lines
      .map((line) => ({
        productId: line.productId,
        variantId: lineVariantId(line),
        requested: line.quantity,
        available: available.get(lineVariantId(line)) ?? 0,
      }))
      .filter((line) => line.available < line.requested);
    const failed = {
      status: 'FAILED' as const,
      lines,
      shortLines,
      expiresAt: null,
      // The marker of an early payment becomes the failure: it is this event's outcome now.
      ...(claimed.placedBy ? { placedBy: claimed.placedBy } : {}),
    };
    await this.deps.Reservation.updateOne(
      { _id: claimed._id },
      { $set: failed },
      { session: tx.session },
    ).exec();
    tx.outbox.add(inventoryEvents.reservationFailed(orderId, shortLines));
    return { ...claimed, ...failed };
  }

  /** Applies one ledger change per line of a reservation; each must hold (the units are reserved). */
  private async applyLines(
    tx: Tx,
    reservation: ReservationDoc,
    change: (line: ReservationLine) => Omit<StockChange, 'productId' | 'variantId' | 'reference' | 'orderId'>,
  ): Promise<void> {
    const { orderId } = reservation;
    for (const line of reservation.lines) {
      const item = await this.deps.ledger.apply(tx, {
        productId: line.productId,
        variantId: lineVariantId(line),
        reference: reference(orderId),
        orderId,
        ...change(line),
      });
      if (!item)
        throw new Error(
          `Reservation ${String(reservation._id)} holds more of ${line.productId} than is reserved`,
        );
    }
  }

  /** RESERVED → `status`, putting the held units back to available. Null when it was not held. */
  private async releaseHeld(
    tx: Tx,
    filter: QueryFilter<ReservationDoc>,
    status: 'RELEASED' | 'EXPIRED',
    reason: string,
  ): Promise<ReservationDoc | null> {
    const released = await this.deps.Reservation.findOneAndUpdate(
      { ...filter, status: 'RESERVED' },
      { $set: { status, releaseReason: reason } },
      { returnDocument: 'after', session: tx.session },
    )
      .lean<ReservationDoc>()
      .exec();
    if (!released) return null;
    await this.applyLines(tx, released, (line) => ({
      delta: 0,
      reservedDelta: -line.quantity,
      reason: 'RELEASE',
    }));
    tx.outbox.add(
      status === 'EXPIRED'
        ? inventoryEvents.reservationExpired(released)
        : inventoryEvents.reservationReleased(released, reason),
    );
    return released;
  }

  /**
   * payment.approval_requested: the payment is authorised and waits for FINANCE (above
   * PAYMENT_APPROVAL_THRESHOLD). The hold stops expiring (expiresAt null, which the sweeper never
   * picks), so the stock is still there when the payment is approved; a rejection cancels the
   * order, which releases it. A hold that already expired stays expired (the order is cancelled and
   * the authorisation voided).
   */
  async holdForApproval(orderId: string, tx: Tx): Promise<boolean> {
    const held = await this.deps.Reservation.updateOne(
      { orderId, status: 'RESERVED' },
      { $set: { expiresAt: null } },
      { session: tx.session },
    ).exec();
    return held.modifiedCount === 1;
  }

  /**
   * Payment succeeded: reserved units become sold (SALE movements). A payment that arrives before
   * the order was reserved is remembered, and the reservation commits as soon as it is made.
   */
  async commitForOrder(orderId: string, outerTx?: Tx): Promise<ReservationDoc | null> {
    return (await this.within(outerTx, (tx) => this.commitHeld(tx, orderId, null))).reservation;
  }

  /** `payment.succeeded` (event `eventId`): `commitForOrder`, and whether that very event had done it already. */
  commitForEvent(eventId: string, orderId: string, tx: Tx): Promise<EventOutcome> {
    return this.commitHeld(tx, orderId, eventId);
  }

  /**
   * RESERVED → COMMITTED: the held units are sold (SALE movements). Idempotent by that status: the
   * guarded update is the first command and the only read on the way to a sale; a repeat (or a
   * reservation not held) is refused by it and only then read, to say which.
   */
  private async commitHeld(tx: Tx, orderId: string, eventId: string | null): Promise<EventOutcome> {
    const committed = await this.deps.Reservation.findOneAndUpdate(
      { orderId, status: 'RESERVED' },
      { $set: { status: 'COMMITTED', ...(eventId ? { paidBy: eventId } : {}) } },
      { returnDocument: 'after', session: tx.session },
    )
      .lean<ReservationDoc>()
      .exec();
    if (!committed) return this.commitUnheld(tx, orderId, eventId);
    await this.applyLines(tx, committed, (line) => ({
      delta: -line.quantity,
      reservedDelta: -line.quantity,
      reason: 'SALE',
    }));
    tx.outbox.add(inventoryEvents.reservationCommitted(committed));
    return { reservation: committed, repeated: false };
  }

  /** A payment for an order whose stock is not held (not yet, or not any more, or committed by it). */
  private async commitUnheld(tx: Tx, orderId: string, eventId: string | null): Promise<EventOutcome> {
    const current = await this.findByOrderIn(tx, orderId);
    if (!current) {
      // Paid before inventory saw the order placed: remember it, the reservation commits when made.
      // Concurrent duplicates meet at the unique orderId: the other's transaction runs again.
      const [marker] = await this.deps.Reservation.create(
        [{ orderId, status: 'PAID_BEFORE_PLACED', lines: [], ...(eventId ? { paidBy: eventId } : {}) }],
        { session: tx.session },
      );
      return { reservation: marker!.toObject() as ReservationDoc, repeated: false };
    }
    const repeated = eventId !== null && current.paidBy === eventId;
    if (!repeated && current.status !== 'COMMITTED' && current.status !== 'PAID_BEFORE_PLACED') {
      // Paid after the hold expired or was released: the order is being cancelled and the
      // payment refunded by the saga; stock that was given back is not taken again here.
      this.deps.logger.warn(
        { orderId, status: current.status },
        'payment succeeded for an order whose stock is not held',
      );
    }
    return { reservation: current, repeated };
  }

  /**
   * The order was cancelled: held stock is released; stock already sold to it (a paid order) is
   * restocked with RETURN movements. An order cancelled before it was reserved is marked so that
   * a late `order.placed` reserves nothing.
   */
  cancelForOrder(orderId: string, reason: string, outerTx?: Tx): Promise<ReservationDoc> {
    return this.within(outerTx, async (tx) => {
      const current = await this.findByOrderIn(tx, orderId);
      if (!current) {
        const [tombstone] = await this.deps.Reservation.create(
          [{ orderId, status: 'CANCELLED', lines: [], releaseReason: reason }],
          { session: tx.session },
        );
        return tombstone!.toObject() as ReservationDoc;
      }
      if (current.status === 'RESERVED') {
        return (await this.releaseHeld(tx, { _id: current._id }, 'RELEASED', reason)) ?? current;
      }
      if (current.status === 'PAID_BEFORE_PLACED') {
        return (await this.moveStatus(tx, current, 'CANCELLED', reason)) ?? current;
      }
      if (current.status !== 'COMMITTED') return current;
      return this.returnSold(tx, current, reason);
    });
  }

  /** `current.status` → `status` with the reason, or null when someone moved it first. */
  private moveStatus(
    tx: Tx,
    current: ReservationDoc,
    status: 'CANCELLED' | 'RETURNED',
    reason: string,
  ): Promise<ReservationDoc | null> {
    return this.deps.Reservation.findOneAndUpdate(
      { _id: current._id, status: current.status },
      { $set: { status, releaseReason: reason } },
      { returnDocument: 'after', session: tx.session },
    )
      .lean<ReservationDoc>()
      .exec();
  }

  /** COMMITTED → RETURNED: cancelled before shipment, the sold units are sellable again. */
  private async returnSold(tx: Tx, current: ReservationDoc, reason: string): Promise<ReservationDoc> {
    const returned = await this.moveStatus(tx, current, 'RETURNED', reason);
    if (!returned) return current;
    // The sold units never left the warehouse: RETURN movements put them back on hand.
    await this.deps.ledger.returnToStock(tx, returned.lines, {
      reference: reference(returned.orderId),
      orderId: returned.orderId,
    });
    tx.outbox.add(inventoryEvents.reservationReleased(returned, reason));
    return returned;
  }

  /** Releases reservations past their expiry (`inventory.reservation_expired`); returns how many. */
  async expireDue(now = new Date(), limit = 100): Promise<number> {
    const due = await this.deps.Reservation.find({ status: 'RESERVED', expiresAt: { $lte: now } }, { _id: 1 })
      .sort({ expiresAt: 1 })
      .limit(limit)
      .lean<{ _id: Types.ObjectId }[]>()
      .exec();
    let expired = 0;
    for (const { _id } of due) {
      // One transaction per reservation: a failure leaves the others to this or the next sweep.
      const released = await this.deps.runInTx((tx) => this.releaseHeld(tx, { _id }, 'EXPIRED', 'EXPIRED'));
      if (released) expired += 1;
    }
    return expired;
  }

  findByOrder(orderId: string): Promise<ReservationDoc | null> {
    return this.deps.Reservation.findOne({ orderId }).lean<ReservationDoc>().exec();
  }
}
