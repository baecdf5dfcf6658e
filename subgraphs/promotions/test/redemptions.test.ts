import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subscribeConsumers } from '@novamart/events';
import { failure, startServiceHarness, type ServiceHarness } from '@novamart/kit/testing';
import { promotionsConsumer } from '../src/events/handlers';
import { createPromotionsServices, type PromotionsServices } from '../src/services';

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
