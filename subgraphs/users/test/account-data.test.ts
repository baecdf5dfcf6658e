import { commandStats, runWithRequestId } from '@novamart/kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_WISHLIST } from '../src/services/account-data';
import { failure, serviceBed, type ServiceBed } from './support';

let bed: ServiceBed;
let userId: string;
beforeEach(async () => {
  bed = await serviceBed();
  const user = await bed.services.registration.register({
    email: 'ada@example.com',
    password: 'Analytical1',
  });
  userId = user._id.toHexString();
});
afterEach(() => bed.close());

let requests = 0;
/** What `fn` did, and the MongoDB commands it sent by name (as the subgraph counts a request's). */
async function counted<T>(fn: () => Promise<T>): Promise<{ result: T; commands: Record<string, number> }> {
  const requestId = `users-account-data-${Date.now()}-${++requests}`;
  const result = await runWithRequestId(requestId, fn);
  return { result, commands: commandStats.forRequest(requestId).byCommand };
}

/** The account as stored, once every event it carried is published and pulled off. */
async function storedAccount() {
  await bed.events.settled('user.*');
  const raw = await bed.conn.collection('users').findOne({ email: 'ada@example.com' });
  return raw!;
}

describe('phone number', () => {
  it('writes the number and its user.phone_changed in ONE command, and publishes the event', async () => {
    const { result, commands } = await counted(() =>
      bed.services.accountData.setPhone(userId, '+1 555 123 4567'),
    );
    // One findAndModify carries the change and its event: no outbox insert, no commitTransaction
    // (it was three commands in a transaction).
    expect(commands).toEqual({ findAndModify: 1 });
    expect(result.phone).toBe('+15551234567');
    expect(result).not.toHaveProperty('pendingEvents');

    const [event] = await bed.events.waitFor('user.phone_changed');
    expect(event!.aggregateId).toBe(userId);
    expect(event!.payload).toEqual({ userId, phone: '+15551234567' });
    // Published, the event is gone from the account; the number stays.
    const raw = await storedAccount();
    expect(raw.phone).toBe('+15551234567');
    expect(raw.pendingEvents).toEqual([]);
  });

  it('publishes nothing when the number stays, and user.phone_changed with null when it is removed', async () => {
    await bed.services.accountData.setPhone(userId, '+15551234567');
    const same = await counted(() => bed.services.accountData.setPhone(userId, '+1 (555) 123-4567'));
    // The write's filter finds nothing to change; the read answers the account as it is.
    expect(same.commands).toEqual({ findAndModify: 1, find: 1 });
    expect(same.result.phone).toBe('+15551234567');
    expect((await bed.services.accountData.setPhone(userId, '')).phone).toBeNull();
    expect((await bed.services.accountData.setPhone(userId, null)).phone).toBeNull();
    expect((await bed.events.settled('user.phone_changed')).map((e) => e.payload.phone)).toEqual([
      '+15551234567',
      null,
    ]);
  });

  it('refuses a malformed number and an unknown account, writing nothing', async () => {
    expect(await failure(bed.services.accountData.setPhone(userId, '555-1234'))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'phone',
    });
    expect(
      await failure(bed.services.accountData.setPhone('6650f0c2a1b2c3d4e5f60718', '+15551234567')),
    ).toMatchObject({ code: 'NOT_FOUND' });
    expect(await bed.events.settled('user.phone_changed')).toHaveLength(0);
    expect((await storedAccount()).phone).toBeNull();
  });
});

describe('wishlist', () => {
  it('adds and removes a product, each in ONE command carrying its event, and publishes both', async () => {
    const added = await counted(() => bed.services.accountData.addToWishlist(userId, 'p-1'));
    expect(added.commands).toEqual({ findAndModify: 1 });
    expect(added.result.wishlist!.map((item) => item.productId)).toEqual(['p-1']);
    const removed = await counted(() => bed.services.accountData.removeFromWishlist(userId, 'p-1'));
    expect(removed.commands).toEqual({ findAndModify: 1 });
    expect(removed.result.wishlist).toEqual([]);

    const [addedEvent] = await bed.events.waitFor('user.wishlist_item_added');
    expect(addedEvent!.payload).toEqual({ userId, productId: 'p-1', addedAt: expect.any(String) });
    const [removedEvent] = await bed.events.waitFor('user.wishlist_item_removed');
    expect(removedEvent!.payload).toEqual({ userId, productId: 'p-1' });
    expect((await storedAccount()).pendingEvents).toEqual([]);
  });

  it('publishes nothing for a product already there or not there, and refuses a full wishlist', async () => {
    await bed.services.accountData.addToWishlist(userId, 'p-1');
    expect((await bed.services.accountData.addToWishlist(userId, 'p-1')).wishlist).toHaveLength(1);
    expect((await bed.services.accountData.removeFromWishlist(userId, 'p-2')).wishlist).toHaveLength(1);
    expect(await bed.events.settled('user.wishlist_item_added')).toHaveLength(1);
    expect(bed.events.ofType('user.wishlist_item_removed')).toHaveLength(0);

    const full = Array.from({ length: MAX_WISHLIST }, (_, i) => ({
      productId: `f-${i}`,
      addedAt: new Date(),
    }));
    await bed.conn.collection('users').updateOne({ email: 'ada@example.com' }, { $set: { wishlist: full } });
    expect(await failure(bed.services.accountData.addToWishlist(userId, 'p-3'))).toMatchObject({
      code: 'CONFLICT',
    });
    expect(await bed.events.settled('user.wishlist_item_added')).toHaveLength(1);
    expect((await storedAccount()).wishlist).toHaveLength(MAX_WISHLIST);
  });
});
