import { badUserInput, conflict, loadByIds, notFound, type Logger } from '@novamart/kit';
import { DocumentEvents, inTransaction } from '@novamart/events';
import { isObjectIdOrHexString, Types, type Connection } from 'mongoose';
import { userRoleChanged } from '../events';
import {
  ROLES,
  USERS_COLLECTION,
  type AddressRecord,
  type Role,
  type UserModel,
  type UserRecord,
} from '../models/user';
import { parseAddress, parsePageSize, type AddressInput } from './validation';

export const MAX_ADDRESSES = 20;
/** A role change that keeps losing its race with the account's other role changes gives up (CONFLICT). */
const MAX_ROLE_ATTEMPTS = 5;

const DEFAULT_FIELDS = ['defaultShippingAddressId', 'defaultBillingAddressId'] as const;

/** The address id as stored; a malformed id or user id finds nothing (NOT_FOUND). */
function ownedAddressId(userId: string, addressId: string): Types.ObjectId {
  if (!isObjectIdOrHexString(userId) || !isObjectIdOrHexString(addressId)) throw notFound('Address');
  return new Types.ObjectId(addressId);
}

/** The default address of the book, or null when none is set (or it was deleted). */
export function defaultAddress(user: UserRecord, kind: 'SHIPPING' | 'BILLING'): AddressRecord | null {
  const id = kind === 'SHIPPING' ? user.defaultShippingAddressId : user.defaultBillingAddressId;
  if (!id) return null;
  return user.addresses.find((address) => address._id.equals(id)) ?? null;
}

export interface DirectoryDeps {
  conn: Connection;
  users: UserModel;
  /** A role change ends the user's sessions: a token must not keep a role its holder lost. */
  endAllSessions: (userId: string) => Promise<unknown>;
  logger: Logger;
}

/** Reading accounts, their address book, and roles. */
export class UserDirectory {
  constructor(private readonly deps: DirectoryDeps) {}

  async findById(id: string): Promise<UserRecord | null> {
    if (!isObjectIdOrHexString(id)) return null;
    return this.deps.users.findById(id).lean<UserRecord>();
  }

  /** A DataLoader batch function: one `$in` query for the whole batch, results in input order. */
  findByIds = (ids: readonly string[]): Promise<(UserRecord | null)[]> =>
    loadByIds(this.deps.users, ids) as Promise<(UserRecord | null)[]>;

  /** Oldest first; `after` is the id of the last user of the previous page. */
  async list(options: { first: number; after?: string | null }): Promise<UserRecord[]> {
    const first = parsePageSize(options.first);
    const filter: Record<string, unknown> = {};
    if (options.after != null) {
      if (!isObjectIdOrHexString(options.after)) throw badUserInput('after must be a user id', 'after');
      filter._id = { $gt: new Types.ObjectId(options.after) };
    }
    return this.deps.users.find(filter).sort({ _id: 1 }).limit(first).lean<UserRecord[]>();
  }

  async addAddress(userId: string, input: AddressInput): Promise<AddressRecord> {
    if (!isObjectIdOrHexString(userId)) throw notFound('User');
    const address: AddressRecord = { _id: new Types.ObjectId(), ...parseAddress(input) };
    // The size check sits in the filter so that concurrent additions cannot overshoot it.
    const updated = await this.deps.users.updateOne(
      { _id: userId, [`addresses.${MAX_ADDRESSES - 1}`]: { $exists: false } },
      { $push: { addresses: address } },
    );
    if (updated.matchedCount === 0) {
      if (!(await this.deps.users.exists({ _id: userId }))) throw notFound('User');
      throw badUserInput(`An account holds at most ${MAX_ADDRESSES} addresses`, 'input');
    }
    return address;
  }

  /** Replaces an address of the caller's book (same id, defaults kept); someone else's or unknown is NOT_FOUND. */
  async updateAddress(userId: string, addressId: string, input: AddressInput): Promise<AddressRecord> {
    const id = ownedAddressId(userId, addressId);
    const address: AddressRecord = { _id: id, ...parseAddress(input) };
    const updated = await this.deps.users.updateOne(
      { _id: userId, 'addresses._id': id },
      { $set: { 'addresses.$': address } },
    );
    if (updated.matchedCount === 0) throw notFound('Address');
    return address;
  }

