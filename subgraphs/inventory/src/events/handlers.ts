import { type ConsumerDeclaration, type TransactionalHandler } from '@novamart/events';
import type { ReservationService } from '../services/reservation-service';
import type { StockService } from '../services/stock-service';

export const CONSUMER_GROUP = 'inventory';

/**
 * What inventory does with other subgraphs' events (the checkout saga, packages/events/src/saga.ts),
 * each once per event inside the consumer's transaction (a `Tx` of services/tx.ts):
 * - `product.created`: a stock item with the opening stock as a PURCHASE movement.
 * - `product.updated`, `product.archived`: keep the SKU and name that low-stock alerts quote.
 * - `order.placed`: reserve every line or none.
 * - `payment.succeeded`: the reservation commits, reserved units become SALE movements.
 * - `order.cancelled`: held stock is released; stock of a paid order is restocked (RETURN).
 *
 * `payment.failed` is deliberately not consumed: the saga leaves the order awaiting payment so the
 * customer can retry, and the hold ends by expiry (the sweeper) or by `order.cancelled`.
 */
export function inventoryConsumer(services: {
  stock: StockService;
  reservations: ReservationService;
}): ConsumerDeclaration {
  const { stock, reservations } = services;
  const rememberProduct: TransactionalHandler<'product.updated' | 'product.archived'> = async (event, tx) => {
    const { productId, sku, name } = event.payload;
    await stock.rememberProduct(tx, { productId, sku, name });
  };
  return {
    group: CONSUMER_GROUP,
    handlers: {
      'product.created': async (event, tx) => {
        const { productId, sku, name, initialStock } = event.payload;
        await stock.recordOpeningStock(tx, { productId, sku, name, initialStock: initialStock ?? null });
      },
      'product.updated': rememberProduct,
      'product.archived': rememberProduct,
      'order.placed': async (event, tx) => {
        const { orderId, lines } = event.payload;
        await reservations.reserveForOrder(
          orderId,
          lines.map(({ productId, quantity }) => ({ productId, quantity })),
          tx,
        );
      },
      'payment.succeeded': async (event, tx) => {
        await reservations.commitForOrder(event.payload.orderId, tx);
      },
      'order.cancelled': async (event, tx) => {
        const { orderId, reasonCode, reason } = event.payload;
        await reservations.cancelForOrder(orderId, reasonCode || reason.trim() || 'ORDER_CANCELLED', tx);
      },
    },
  };
}
