import { inTransaction } from '@novamart/events';
import { appError, badUserInput, conflict, ErrorCode, notFound, type SubgraphClient } from '@novamart/kit';
import { isObjectIdOrHexString, type Connection } from 'mongoose';
import { userPhoneChanged, userWishlistItemAdded, userWishlistItemRemoved } from '../events';
import { type UserModel, type UserRecord } from '../models/user';

/** E.164: a plus, a country code that does not start with 0, at most 15 digits in all. */
const E164 = /^\+[1-9]\d{6,14}$/;
export const MAX_WISHLIST = 100;

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
 * The account's phone number and wishlist, each change with its event in one transaction:
 * `user.phone_changed` (notifications sends SMS to that number) and `user.wishlist_item_added` /
 * `user.wishlist_item_removed` (recommendations counts a WISHLIST interaction).
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
    return inTransaction(this.deps.conn, async (session, outbox) => {
      const before = await this.deps.users
        .findOneAndUpdate({ _id: id }, { $set: { phone } }, { returnDocument: 'before', session })
        .lean<UserRecord>();
      if (!before) throw notFound('User');
      if ((before.phone ?? null) !== phone) outbox.add(userPhoneChanged({ userId: id, phone }));
      return { ...before, phone };
    });
  }

  /** Adds a product to the wishlist (already there: unchanged, no event). At most MAX_WISHLIST items. */
  async addToWishlist(userId: string, rawProductId: unknown): Promise<UserRecord> {
    const id = ownUserId(userId);
    const productId = productIdArg(rawProductId);
    await this.assertProductExists(productId);
    return inTransaction(this.deps.conn, async (session, outbox) => {
      const addedAt = new Date();
      const updated = await this.deps.users
        .findOneAndUpdate(
          {
            _id: id,
            'wishlist.productId': { $ne: productId },
            [`wishlist.${MAX_WISHLIST - 1}`]: { $exists: false },
          },
          { $push: { wishlist: { productId, addedAt } } },
          { returnDocument: 'after', session },
        )
        .lean<UserRecord>();
      if (updated) {
        outbox.add(userWishlistItemAdded({ userId: id, productId, addedAt: addedAt.toISOString() }));
        return updated;
      }
      const user = await this.deps.users.findById(id).session(session).lean<UserRecord>();
      if (!user) throw notFound('User');
      if (user.wishlist?.some((item) => item.productId === productId)) return user;
      throw conflict(`A wishlist holds at most ${MAX_WISHLIST} products`);
    });
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
    return inTransaction(this.deps.conn, async (session, outbox) => {
      const before = await this.deps.users
        .findOneAndUpdate(
          { _id: id },
          { $pull: { wishlist: { productId } } },
          { returnDocument: 'before', session },
        )
        .lean<UserRecord>();
      if (!before) throw notFound('User');
      const wishlist = (before.wishlist ?? []).filter((item) => item.productId !== productId);
      if (wishlist.length !== (before.wishlist ?? []).length) {
        outbox.add(userWishlistItemRemoved({ userId: id, productId }));
      }
      return { ...before, wishlist };
    });
  }
}
