import { isDuplicateKeyError } from '@novamart/kit';
import { type DomainEvent, type EventBus, idempotentConsumer } from '@novamart/events';
import { type ClientSession, type Connection } from 'mongoose';
import { type AdminRoleModel } from '../models/admin-role';

interface RoleFact {
  userId: string;
  role: 'CUSTOMER' | 'ADMIN';
  changedBy?: string | null;
}

/** Keeps `admin_roles` (see the model) from the users subgraph's events, in a group of its own. */
export function subscribeAdminRoles(deps: { bus: EventBus; conn: Connection; admins: AdminRoleModel }): void {
  const { bus, conn, admins } = deps;
  bus.subscribe({
    group: 'payments-admins',
    types: ['user.registered', 'user.role_changed'],
    handler: idempotentConsumer(
      conn,
      'payments:admin-roles',
      async (event: DomainEvent<any>, session: ClientSession) => {
        const fact = event.payload as RoleFact;
        const at = new Date(event.occurredAt);
        const admin = fact.role === 'ADMIN';
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
      },
    ),
  });
}
