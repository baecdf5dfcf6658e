import { modelOn } from '@novamart/kit';
import { Schema, type Connection, type Model } from 'mongoose';

/** A customer's email, from `user.registered` / `user.email_verified`: the default email of a signed-in checkout. */
export interface CustomerDoc {
  _id: string;
  email: string;
}

const customerSchema = new Schema<CustomerDoc>(
  { _id: { type: String, required: true }, email: { type: String, required: true } },
  { collection: 'customers', versionKey: false },
);

export type CustomerModel = Model<CustomerDoc>;

export function customerModel(conn: Connection): CustomerModel {
  return modelOn<CustomerDoc>(conn, 'Customer', customerSchema);
}
