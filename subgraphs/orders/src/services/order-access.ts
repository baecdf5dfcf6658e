import { forbidden, type Viewer } from '@novamart/kit';
import { type OrderDoc } from '../models/order';

/**
 * Who may see an order: its customer and admins; a guest order (no customer) whoever holds its
 * id, which is an unguessable token handed only to the checkout caller.
 */
export function canView(viewer: Viewer | null, order: Pick<OrderDoc, 'userId'>): boolean {
  if (order.userId === undefined) return true;
  return viewer !== null && (viewer.role === 'ADMIN' || viewer.id === order.userId);
}

export function assertCanView(viewer: Viewer | null, order: Pick<OrderDoc, 'userId'>): void {
  if (!canView(viewer, order)) throw forbidden('This order belongs to another customer');
}
