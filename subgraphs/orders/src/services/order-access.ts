import { forbidden, type Role, type Viewer } from '@novamart/kit';
import { type OrderDoc } from '../models/order';

/** Staff who read any order (docs/architecture.md, "Roles and permissions"). */
export const ORDER_READERS: readonly Role[] = ['SUPPORT', 'DISPATCHER', 'FINANCE'];

/** Staff who work the returns queue: SUPPORT decides, SUPPORT or DISPATCHER receives. */
export const RETURN_HANDLERS: readonly Role[] = ['SUPPORT', 'DISPATCHER'];

/** Staff who may cancel any order before shipment. */
export const ORDER_CANCELLERS: readonly Role[] = ['SUPPORT'];

/**
 * Who may see an order: its customer, admins and the staff roles above; a guest order (no
 * customer) whoever holds its id, which is an unguessable token handed only to the checkout caller.
 */
export function canView(viewer: Viewer | null, order: Pick<OrderDoc, 'userId'>): boolean {
  if (order.userId === undefined) return true;
  return viewer !== null && (isStaff(viewer, ORDER_READERS) || viewer.id === order.userId);
}

/** ADMIN or one of `roles`. */
export function isStaff(viewer: Viewer, roles: readonly Role[]): boolean {
  return viewer.role === 'ADMIN' || roles.includes(viewer.role);
}

/** The customer (or a guest order's holder), SUPPORT or ADMIN. */
export function assertCanCancel(viewer: Viewer | null, order: Pick<OrderDoc, 'userId'>): void {
  if (order.userId === undefined) return;
  if (viewer !== null && (viewer.id === order.userId || isStaff(viewer, ORDER_CANCELLERS))) return;
  throw forbidden(
    viewer && viewer.role !== 'CUSTOMER'
      ? 'Requires one of the roles SUPPORT, ADMIN'
      : 'This order belongs to another customer',
  );
}

export function assertCanView(viewer: Viewer | null, order: Pick<OrderDoc, 'userId'>): void {
  if (!canView(viewer, order)) throw forbidden('This order belongs to another customer');
}
