import { pendingEventsPath, type PendingEvent } from '@novamart/events';
import { modelOn } from '@novamart/kit';
import { Schema, type Connection, type Model, type Types } from 'mongoose';

/**
 * A password reset token sent by mail. Only its SHA-256 is stored (256 random bits, so a fast hash
 * is enough); it is good once, until `expiresAt`. The `user.password_reset_requested` event that
 * mails the token travels on the reset (`pendingEvents`, never read) until its relay published it.
 */
export interface PasswordResetRecord {
  _id: Types.ObjectId;
  tokenHash: string;
  userId: Types.ObjectId;
  expiresAt: Date;
  usedAt: Date | null;
  createdAt: Date;
  /** Its events until the relay has published them; never read (`pendingEventsPath`). */
  pendingEvents?: PendingEvent[];
}

export type PasswordResetModel = Model<PasswordResetRecord>;

/** Its documents carry their own events (`DocumentEvents`): the users relay reads them here. */
export const PASSWORD_RESETS_COLLECTION = 'password_resets';

const passwordResetSchema = new Schema<PasswordResetRecord>(
  {
    tokenHash: { type: String, required: true, unique: true },
    userId: { type: Schema.Types.ObjectId, required: true, index: true },
    expiresAt: { type: Date, required: true, expires: 0 },
    usedAt: { type: Date, default: null },
    pendingEvents: pendingEventsPath,
  },
  { timestamps: { createdAt: true, updatedAt: false }, collection: PASSWORD_RESETS_COLLECTION },
);

export function passwordResetModel(conn: Connection): PasswordResetModel {
  return modelOn<PasswordResetRecord>(conn, 'PasswordReset', passwordResetSchema);
}
