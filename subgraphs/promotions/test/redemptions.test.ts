import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subscribeConsumers } from '@novamart/events';
import { failure, startServiceHarness, type ServiceHarness } from '@novamart/kit/testing';
import { promotionsConsumer } from '../src/events/handlers';
import { createPromotionsServices, type PromotionsServices } from '../src/services';
import { type PromotionModel } from '../src/models/promotion';
import { PromotionAdmin } from '../src/services/promotion-admin';

const admin = { id: 'admin-1', role: 'ADMIN' as const };
let clock = new Date('2026-06-01T12:00:00Z');
let h: ServiceHarness<PromotionsServices>;

beforeAll(async () => {
  h = await startServiceHarness<PromotionsServices>({
    name: 'promotions',
    services: ({ conn, logger }) => createPromotionsServices({ conn, logger, now: () => clock }),
    consumers: (bus, conn, services) =>
      subscribeConsumers(bus, conn, [promotionsConsumer(services.discounts)]),
    observe: ['promotion.*'],
  });
});
afterAll(() => h?.close());

const cart = (codes: string[], customer: { userId?: string; email?: string } | null, amount = 10_000) => ({
  currency: 'USD',
  lines: [{ productId: 'p-1', quantity: 1, unitAmount: amount }],
  codes,
  customer,
  shippingAmount: 499,
});

const usesOf = async (id: string) => (await h.services.promotions.findById(id).lean())!;

describe('redemptions', () => {
  it('are idempotent per order, released once when the order is cancelled before payment', async () => {
    const promo = await h.services.admin.create(admin, {
      name: 'Twice',
      kind: 'PERCENTAGE',
      percentOff: 10,
      usageLimit: 2,
      codes: ['TWICE'],
    });
    const first = await h.services.discounts.redeem('order-1', cart(['twice'], { userId: 'u-1' }));
    const again = await h.services.discounts.redeem('order-1', cart(['TWICE'], { userId: 'u-1' }));
    expect(again).toEqual(first);
    expect(first).toMatchObject({ discountTotal: 1000, discounts: [{ code: 'TWICE', amount: 1000 }] });
    expect(await usesOf(promo._id)).toMatchObject({ usesLeft: 1, timesRedeemed: 1 });

    await h.publish('order.placed', 'order-1', {
      orderId: 'order-1',
      userId: 'u-1',
      email: 'u1@example.com',
      cartId: 'c-1',
      lines: [{ productId: 'p-1', sku: 'P-1', name: 'P', quantity: 1, unitAmount: 10_000 }],
      subtotal: 10_000,
      shippingCost: 499,
      total: 9_499,
      currency: 'USD',
    });
    const cancelled = {
      orderId: 'order-1',
      userId: 'u-1',
      email: 'u1@example.com',
      reason: 'changed my mind',
      wasPaid: false,
    };
    await h.publish('order.cancelled', 'order-1', cancelled);
    await h.publish('order.cancelled', 'order-1', cancelled);
    expect(await usesOf(promo._id)).toMatchObject({ usesLeft: 2, timesRedeemed: 0 });
    expect(
      h.published.filter((e) => e.type === 'promotion.released' && e.aggregateId === 'order-1'),
    ).toHaveLength(1);
    // A released order's redemptions are not handed out again.
    expect((await failure(h.services.discounts.redeem('order-1', cart(['TWICE'], null)))).code).toBe(
      'CONFLICT',
    );
  });

  it('counts a per-customer limit by account and by email, so a guest checkout cannot repeat it', async () => {
    await h.services.admin.create(admin, {
      name: 'Once',
      kind: 'FIXED_AMOUNT',
      amountOff: 500,
      currency: 'USD',
      perCustomerLimit: 1,
      codes: ['ONCE'],
    });
    await h.services.discounts.redeem('order-2', cart(['ONCE'], { userId: 'u-2', email: 'Two@Example.com' }));
    const asGuest = await failure(
      h.services.discounts.redeem('order-3', cart(['ONCE'], { email: 'two@example.com' })),
    );
    expect(asGuest).toMatchObject({ code: 'BAD_USER_INPUT', field: 'code', reason: 'ALREADY_USED' });
    const quote = await h.services.discounts.quote(cart(['ONCE'], { userId: 'u-2' }));
    expect(quote).toMatchObject({ discounts: [], rejectedCodes: [{ code: 'ONCE', reason: 'ALREADY_USED' }] });
    // Another customer may.
    await h.services.discounts.redeem('order-4', cart(['ONCE'], { email: 'someone@example.com' }));
  });

  it('a hold whose order never appeared is released by the sweeper; a placed order keeps it', async () => {
    const promo = await h.services.admin.create(admin, {
      name: 'Held',
      kind: 'PERCENTAGE',
      percentOff: 5,
      usageLimit: 5,
      codes: ['HELD'],
    });
    await h.services.discounts.redeem('order-lost', cart(['HELD'], null));
    await h.services.discounts.redeem('order-kept', cart(['HELD'], null));
    await h.publish('order.placed', 'order-kept', {
      orderId: 'order-kept',
      userId: null,
      email: 'g@example.com',
      cartId: 'c-2',
      lines: [{ productId: 'p-1', sku: 'P-1', name: 'P', quantity: 1, unitAmount: 10_000 }],
      subtotal: 10_000,
      shippingCost: 499,
      total: 9_999,
      currency: 'USD',
    });
    expect(await h.services.sweeper.sweepOnce()).toBe(0); // not held long enough yet
    clock = new Date(clock.getTime() + 16 * 60_000);
    // order-lost, and the orders of the test above that were never placed either.
    expect(await h.services.sweeper.sweepOnce()).toBe(3);
    const statuses = await h.conn
      .collection('redemptions')
      .find({ orderId: { $in: ['order-lost', 'order-kept'] } })
      .toArray();
    expect(Object.fromEntries(statuses.map((r) => [r.orderId, [r.status, r.releaseReason ?? null]]))).toEqual(
      {
        'order-lost': ['RELEASED', 'ORDER_NOT_PLACED'],
        'order-kept': ['REDEEMED', null],
      },
    );
    expect(await usesOf(promo._id)).toMatchObject({ usesLeft: 4, timesRedeemed: 1 });
    expect(await h.services.sweeper.sweepOnce()).toBe(0);
  });
});

