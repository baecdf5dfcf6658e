import { modelOn } from '@novamart/kit';
import { Schema, type Connection, type Model } from 'mongoose';

/**
 * A return whose units inventory has put back on hand (`return:<returnId>` RETURN movements),
 * keyed by the return's id: orders' `restockReturn` call and the `return.received` event that
 * follows it both restock, and whichever comes second finds this and changes nothing.
 */
export interface RestockedReturnDoc {
  _id: string;
  orderId: string;
  at: Date;
}

const restockedReturnSchema = new Schema<RestockedReturnDoc>(
  {
    _id: { type: String, required: true },
    orderId: { type: String, required: true },
    at: { type: Date, required: true },
  },
  { collection: 'restocked_returns', versionKey: false },
);

export type RestockedReturnModel = Model<RestockedReturnDoc>;

export function restockedReturnModel(conn: Connection): RestockedReturnModel {
  return modelOn<RestockedReturnDoc>(conn, 'RestockedReturn', restockedReturnSchema);
}
