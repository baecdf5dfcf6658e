import { modelOn } from '@novamart/kit';
import { Schema, type Connection, type Model, type Types } from 'mongoose';

/**
 * One issued refresh token. Only its SHA-256 is stored (the token is 256 random bits, so a fast
 * hash is enough). Tokens issued from one login form a family; a rotated token stays on record
 * until it expires so that presenting it again is recognised as reuse.
 */
export interface RefreshTokenRecord {
  _id: Types.ObjectId;
  tokenHash: string;
  familyId: string;
  userId: Types.ObjectId;
  expiresAt: Date;
  rotatedAt: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
}

export type RefreshTokenModel = Model<RefreshTokenRecord>;

const refreshTokenSchema = new Schema<RefreshTokenRecord>(
  {
    tokenHash: { type: String, required: true, unique: true },
    familyId: { type: String, required: true, index: true },
    userId: { type: Schema.Types.ObjectId, required: true, index: true },
    // Expired records are useless (an expired token is refused either way): let MongoDB drop them.
    expiresAt: { type: Date, required: true, expires: 0 },
    rotatedAt: { type: Date, default: null },
    revokedAt: { type: Date, default: null },
  },
  { timestamps: { createdAt: true, updatedAt: false }, collection: 'refresh_tokens' },
);

export function refreshTokenModel(conn: Connection): RefreshTokenModel {
  return modelOn<RefreshTokenRecord>(conn, 'RefreshToken', refreshTokenSchema);
}
