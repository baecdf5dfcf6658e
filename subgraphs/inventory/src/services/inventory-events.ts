import { createEvent } from '@novamart/events';
import { lineVariantId, type ReservationDoc, type ShortLine } from '../models/reservation';
import type { StockItemDoc } from '../models/stock-item';

/** Payloads of architecture.md's `inventory.*` events. */
export const inventoryEvents = {
  /** `productAvailable`: available over all the product's variants, this change included. */
  stockChanged: (item: StockItemDoc, productAvailable: number, previousProductAvailable: number) =>
    createEvent('inventory.stock_changed', item.productId, {
      productId: item.productId,
      variantId: item.variantId,
      productAvailable,
      previousProductAvailable,
      available: item.available,
      onHand: item.onHand,
      reserved: item.reserved,
      reorderLevel: item.reorderLevel,
    }),
  lowStock: (item: StockItemDoc) =>
    createEvent('inventory.low_stock', item.productId, {
      productId: item.productId,
      sku: item.sku,
      name: item.name,
      available: item.available,
      reorderLevel: item.reorderLevel,
      // Absent until an admin sets one.
      ...(item.reorderQuantity != null ? { reorderQuantity: item.reorderQuantity } : {}),
    }),
  reserved: (reservation: ReservationDoc) =>
    createEvent('inventory.reserved', reservation.orderId, {
      orderId: reservation.orderId,
      reservationId: String(reservation._id),
      lines: reservation.lines.map((line) => ({
        productId: line.productId,
        variantId: lineVariantId(line),
        quantity: line.quantity,
      })),
      expiresAt: reservation.expiresAt?.toISOString() ?? null,
    }),
  reservationFailed: (orderId: string, shortLines: readonly ShortLine[]) =>
    createEvent('inventory.reservation_failed', orderId, {
      orderId,
      reason: 'OUT_OF_STOCK' as const,
      lines: shortLines.map(({ productId, variantId, requested, available }) => ({
        productId,
        variantId: variantId ?? productId,
        requested,
        available,
      })),
    }),
  reservationExpired: (reservation: ReservationDoc) =>
    createEvent('inventory.reservation_expired', reservation.orderId, {
      orderId: reservation.orderId,
      reservationId: String(reservation._id),
    }),
  reservationCommitted: (reservation: ReservationDoc) =>
    createEvent('inventory.reservation_committed', reservation.orderId, {
      orderId: reservation.orderId,
      reservationId: String(reservation._id),
    }),
  reservationReleased: (reservation: ReservationDoc, reason: string) =>
    createEvent('inventory.reservation_released', reservation.orderId, {
      orderId: reservation.orderId,
      reservationId: String(reservation._id),
      reason,
    }),
};