describe('changing the usage limit of a promotion in use', () => {
  const limited = (name: string, usageLimit: number | null, code: string) =>
    h.services.admin.create(admin, { name, kind: 'PERCENTAGE', percentOff: 10, usageLimit, codes: [code] });
  const redeem = (orderId: string, code: string) => h.services.discounts.redeem(orderId, cart([code], null));
  const setLimit = (id: string, usageLimit: number | null) => h.services.admin.update(id, { usageLimit });
  const counts = (usageLimit: number | null, usesLeft: number | null, timesRedeemed: number) => ({
    usageLimit,
    usesLeft,
    timesRedeemed,
  });

  it('raised on a used-up promotion, its code works again for as many more uses', async () => {
    const promo = await limited('Sold out', 2, 'SOLDOUT');
    await redeem('limit-1', 'SOLDOUT');
    await redeem('limit-2', 'SOLDOUT');
    expect(await failure(redeem('limit-3', 'SOLDOUT'))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'code',
      reason: 'EXHAUSTED',
    });

    expect(await setLimit(promo._id, 3)).toMatchObject(counts(3, 1, 2));
    expect(await redeem('limit-3', 'SOLDOUT')).toMatchObject({ discounts: [{ code: 'SOLDOUT' }] });
    expect(await failure(redeem('limit-4', 'SOLDOUT'))).toMatchObject({ reason: 'EXHAUSTED' });
    expect(await usesOf(promo._id)).toMatchObject(counts(3, 0, 3));
  });

  it('lowered, the redemptions beyond it are refused; never below the uses made, which writes nothing', async () => {
    const promo = await limited('Too generous', 10, 'GENEROUS');
    await redeem('lower-1', 'GENEROUS');
    await redeem('lower-2', 'GENEROUS');
    expect(await setLimit(promo._id, 3)).toMatchObject(counts(3, 1, 2));
    await redeem('lower-3', 'GENEROUS');
    expect(await failure(redeem('lower-4', 'GENEROUS'))).toMatchObject({ reason: 'EXHAUSTED' });

    const before = await usesOf(promo._id);
    const below = await failure(h.services.admin.update(promo._id, { name: 'Never saved', usageLimit: 2 }));
    expect(below).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.usageLimit', timesRedeemed: 3 });
    expect(await usesOf(promo._id)).toEqual(before);
    // Equal to the uses made: allowed, the promotion stays used up.
    expect(await setLimit(promo._id, 3)).toMatchObject(counts(3, 0, 3));
  });

  it('null removes the limit, and a limit set again counts the uses made meanwhile', async () => {
    const promo = await limited('Open', 1, 'OPENUP');
    await redeem('open-1', 'OPENUP');
    expect(await setLimit(promo._id, null)).toMatchObject(counts(null, null, 1));
    await redeem('open-2', 'OPENUP');
    await redeem('open-3', 'OPENUP');
    // Left out: the limit stays. (A name is stored as written, even one that looks like a field path.)
    expect(await h.services.admin.update(promo._id, { name: '$1 off, open' })).toMatchObject({
      name: '$1 off, open',
      usageLimit: null,
      usesLeft: null,
    });
    expect(await setLimit(promo._id, 5)).toMatchObject(counts(5, 2, 3));
  });

  it('refuses a limit that is not a whole number from 1, writing nothing', async () => {
    const promo = await limited('Strict', 4, 'STRICT');
    const before = await usesOf(promo._id);
    for (const usageLimit of [0, -1, 1.5, Number.NaN]) {
      const refused = await failure(h.services.admin.update(promo._id, { name: 'Never saved', usageLimit }));
      expect(refused, String(usageLimit)).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'input.usageLimit',
      });
    }
    expect(await usesOf(promo._id)).toEqual(before);
  });

  it('racing redemptions, releases and changes of the limit, leaves usesLeft = usageLimit − timesRedeemed', async () => {
    const promo = await limited('Busy', 100, 'BUSY');
    for (let i = 0; i < 5; i++) await redeem(`busy-first-${i}`, 'BUSY');
    const storm = Promise.all([
      ...Array.from({ length: 20 }, (_, i) => redeem(`busy-${i}`, 'BUSY')),
      ...[0, 1, 2].map((i) => h.services.discounts.release(`busy-first-${i}`, 'ORDER_NOT_PLACED')),
    ]);
    let done = false;
    void storm.finally(() => (done = true));
    // The limit changes while they run, once after each redemption or release commits (changed
    // without a pause, it would keep the redemptions' transactions conflicting), a few more reads
    // later each time, so that the changes land at every step of the next one's transaction; every
    // limit is at least the 25 uses there can be, so that none is refused.
    const limits = [40, 30, 50, 25, 35];
    let changes = 0;
    while (!done) {
      const updated = await h.services.admin.update(promo._id, {
        usageLimit: limits[changes++ % limits.length],
      });
      expect(updated.usesLeft).toBe(updated.usageLimit! - updated.timesRedeemed);
      let seen = updated.timesRedeemed;
      while (!done && seen === updated.timesRedeemed) seen = (await usesOf(promo._id)).timesRedeemed;
      for (let read = 0; read < changes % 8; read++) await usesOf(promo._id);
    }
    await storm;
    expect(changes).toBeGreaterThan(1);
    const after = await usesOf(promo._id);
    const live = await h.conn
      .collection('redemptions')
      .countDocuments({ promotionId: promo._id, status: 'REDEEMED' });
    expect(after.timesRedeemed).toBe(5 - 3 + 20);
    expect(live).toBe(after.timesRedeemed);
    expect(after.usageLimit).toBe(limits[(changes - 1) % limits.length]);
    expect(after.usesLeft).toBe(after.usageLimit! - after.timesRedeemed);
  });
});

