import { modelOn } from '@novamart/kit';
import { Schema, type Connection, type Model, type Types } from 'mongoose';

/**
 * A password reset token sent by mail. Only its SHA-256 is stored (256 random bits, so a fast hash
 * is enough); it is good once, until `expiresAt`.
 */
export interface PasswordResetRecord {
  _id: Types.ObjectId;
  tokenHash: string;
  userId: Types.ObjectId;
  expiresAt: Date;
  usedAt: Date | null;
  createdAt: Date;
}

export type PasswordResetModel = Model<PasswordResetRecord>;

const passwordResetSchema = new Schema<PasswordResetRecord>(
  {
    tokenHash: { type: String, required: true, unique: true },
    userId: { type: Schema.Types.ObjectId, required: true, index: true },
    expiresAt: { type: Date, required: true, expires: 0 },
    usedAt: { type: Date, default: null },
  },
  { timestamps: { createdAt: true, updatedAt: false }, collection: 'password_resets' },
);

export function passwordResetModel(conn: Connection): PasswordResetModel {
  return modelOn<PasswordResetRecord>(conn, 'PasswordReset', passwordResetSchema);
}