  /** Removes an address of the caller's book, and its use as a default; unknown is NOT_FOUND. */
  async deleteAddress(userId: string, addressId: string): Promise<boolean> {
    const id = ownedAddressId(userId, addressId);
    // One transaction: the entry and any default pointing at it go together.
    await inTransaction(this.deps.conn, async (session) => {
      const removed = await this.deps.users.updateOne(
        { _id: userId, 'addresses._id': id },
        { $pull: { addresses: { _id: id } } },
        { session },
      );
      if (removed.matchedCount === 0) throw notFound('Address');
      for (const field of DEFAULT_FIELDS) {
        await this.deps.users.updateOne(
          { _id: userId, [field]: id },
          { $set: { [field]: null } },
          { session },
        );
      }
    });
    return true;
  }

  /** Makes an address of the caller's book the default for shipping or billing; answers the user. */
  async setDefaultAddress(
    userId: string,
    addressId: string,
    kind: 'SHIPPING' | 'BILLING',
  ): Promise<UserRecord> {
    const id = ownedAddressId(userId, addressId);
    const field = kind === 'SHIPPING' ? 'defaultShippingAddressId' : 'defaultBillingAddressId';
    const user = await this.deps.users
      .findOneAndUpdate(
        { _id: userId, 'addresses._id': id },
        { $set: { [field]: id } },
        { returnDocument: 'after' },
      )
      .lean<UserRecord>();
    if (!user) throw notFound('Address');
    return user;
  }

  /**
   * Changes a user's role and publishes `user.role_changed`. Refuses to demote the last
   * administrator, which would lock everyone out of the admin fields.
   */
  async setRole(userId: string, role: Role, changedBy: string | null = null): Promise<UserRecord> {
    if (!ROLES.includes(role)) throw badUserInput(`role must be one of ${ROLES.join(', ')}`, 'role');
    if (!isObjectIdOrHexString(userId)) throw notFound('User');
    const { user, changed } = await this.writeRole(userId, role, changedBy);
    if (!changed) return user;
    await this.deps.endAllSessions(userId);
    this.deps.logger.info({ userId, role, changedBy }, 'user role set; sessions ended');
    return user;
  }

  /**
   * The role's one write, carrying its event (`DocumentEvents`, no transaction): a compare-and-set
   * of the role read, so that the event's `previousRole` is the role this write replaced. When the
   * role changed between the read and the write, reads again and decides again. The same role:
   * nothing written, nothing published.
   */
  private async writeRole(
    userId: string,
    role: Role,
    changedBy: string | null,
  ): Promise<{ user: UserRecord; changed: boolean }> {
    const { users, conn } = this.deps;
    for (let attempt = 1; attempt <= MAX_ROLE_ATTEMPTS; attempt++) {
      const before = await users.findById(userId).lean<UserRecord>();
      if (!before) throw notFound('User');
      if (before.role === role) return { user: before, changed: false };
      if (
        before.role === 'ADMIN' &&
        (await users.countDocuments({ role: 'ADMIN', _id: { $ne: before._id } })) === 0
      ) {
        throw conflict('Cannot remove the role of the last administrator');
      }
      const events = new DocumentEvents([
        userRoleChanged({
          userId: before._id.toHexString(),
          email: before.email,
          role,
          previousRole: before.role,
          changedBy,
        }),
      ]);
      const updated = await users
        .findOneAndUpdate({ _id: before._id, role: before.role }, events.update({ $set: { role } }), {
          returnDocument: 'after',
        })
        .lean<UserRecord>();
      if (updated) {
        events.written(conn, USERS_COLLECTION, updated._id);
        return { user: updated, changed: true };
      }
    }
    throw conflict('The role was changed meanwhile; try again');
  }
}
