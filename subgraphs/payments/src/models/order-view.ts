import { modelOn } from '@novamart/kit';
import { type Connection, type Model, Schema } from 'mongoose';

/**
 * What payments knows of an order, projected from the orders subgraph's events: who owns it,
 * what it costs and where it stands. Payments never reads the orders database.
 */
export interface OrderViewDoc {
  _id: string;
  userId: string | null;
  email: string;
  total: number;
  currency: string;
  /** The newest status payments decides on: PAID to DELIVERED are not recorded (events/handlers.ts). */
  status: string;
  /** occurredAt of the event that set `status`, so a late, older event cannot roll it back. */
  statusAt: Date;
  /** Lifecycle rank of `status`: breaks ties between events of the same millisecond. */
  statusRank: number;
  /** The order's lines from `order.placed` (payments hands them to the provider). */
  lines?: Array<{ productId: string; sku: string; quantity: number; amount: number }>;
}

const RANKS: Record<string, number> = {
  PENDING: 0,
  AWAITING_PAYMENT: 1,
  PAID: 2,
  PROCESSING: 2.5,
  SHIPPED: 3,
  DELIVERED: 4,
  CANCELLED: 5,
  REFUNDED: 6,
};

export function orderStatusRank(status: string): number {
  return RANKS[status] ?? 0;
}

const orderViewSchema = new Schema<OrderViewDoc>(
  {
    _id: String,
    userId: { type: String, default: null },
    email: String,
    total: Number,
    currency: String,
    status: String,
    statusAt: Date,
    statusRank: { type: Number, default: 0 },
    lines: {
      type: [{ _id: false, productId: String, sku: String, quantity: Number, amount: Number }],
      default: undefined,
    },
  },
  { collection: 'order_views', versionKey: false },
);

export type OrderViewModel = Model<OrderViewDoc>;

export function orderViewModel(conn: Connection): OrderViewModel {
  return modelOn<OrderViewDoc>(conn, 'OrderView', orderViewSchema);
}
