import { modelOn } from '@novamart/kit';
import { type Connection, type Model, Schema } from 'mongoose';
import { INTERACTION_TYPES, type InteractionType } from '../scoring';

/**
 * Every interaction as it was recorded, the raw material of the engagement aggregates. `actor`
 * plus `key` is unique: the caller's idempotency key (`user:<id>` scope), or `event:<id>[:<n>]` for
 * interactions learnt from domain events, so a retried call or a redelivered event counts once.
 */
export interface InteractionDoc {
  actor: string;
  key: string;
  userId: string;
  productId: string;
  type: InteractionType;
  occurredAt: Date;
  source: 'api' | 'event';
  createdAt: Date;
}

export type InteractionModel = Model<InteractionDoc>;

const schema = new Schema<InteractionDoc>(
  {
    actor: { type: String, required: true },
    key: { type: String, required: true },
    userId: { type: String, required: true },
    productId: { type: String, required: true },
    type: { type: String, enum: INTERACTION_TYPES, required: true },
    occurredAt: { type: Date, required: true },
    source: { type: String, enum: ['api', 'event'], required: true },
    createdAt: { type: Date, required: true },
  },
  { collection: 'interactions', versionKey: false },
);
schema.index({ actor: 1, key: 1 }, { unique: true, name: 'interaction_idempotency' });
schema.index({ userId: 1, occurredAt: -1 }, { name: 'interactions_by_user' });

export function interactionModel(conn: Connection): InteractionModel {
  return modelOn<InteractionDoc>(conn, 'Interaction', schema);
}
