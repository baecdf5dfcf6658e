import { modelOn } from '@novamart/kit';
import { type Connection, type Model, Schema } from 'mongoose';

/** Provider (Stripe webhook) events already applied, by Stripe's event id: a redelivery changes nothing. */
export interface ProviderEventDoc {
  _id: string;
  type: string;
  receivedAt: Date;
}

const providerEventSchema = new Schema<ProviderEventDoc>(
  { _id: String, type: String, receivedAt: { type: Date, default: () => new Date() } },
  { collection: 'provider_events', versionKey: false },
);

export type ProviderEventModel = Model<ProviderEventDoc>;

export function providerEventModel(conn: Connection): ProviderEventModel {
  return modelOn<ProviderEventDoc>(conn, 'ProviderEvent', providerEventSchema);
}
