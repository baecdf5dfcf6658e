import { pendingEventsPath, type PendingEvent } from '@novamart/events';
import { ROLES, type Role, modelOn } from '@novamart/kit';
import { Schema, type Connection, type Model, type Types } from 'mongoose';

export { ROLES, type Role };

export interface AddressRecord {
  _id: Types.ObjectId;
  name: string;
  line1: string;
  line2: string | null;
  city: string;
  region: string | null;
  postalCode: string;
  country: string;
  phone: string | null;
}

/** The pending email verification: only the code's hash is kept. */
export interface EmailVerificationRecord {
  codeHash: string;
  expiresAt: Date;
  attempts: number;
}

export interface UserRecord {
  _id: Types.ObjectId;
  email: string;
  name: string | null;
  role: Role;
  emailVerifiedAt: Date | null;
  addresses: AddressRecord[];
  /** E.164 (+15551234567): where text messages go; null when none is set. */
  phone?: string | null;
  /** Product ids, oldest first (the account's wishlist). */
  wishlist?: { productId: string; addedAt: Date }[];
  /** Ids of entries of `addresses`; null when none is chosen (or the chosen one was deleted). */
  defaultShippingAddressId?: Types.ObjectId | null;
  defaultBillingAddressId?: Types.ObjectId | null;
  createdAt: Date;
  updatedAt: Date;
  /** Its events until the relay has published them; never read (`pendingEventsPath`). */
  pendingEvents?: PendingEvent[];
}

/** Secrets are `select: false`: only the services that need them ask for them by name. */
export interface UserSecrets {
  passwordHash: string;
  verification: EmailVerificationRecord | null;
}

export type UserModel = Model<UserRecord & UserSecrets>;

const addressSchema = new Schema<AddressRecord>(
  {
    name: { type: String, required: true },
    line1: { type: String, required: true },
    line2: { type: String, default: null },
    city: { type: String, required: true },
    region: { type: String, default: null },
    // "" where the country has no postal codes (kit's normalizePostalCode), which `required` refuses.
    postalCode: { type: String, default: '' },
    country: { type: String, required: true },
    phone: { type: String, default: null },
  },
  { _id: true },
);

const verificationSchema = new Schema<EmailVerificationRecord>(
  {
    codeHash: { type: String, required: true },
    expiresAt: { type: Date, required: true },
    attempts: { type: Number, required: true, default: 0 },
  },
  { _id: false },
);

/** Its documents carry their own events (`DocumentEvents`): the users relay reads them here. */
export const USERS_COLLECTION = 'users';

const userSchema = new Schema<UserRecord & UserSecrets>(
  {
    // Normalised (trimmed, lower-cased) before it gets here; unique is what makes register race-free.
    email: { type: String, required: true, unique: true },
    passwordHash: { type: String, required: true, select: false },
    name: { type: String, default: null },
    role: { type: String, enum: ROLES, required: true, default: 'CUSTOMER' },
    emailVerifiedAt: { type: Date, default: null },
    verification: { type: verificationSchema, default: null, select: false },
    addresses: { type: [addressSchema], default: [] },
    phone: { type: String, default: null },
    wishlist: { type: [{ _id: false, productId: String, addedAt: Date }], default: [] },
    defaultShippingAddressId: { type: Schema.Types.ObjectId, default: null },
    defaultBillingAddressId: { type: Schema.Types.ObjectId, default: null },
    pendingEvents: pendingEventsPath,
  },
  { timestamps: true, collection: USERS_COLLECTION },
);

export function userModel(conn: Connection): UserModel {
  return modelOn<UserRecord & UserSecrets>(conn, 'User', userSchema);
}
