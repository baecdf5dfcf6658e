import type { DomainEvent } from '@novamart/events';
import type { ReservationService } from '../services/reservation-service';
import type { StockService } from '../services/stock-service';
import type { Tx } from '../services/tx';

interface ProductEventPayload {
  productId: string;
  sku: string;
  name: string;
  initialStock?: number | null;
}

interface OrderPlacedPayload {
  orderId: string;
  lines: { productId: string; quantity: number }[];
}

interface OrderCancelledPayload {
  orderId: string;
  reason?: string | null;
  /** 'OUT_OF_STOCK' | 'RESERVATION_EXPIRED' | 'CUSTOMER' | 'ADMIN' */
  reasonCode?: string | null;
  wasPaid?: boolean;
}

interface PaymentSucceededPayload {
  orderId: string;
}

/** One handler per consumed event type; each runs inside the idempotent consumer's transaction. */
export type InventoryHandler = (event: DomainEvent<any>, tx: Tx) => Promise<void>;

/**
 * What inventory does with other subgraphs' events (the checkout saga, issue 5):
 * - `product.created`: a stock item with the opening stock as a PURCHASE movement.
 * - `product.updated`, `product.archived`: keep the SKU and name that low-stock alerts quote.
 * - `order.placed`: reserve every line or none.
 * - `payment.succeeded`: the reservation commits, reserved units become SALE movements.
 * - `order.cancelled`: held stock is released; stock of a paid order is restocked (RETURN).
 *
 * `payment.failed` is deliberately not consumed: the saga leaves the order awaiting payment so the
 * customer can retry, and the hold ends by expiry (the sweeper) or by `order.cancelled`.
 */
export function inventoryHandlers(services: {
  stock: StockService;
  reservations: ReservationService;
}): Record<string, InventoryHandler> {
  const { stock, reservations } = services;
  return {
    'product.created': async (event, tx) => {
      const p = event.payload as ProductEventPayload;
      await stock.recordOpeningStock(tx, {
        productId: p.productId,
        sku: p.sku,
        name: p.name,
        initialStock: p.initialStock ?? null,
      });
    },
    'product.updated': async (event, tx) => {
      const p = event.payload as ProductEventPayload;
      await stock.rememberProduct(tx, { productId: p.productId, sku: p.sku, name: p.name });
    },
    'product.archived': async (event, tx) => {
      const p = event.payload as ProductEventPayload;
      await stock.rememberProduct(tx, { productId: p.productId, sku: p.sku, name: p.name });
    },
    'order.placed': async (event, tx) => {
      const p = event.payload as OrderPlacedPayload;
      await reservations.reserveForOrder(
        p.orderId,
        p.lines.map(({ productId, quantity }) => ({ productId, quantity })),
        tx,
      );
    },
    'payment.succeeded': async (event, tx) => {
      const p = event.payload as PaymentSucceededPayload;
      await reservations.commitForOrder(p.orderId, tx);
    },
    'order.cancelled': async (event, tx) => {
      const p = event.payload as OrderCancelledPayload;
      await reservations.cancelForOrder(p.orderId, p.reasonCode || p.reason?.trim() || 'ORDER_CANCELLED', tx);
    },
  };
}

export const CONSUMER_GROUP = 'inventory';

/**
 * The products whose stock items an event's handler may change, for the stock locks: an order's
 * lines are in `order.placed`; a payment or a cancellation names only the order, so its
 * reservation says (none yet: the handler writes no stock item).
 */
export async function stockTouchedBy(
  event: DomainEvent<any>,
  services: { reservations: ReservationService },
): Promise<string[]> {
  switch (event.type) {
    case 'order.placed': {
      // A malformed payload locks nothing; the handler itself refuses it.
      const lines = (event.payload as Partial<OrderPlacedPayload>).lines;
      return Array.isArray(lines) ? lines.map((line) => String(line?.productId)) : [];
    }
    case 'product.created':
      return [(event.payload as ProductEventPayload).productId];
    case 'payment.succeeded':
    case 'order.cancelled': {
      const orderId = (event.payload as { orderId: string }).orderId;
      const reservation = await services.reservations.findByOrder(orderId);
      return reservation?.lines.map((line) => line.productId) ?? [];
    }
    default:
      return [];
  }
}
