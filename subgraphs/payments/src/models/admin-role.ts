import { type Role, modelOn } from '@novamart/kit';
import { type Connection, type Model, Schema } from 'mongoose';

/**
 * Who is an administrator and since when, projected from the users subgraph's `user.registered`
 * and `user.role_changed`: refund approval rules need it (an approver must have been an admin
 * before the refund was requested, and must not have been promoted by its requester).
 */
export interface AdminRoleDoc {
  /** The user id. */
  _id: string;
  role: Role;
  /** When the current ADMIN or FINANCE tenure began (refund approvers) (the event's occurredAt); null when not an admin. */
  since: Date | null;
  /** The admin who granted the current tenure; null for ADMIN_EMAIL's bootstrap. */
  promotedBy: string | null;
  /** occurredAt of the last event applied: an older one arriving late changes nothing. */
  asOf: Date;
}

export type AdminRoleModel = Model<AdminRoleDoc>;

const adminRoleSchema = new Schema<AdminRoleDoc>(
  {
    _id: { type: String, required: true },
    role: { type: String, required: true },
    since: { type: Date, default: null },
    promotedBy: { type: String, default: null },
    asOf: { type: Date, required: true },
  },
  { collection: 'admin_roles', versionKey: false },
);

export function adminRoleModel(conn: Connection): AdminRoleModel {
  return modelOn<AdminRoleDoc>(conn, 'AdminRole', adminRoleSchema);
}
