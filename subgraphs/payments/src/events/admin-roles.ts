import { type Role } from '@novamart/kit';
import { isDuplicateKeyError } from '@novamart/kit';
import { type ConsumerDeclaration } from '@novamart/events';
import { type ClientSession } from 'mongoose';
import { type AdminRoleModel } from '../models/admin-role';

/** Keeps `admin_roles` (see the model) from the users subgraph's events, in a group of its own. */
export function adminRolesConsumer(admins: AdminRoleModel): ConsumerDeclaration {
  const record = async (
    fact: { userId: string; role: Role; changedBy?: string | null },
    occurredAt: string,
    session: ClientSession,
  ) => {
    const at = new Date(occurredAt);
    // FINANCE approves refunds too: its tenure counts like an administrator's.
    const admin = fact.role === 'ADMIN' || fact.role === 'FINANCE';
    await admins
      .updateOne(
        { _id: fact.userId, $or: [{ asOf: { $lte: at } }, { asOf: { $exists: false } }] },
        {
          $set: {
            role: fact.role,
            since: admin ? at : null,
            promotedBy: admin ? (fact.changedBy ?? null) : null,
            asOf: at,
          },
        },
        { session, upsert: true },
      )
      .catch((error: unknown) => {
        // The filter missed an existing, newer record: the upsert collided with it. Nothing to do.
        if (!isDuplicateKeyError(error)) throw error;
      });
  };
  return {
    group: 'payments-admins',
    consumer: 'payments:admin-roles',
    handlers: {
      'user.registered': (event, { session }) => record(event.payload, event.occurredAt, session),
      'user.role_changed': (event, { session }) => record(event.payload, event.occurredAt, session),
    },
  };
}
