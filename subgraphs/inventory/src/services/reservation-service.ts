import type { Logger } from '@novamart/kit';
import type { QueryFilter, Types } from 'mongoose';
import type { ReservationDoc, ReservationLine, ReservationModel, ShortLine } from '../models/reservation';
import type { StockItemDoc, StockItemModel } from '../models/stock-item';
import { inventoryEvents } from './inventory-events';
import type { StockLedger } from './stock-ledger';
import type { RunInTx, Tx } from './tx';

export interface ReservationService {
  /**
   * Holds stock for every line of an order, or for none: on the first short line the lines
   * already taken are put back in the same transaction and the order's reservation is recorded
   * as FAILED (`inventory.reservation_failed`). Idempotent per orderId: a second call returns
   * the first outcome.
   */
  reserveForOrder(orderId: string, lines: readonly ReservationLine[], tx?: Tx): Promise<ReservationDoc>;
  /**
   * Payment succeeded: reserved units become sold (SALE movements). A payment that arrives before
   * the order was reserved is remembered, and the reservation commits as soon as it is made.
   */
  commitForOrder(orderId: string, tx?: Tx): Promise<ReservationDoc | null>;
  /**
   * The order was cancelled: held stock is released; stock already sold to it (a paid order) is
   * restocked with RETURN movements. An order cancelled before it was reserved is marked so that
   * a late `order.placed` reserves nothing.
   */
  cancelForOrder(orderId: string, reason: string, tx?: Tx): Promise<ReservationDoc>;
  /** Releases reservations past their expiry (`inventory.reservation_expired`); returns how many. */
  expireDue(now?: Date, limit?: number): Promise<number>;
  findByOrder(orderId: string): Promise<ReservationDoc | null>;
}

