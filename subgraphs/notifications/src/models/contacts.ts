import { type Role, modelOn } from '@novamart/kit';
import { type Connection, type Model, Schema } from 'mongoose';

/**
 * Who to write to, projected from other subgraphs' events: accounts (email, name, role) from
 * `user.*`, and orders (email, owner, lines) from `order.placed`, for the payment and refund events
 * that name only an order. Notifications never reads another subgraph's database.
 */
export interface AccountContactDoc {
  _id: string;
  email: string;
  name: string | null;
  role: Role;
  /** E.164, from `user.phone_changed`; where SMS goes. */
  phone?: string | null;
}

export interface OrderContactDoc {
  _id: string;
  userId: string | null;
  email: string;
  total: number;
  currency: string;
  lines: Array<{
    productId: string;
    /** Absent on older orders and products without options (the default variant). */
    variantId?: string;
    variantTitle?: string;
    sku: string;
    name: string;
    quantity: number;
    unitAmount: number;
  }>;
}

const accountSchema = new Schema<AccountContactDoc>(
  {
    _id: String,
    email: String,
    name: { type: String, default: null },
    role: { type: String, default: 'CUSTOMER', index: true },
    phone: { type: String, default: null },
  },
  { collection: 'account_contacts', versionKey: false },
);

const orderSchema = new Schema<OrderContactDoc>(
  {
    _id: String,
    userId: { type: String, default: null },
    email: String,
    total: Number,
    currency: String,
    lines: { type: Schema.Types.Mixed, default: () => [] },
  },
  { collection: 'order_contacts', versionKey: false },
);

export type AccountContactModel = Model<AccountContactDoc>;
export type OrderContactModel = Model<OrderContactDoc>;

export function accountContactModel(conn: Connection): AccountContactModel {
  return modelOn<AccountContactDoc>(conn, 'AccountContact', accountSchema);
}

export function orderContactModel(conn: Connection): OrderContactModel {
  return modelOn<OrderContactDoc>(conn, 'OrderContact', orderSchema);
}
