import { writeSync } from 'node:fs';
import {
  type CatalogEvent,
  type ConsumerDeclaration,
  type IdempotentOutcome,
  type StateIdempotentConsumer,
  type TransactionalConsumer,
  type TransactionalHandler,
} from '@novamart/events';
import type { InventoryConfig } from '../config';
import { KeyedLocks } from '@novamart/kit';
import type { ReservationService } from '../services/reservation-service';
import type { StockService } from '../services/stock-service';

export const CONSUMER_GROUP = 'inventory';

/**
 * What inventory does with other subgraphs' events (the checkout saga, packages/events/src/saga.ts),
 * each once per event inside the consumer's transaction (a `Tx` of services/tx.ts), in two
 * declarations of the group `inventory` that share the per-product stock locks:
 * - `product.created`: a stock item with the opening stock as a PURCHASE movement.
 * - `product.updated`, `product.archived`: keep the SKU and name that low-stock alerts quote.
 * - `order.placed`: reserve every line or none (idempotent by the reservation, below).
 * - `payment.succeeded`: the reservation commits, reserved units become SALE movements (idem).
 * - `order.cancelled`: held stock is released; stock of a paid order is restocked (RETURN).
 * - `return.received`: the lines of a returned parcel marked restocked (RETURN movements); the
 *   lines written off change nothing.
 *
 * `payment.failed` is deliberately not consumed: the saga leaves the order awaiting payment so the
 * customer can retry, and the hold ends by expiry (the sweeper) or by `order.cancelled`.
 */
export function inventoryConsumers(
  services: { stock: StockService; reservations: ReservationService },
  { crashPoint }: { crashPoint?: InventoryConfig['INVENTORY_CRASH_POINT'] } = {},
): ConsumerDeclaration[] {
  const { stock, reservations } = services;
  const locks = new KeyedLocks();
  const recentOrders = new RecentOrderProducts();
  const rememberProduct: TransactionalHandler<'product.updated' | 'product.archived'> = async (event, tx) => {
    const { productId, sku, name } = event.payload;
    await stock.rememberProduct(tx, { productId, sku, name });
  };
  // One at a time per product in this process (the kit's `KeyedLocks`), before the transaction
  // begins: events of different orders run side by side, and transactions that change the same
  // product's stock would otherwise end in WriteConflicts and run again. Per product, not per
  // stock item: a change of any of its variants writes the product's total (product_stock).
  const around = async (event: CatalogEvent, process: () => Promise<IdempotentOutcome>) => {
    const outcome = await locks.run(await stockTouchedBy(event, reservations, recentOrders), process);
    if (crashPoint === 'order-placed-committed' && event.type === 'order.placed' && outcome === 'processed') {
      // Fault injection (INVENTORY_CRASH_POINT): die like a killed process, the reservation
      // committed and the event not acknowledged.
      writeSync(2, `INVENTORY_CRASH_POINT ${crashPoint}: SIGKILL\n`);
      globalThis.process.kill(globalThis.process.pid, 'SIGKILL');
    }
    return outcome;
  };
  const saga: StateIdempotentConsumer = {
    group: CONSUMER_GROUP,
    transactional: true,
    // Without the processed-event record (two inserts per order fewer): the reservation is the
    // order's record, unique per orderId and never deleted, and it keeps the ids of the events
    // that made and committed it, so a redelivery still reports 'duplicate'.
    idempotentBy:
      'order.placed claims the unique reservation first and writes nothing when it exists; payment.succeeded is the RESERVED → COMMITTED compare-and-set, or the unique PAID_BEFORE_PLACED marker',
    around,
    handlers: {
      'order.placed': async (event, tx) => {
        const { orderId, lines } = event.payload;
        const { repeated } = await reservations.reserveForEvent(
          event.id,
          orderId,
          lines.map(({ productId, variantId, quantity }) => ({
            productId,
            ...(variantId ? { variantId } : {}),
            quantity,
          })),
          tx,
        );
        return repeated ? 'duplicate' : undefined;
      },
      'payment.succeeded': async (event, tx) => {
        const { repeated } = await reservations.commitForEvent(event.id, event.payload.orderId, tx);
        return repeated ? 'duplicate' : undefined;
      },
    },
  };
  const recorded: TransactionalConsumer = {
    group: CONSUMER_GROUP,
    around,
    handlers: {
      'product.created': async (event, tx) => {
        const { productId, sku, name, initialStock } = event.payload;
        await stock.recordOpeningStock(tx, { productId, sku, name, initialStock: initialStock ?? null });
      },
      'product.updated': rememberProduct,
      'product.archived': rememberProduct,
      // An authorised payment waiting for FINANCE: the hold must not expire meanwhile.
      'payment.approval_requested': async (event, tx) => {
        await reservations.holdForApproval(event.payload.orderId, tx);
      },
      'order.cancelled': async (event, tx) => {
        const { orderId, reasonCode, reason } = event.payload;
        await reservations.cancelForOrder(orderId, reasonCode || reason.trim() || 'ORDER_CANCELLED', tx);
      },
      'return.received': async (event, tx) => {
        await stock.restockReturn(tx, event.payload);
      },
    },
  };
  return [saga, recorded];
}

/**
 * The products of the orders this process saw placed most recently, so that the payment (or
 * cancellation) that follows an order moments later takes its locks without reading its
 * reservation. The locks only spare this process WriteConflicts: an order not remembered (placed
 * before a restart, or on another replica) reads its reservation, and keys that were wrong would
 * cost a retried transaction, never a wrong write.
 */
class RecentOrderProducts {
  private readonly products = new Map<string, string[]>();

  constructor(private readonly capacity = 10_000) {}

  remember(orderId: string, productIds: string[]): void {
    this.products.delete(orderId);
    this.products.set(orderId, productIds);
    // A Map iterates in insertion order: the first key is the oldest.
    if (this.products.size > this.capacity) this.products.delete(this.products.keys().next().value!);
  }

  of(orderId: string): string[] | undefined {
    return this.products.get(orderId);
  }
}

/**
 * The products whose stock an event's handler may change, for the stock locks: an order's lines
 * are in `order.placed`; a payment or a cancellation names only the order, so its reservation
 * says (none yet: the handler writes no stock), unless the order was placed here a moment ago.
 */
async function stockTouchedBy(
  event: CatalogEvent,
  reservations: ReservationService,
  recentOrders: RecentOrderProducts,
): Promise<string[]> {
  switch (event.type) {
    case 'order.placed': {
      const productIds = event.payload.lines.map((line) => line.productId);
      recentOrders.remember(event.payload.orderId, productIds);
      return productIds;
    }
    case 'product.created':
      return [event.payload.productId];
    case 'return.received':
      return event.payload.lines.map((line) => line.productId);
    case 'payment.succeeded':
    case 'order.cancelled': {
      const remembered = recentOrders.of(event.payload.orderId);
      if (remembered) return remembered;
      const reservation = await reservations.findByOrder(event.payload.orderId);
      return reservation?.lines.map((line) => line.productId) ?? [];
    }
    default:
      return [];
  }
}
