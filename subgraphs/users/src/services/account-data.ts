import { DocumentEvents } from '@novamart/events';
import { appError, badUserInput, conflict, ErrorCode, notFound, type SubgraphClient } from '@novamart/kit';
import { isObjectIdOrHexString, type Connection } from 'mongoose';
import { userPhoneChanged, userWishlistItemAdded, userWishlistItemRemoved } from '../events';
import { USERS_COLLECTION, type UserModel, type UserRecord } from '../models/user';

/** E.164: a plus, a country code that does not start with 0, at most 15 digits in all. */
const E164 = /^\+[1-9]\d{6,14}$/;
export const MAX_WISHLIST = 100;
/** A change that keeps losing its race with the account's other changes gives up (CONFLICT). */
const MAX_ATTEMPTS = 5;

function changedMeanwhile() {
  return conflict('The account was changed meanwhile; try again');
}

function ownUserId(userId: string): string {
  if (!isObjectIdOrHexString(userId)) throw notFound('User');
  return userId;
}

// Archived products resolve too: null only for an id the catalog never had.
const PRODUCT_EXISTS = `query WishlistProduct($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on Product { id } }
}`;

function productIdArg(productId: unknown): string {
  const id = typeof productId === 'string' ? productId.trim() : '';
  if (id === '' || id.length > 100) throw badUserInput('productId must be a product id', 'productId');
  return id;
}

/**
 * The account's phone number and wishlist, each change with its event in one write of the user,
 * which carries the event (`DocumentEvents`, no transaction): `user.phone_changed` (notifications
 * sends SMS to that number) and `user.wishlist_item_added` / `user.wishlist_item_removed`
 * (recommendations counts a WISHLIST interaction). The write's filter decides whether anything
 * changes, so an event is written exactly when its change is; a call that changes nothing writes
 * nothing and publishes nothing.
 */
export class AccountData {
  constructor(
    private readonly deps: { conn: Connection; users: UserModel; catalog?: SubgraphClient | null },
  ) {}

  /** `setPhone`: E.164 (spaces, dots, dashes and parentheses are dropped first); null or empty removes it. */
  async setPhone(userId: string, raw: string | null | undefined): Promise<UserRecord> {
    const id = ownUserId(userId);
    const compact = typeof raw === 'string' ? raw.replace(/[\s().-]/g, '') : '';
    const phone = compact === '' ? null : compact;
    if (phone !== null && !E164.test(phone)) {
      throw badUserInput('phone must be an E.164 number such as +15551234567', 'phone');
    }
    const { users, conn } = this.deps;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      // Only an account holding another number (or none) is written: the event is the write's.
      const events = new DocumentEvents([userPhoneChanged({ userId: id, phone })]);
      const updated = await users
        .findOneAndUpdate({ _id: id, phone: { $ne: phone } }, events.update({ $set: { phone } }), {
          returnDocument: 'after',
        })
        .lean<UserRecord>();
      if (updated) {
        events.written(conn, USERS_COLLECTION, updated._id);
        return updated;
      }
      const user = await users.findById(id).lean<UserRecord>();
      if (!user) throw notFound('User');
      if ((user.phone ?? null) === phone) return user;
      // Another number was set between the two commands: decide again.
    }
    throw changedMeanwhile();
  }

  /** Adds a product to the wishlist (already there: unchanged, no event). At most MAX_WISHLIST items. */
  async addToWishlist(userId: string, rawProductId: unknown): Promise<UserRecord> {
    const id = ownUserId(userId);
    const productId = productIdArg(rawProductId);
    await this.assertProductExists(productId);
    const { users, conn } = this.deps;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const addedAt = new Date();
      const events = new DocumentEvents([
        userWishlistItemAdded({ userId: id, productId, addedAt: addedAt.toISOString() }),
      ]);
      // Not there yet and room left: the filter decides, so the event is written only with the item.
      const updated = await users
        .findOneAndUpdate(
          {
            _id: id,
            'wishlist.productId': { $ne: productId },
            [`wishlist.${MAX_WISHLIST - 1}`]: { $exists: false },
          },
          events.update({ $push: { wishlist: { productId, addedAt } } }),
          { returnDocument: 'after' },
        )
        .lean<UserRecord>();
      if (updated) {
        events.written(conn, USERS_COLLECTION, updated._id);
        return updated;
      }
      const user = await users.findById(id).lean<UserRecord>();
      if (!user) throw notFound('User');
      if (user.wishlist?.some((item) => item.productId === productId)) return user;
      if ((user.wishlist?.length ?? 0) >= MAX_WISHLIST)
        throw conflict(`A wishlist holds at most ${MAX_WISHLIST} products`);
      // Room was made between the two commands: decide again.
    }
    throw changedMeanwhile();
  }

  /**
   * The catalog's answer, not a projection's: a product created just before is found (read your
   * writes), one that never existed is NOT_FOUND on `productId`. Without the products subgraph
   * (service tests) the id is taken as given.
   */
  private async assertProductExists(productId: string): Promise<void> {
    const { catalog } = this.deps;
    if (!catalog) return;
    const { _entities } = await catalog.request<{ _entities: ({ id: string } | null)[] }>(PRODUCT_EXISTS, {
      representations: [{ __typename: 'Product', id: productId }],
    });
    if (!_entities[0])
      throw appError(ErrorCode.NOT_FOUND, 'Product not found', { productId, field: 'productId' });
  }

  /** Removes a product from the wishlist (not there: unchanged, no event). */
  async removeFromWishlist(userId: string, rawProductId: unknown): Promise<UserRecord> {
    const id = ownUserId(userId);
    const productId = productIdArg(rawProductId);
    const { users, conn } = this.deps;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const events = new DocumentEvents([userWishlistItemRemoved({ userId: id, productId })]);
      // Only a wishlist holding the product is written: the event is the write's.
      const updated = await users
        .findOneAndUpdate(
          { _id: id, 'wishlist.productId': productId },
          events.update({ $pull: { wishlist: { productId } } }),
          { returnDocument: 'after' },
        )
        .lean<UserRecord>();
      if (updated) {
        events.written(conn, USERS_COLLECTION, updated._id);
        return updated;
      }
      const user = await users.findById(id).lean<UserRecord>();
      if (!user) throw notFound('User');
      if (!user.wishlist?.some((item) => item.productId === productId)) return user;
      // The product was added between the two commands: decide again.
    }
    throw changedMeanwhile();
  }
}
