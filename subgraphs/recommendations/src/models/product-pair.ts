import { modelOn } from '@novamart/kit';
import { type Connection, type Model, Schema } from 'mongoose';

/**
 * How often products `a` and `b` went together, stored once per direction so that one index
 * serves "neighbours of a". The self pair (a, a) holds a's own totals: orders containing a
 * (coPurchases) and users who engaged with a (coInteractions), the denominators of the scores.
 */
export interface ProductPairDoc {
  _id: string;
  a: string;
  b: string;
  /** Paid orders holding both. */
  coPurchases: number;
  /** Users who interacted with both. */
  coInteractions: number;
  /** coPurchases + coInteractions: the strength of the link for personal recommendations. */
  affinity: number;
}

export type ProductPairModel = Model<ProductPairDoc>;

export const pairId = (a: string, b: string): string => `${a}|${b}`;

const schema = new Schema<ProductPairDoc>(
  {
    _id: { type: String, required: true },
    a: { type: String, required: true },
    b: { type: String, required: true },
    coPurchases: { type: Number, default: 0 },
    coInteractions: { type: Number, default: 0 },
    affinity: { type: Number, default: 0 },
  },
  { collection: 'product_pairs', versionKey: false },
);
schema.index({ a: 1, coPurchases: -1, b: 1 }, { name: 'pairs_bought_together' });
schema.index({ a: 1, affinity: -1, b: 1 }, { name: 'pairs_by_affinity' });

export function productPairModel(conn: Connection): ProductPairModel {
  return modelOn<ProductPairDoc>(conn, 'ProductPair', schema);
}