describe('two changes of one promotion decided on the same read', () => {
  /** The model, its first `readers` reads of a promotion held until all of them have read. */
  function readsTogether(model: PromotionModel, readers: number): PromotionModel {
    let arrived = 0;
    let allRead!: () => void;
    const together = new Promise<void>((resolve) => (allRead = resolve));
    return new Proxy(model, {
      get(target, key, receiver) {
        if (key !== 'findById') return Reflect.get(target, key, receiver);
        return (id: string) => ({
          lean: async () => {
            const doc = await target.findById(id).lean();
            if (arrived < readers) {
              if (++arrived === readers) allRead();
              await together;
            }
            return doc;
          },
        });
      },
    });
  }

  it("in the same millisecond, the second is decided again on the first one's result (not written over it)", async () => {
    // The clock stands still: both changes carry the same updatedAt, so only the revision tells them apart.
    const promo = await h.services.admin.create(admin, {
      name: 'Window',
      kind: 'PERCENTAGE',
      percentOff: 10,
      endsAt: new Date('2026-07-01T00:00:00Z'),
    });
    const racing = new PromotionAdmin({
      conn: h.conn,
      promotions: readsTogether(h.services.promotions, 2),
      codes: h.services.codes,
      now: () => clock,
    });
    const [ends, starts] = await Promise.allSettled([
      racing.update(promo._id, { endsAt: new Date('2026-06-10T00:00:00Z') }),
      racing.update(promo._id, { startsAt: new Date('2026-06-20T00:00:00Z') }),
    ]);
    expect(ends.status).toBe('fulfilled');
    // Decided again on the promotion that now ends on June 10, a start on June 20 is refused.
    expect(starts.status === 'rejected' && starts.reason).toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', field: 'input.endsAt' },
    });
    const saved = await usesOf(promo._id);
    expect(saved.startsAt < saved.endsAt!).toBe(true);
    expect(saved).toMatchObject({ endsAt: new Date('2026-06-10T00:00:00Z'), revision: 1 });
  });
});