export function createReservationService(deps: {
  runInTx: RunInTx;
  ledger: StockLedger;
  Reservation: ReservationModel;
  StockItem: StockItemModel;
  ttlSeconds: number;
  logger: Logger;
}): ReservationService {
  const { runInTx, ledger, Reservation, StockItem, ttlSeconds, logger } = deps;
  const within = <T>(tx: Tx | undefined, work: (tx: Tx) => Promise<T>): Promise<T> =>
    tx ? work(tx) : runInTx(work);

  const reference = (orderId: string) => `order:${orderId}`;

  /** Same product twice in an order is one line; sorted so that concurrent orders touch items in one order. */
  function normalise(orderId: string, lines: readonly ReservationLine[]): ReservationLine[] {
    if (lines.length === 0) throw new Error(`Order ${orderId} has no lines to reserve`);
    const byProduct = new Map<string, number>();
    for (const { productId, quantity } of lines) {
      if (typeof productId !== 'string' || !productId || !Number.isInteger(quantity) || quantity < 1) {
        throw new Error(`Order ${orderId} has an invalid line: ${JSON.stringify({ productId, quantity })}`);
      }
      byProduct.set(productId, (byProduct.get(productId) ?? 0) + quantity);
    }
    return [...byProduct]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([productId, quantity]) => ({ productId, quantity }));
  }

  async function recordFailure(tx: Tx, orderId: string, lines: ReservationLine[]): Promise<ReservationDoc> {
    const items = await StockItem.find({ productId: { $in: lines.map((l) => l.productId) } })
      .session(tx.session)
      .lean<StockItemDoc[]>()
      .exec();
    const available = new Map(items.map((item) => [item.productId, item.available]));
    const shortLines: ShortLine[] = lines
      .map((line) => ({
        productId: line.productId,
        requested: line.quantity,
        available: available.get(line.productId) ?? 0,
      }))
      .filter((line) => line.available < line.requested);
    const [failed] = await Reservation.create(
      [{ orderId, status: 'FAILED', lines, shortLines, expiresAt: null }],
      { session: tx.session },
    );
    tx.outbox.add(inventoryEvents.reservationFailed(orderId, shortLines));
    return failed!.toObject() as ReservationDoc;
  }

  /** RESERVED → `status`, putting the held units back to available. Null when it was not held. */
  async function releaseHeld(
    tx: Tx,
    filter: QueryFilter<ReservationDoc>,
    status: 'RELEASED' | 'EXPIRED',
    reason: string,
  ): Promise<ReservationDoc | null> {
    const released = await Reservation.findOneAndUpdate(
      { ...filter, status: 'RESERVED' },
      { $set: { status, releaseReason: reason } },
      { returnDocument: 'after', session: tx.session },
    )
      .lean<ReservationDoc>()
      .exec();
    if (!released) return null;
    for (const line of released.lines) {
      const item = await ledger.apply(tx, {
        productId: line.productId,
        delta: 0,
        reservedDelta: -line.quantity,
        reason: 'RELEASE',
        reference: reference(released.orderId),
        orderId: released.orderId,
      });
      if (!item)
        throw new Error(
          `Reservation ${String(released._id)} holds more of ${line.productId} than is reserved`,
        );
    }
    tx.outbox.add(
      status === 'EXPIRED'
        ? inventoryEvents.reservationExpired(released)
        : inventoryEvents.reservationReleased(released, reason),
    );
    return released;
  }

  /** RESERVED → COMMITTED: the held units are sold (SALE movements). */
  async function commitHeld(tx: Tx, orderId: string): Promise<ReservationDoc | null> {
    const committed = await Reservation.findOneAndUpdate(
      { orderId, status: 'RESERVED' },
      { $set: { status: 'COMMITTED' } },
      { returnDocument: 'after', session: tx.session },
    )
      .lean<ReservationDoc>()
      .exec();
    if (!committed) {
      const current = await Reservation.findOne({ orderId })
        .session(tx.session)
        .lean<ReservationDoc>()
        .exec();
      if (!current) {
        // Paid before inventory saw the order placed: remember it, the reservation commits when made.
        const [marker] = await Reservation.create([{ orderId, status: 'PAID_BEFORE_PLACED', lines: [] }], {
          session: tx.session,
        });
        return marker!.toObject() as ReservationDoc;
      }
      if (current.status !== 'COMMITTED' && current.status !== 'PAID_BEFORE_PLACED') {
        // Paid after the hold expired or was released: the order is being cancelled and the
        // payment refunded by the saga; stock that was given back is not taken again here.
        logger.warn(
          { orderId, status: current.status },
          'payment succeeded for an order whose stock is not held',
        );
      }
      return current;
    }
    for (const line of committed.lines) {
      const item = await ledger.apply(tx, {
        productId: line.productId,
        delta: -line.quantity,
        reservedDelta: -line.quantity,
        reason: 'SALE',
        reference: reference(orderId),
        orderId,
      });
      if (!item)
        throw new Error(
          `Reservation ${String(committed._id)} holds more of ${line.productId} than is reserved`,
        );
    }
    tx.outbox.add(inventoryEvents.reservationCommitted(committed));
    return committed;
  }

  return {
    reserveForOrder(orderId, rawLines, outerTx) {
      const lines = normalise(orderId, rawLines);
      return within(outerTx, async (tx) => {
        const existing = await Reservation.findOne({ orderId })
          .session(tx.session)
          .lean<ReservationDoc>()
          .exec();
        if (existing && existing.status !== 'PAID_BEFORE_PLACED') return existing;
        const paidAlready = existing !== null;
        // The marker only said "paid"; the reservation made now takes its place.
        if (existing) await Reservation.deleteOne({ _id: existing._id }, { session: tx.session }).exec();

        const taken: { line: ReservationLine; item: StockItemDoc }[] = [];
        for (const line of lines) {
          const item = await StockItem.findOneAndUpdate(
            { productId: line.productId, available: { $gte: line.quantity } },
            { $inc: { available: -line.quantity, reserved: line.quantity } },
            { returnDocument: 'after', session: tx.session },
          )
            .lean<StockItemDoc>()
            .exec();
          if (!item) {
            // All or nothing: undo what this order took, inside the same transaction.
            for (const { line: back } of taken) {
              await StockItem.updateOne(
                { productId: back.productId },
                { $inc: { available: back.quantity, reserved: -back.quantity } },
                { session: tx.session },
              ).exec();
            }
            return recordFailure(tx, orderId, lines);
          }
          taken.push({ line, item });
        }

        // Every line is held: now record the ledger entries and events for the changes made above.
        const [created] = await Reservation.create(
          [{ orderId, status: 'RESERVED', lines, expiresAt: new Date(Date.now() + ttlSeconds * 1000) }],
          { session: tx.session },
        );
        const reservation = created!.toObject() as ReservationDoc;
        await ledger.recordApplied(
          tx,
          taken.map(({ line, item }) => ({
            change: {
              productId: line.productId,
              delta: 0,
              reservedDelta: line.quantity,
              reason: 'RESERVATION' as const,
              reference: reference(orderId),
              orderId,
            },
            item,
          })),
        );
        tx.outbox.add(inventoryEvents.reserved(reservation));
        if (paidAlready) return (await commitHeld(tx, orderId)) ?? reservation;
        return reservation;
      });
    },

    commitForOrder(orderId, outerTx) {
      return within(outerTx, (tx) => commitHeld(tx, orderId));
    },

    cancelForOrder(orderId, reason, outerTx) {
      return within(outerTx, async (tx) => {
        const current = await Reservation.findOne({ orderId })
          .session(tx.session)
          .lean<ReservationDoc>()
          .exec();
        if (!current) {
          const [tombstone] = await Reservation.create(
            [{ orderId, status: 'CANCELLED', lines: [], releaseReason: reason }],
            { session: tx.session },
          );
          return tombstone!.toObject() as ReservationDoc;
        }
        if (current.status === 'RESERVED') {
          return (await releaseHeld(tx, { _id: current._id }, 'RELEASED', reason)) ?? current;
        }
        if (current.status === 'PAID_BEFORE_PLACED') {
          return (
            (await Reservation.findOneAndUpdate(
              { _id: current._id, status: 'PAID_BEFORE_PLACED' },
              { $set: { status: 'CANCELLED', releaseReason: reason } },
              { returnDocument: 'after', session: tx.session },
            )
              .lean<ReservationDoc>()
              .exec()) ?? current
          );
        }
        if (current.status !== 'COMMITTED') return current;

        const returned = await Reservation.findOneAndUpdate(
          { _id: current._id, status: 'COMMITTED' },
          { $set: { status: 'RETURNED', releaseReason: reason } },
          { returnDocument: 'after', session: tx.session },
        )
          .lean<ReservationDoc>()
          .exec();
        if (!returned) return current;
        // Cancelled before shipment: the sold units never left the warehouse and are sellable again.
        for (const line of returned.lines) {
          await ledger.apply(tx, {
            productId: line.productId,
            delta: line.quantity,
            reservedDelta: 0,
            reason: 'RETURN',
            reference: reference(orderId),
            orderId,
          });
        }
        tx.outbox.add(inventoryEvents.reservationReleased(returned, reason));
        return returned;
      });
    },

    async expireDue(now = new Date(), limit = 100) {
      const due = await Reservation.find({ status: 'RESERVED', expiresAt: { $lte: now } }, { _id: 1 })
        .sort({ expiresAt: 1 })
        .limit(limit)
        .lean<{ _id: Types.ObjectId }[]>()
        .exec();
      let expired = 0;
      for (const { _id } of due) {
        // One transaction per reservation: a failure leaves the others to this or the next sweep.
        const released = await runInTx((tx) => releaseHeld(tx, { _id }, 'EXPIRED', 'EXPIRED'));
        if (released) expired += 1;
      }
      return expired;
    },

    findByOrder(orderId) {
      return Reservation.findOne({ orderId }).lean<ReservationDoc>().exec();
    },
  };
}
