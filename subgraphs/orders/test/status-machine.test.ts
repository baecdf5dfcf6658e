import { describe, expect, it } from 'vitest';
import { ORDER_STATUSES, type OrderStatus } from '../src/models/order';
import { TRANSITIONS, assertTransition, canTransition, derivedSteps } from '../src/services/status-machine';

const legal: [OrderStatus, OrderStatus][] = [
  ['PENDING', 'AWAITING_PAYMENT'],
  ['PENDING', 'CANCELLED'],
  ['AWAITING_PAYMENT', 'PAID'],
  ['AWAITING_PAYMENT', 'CANCELLED'],
  ['PAID', 'PROCESSING'],
  ['PAID', 'SHIPPED'],
  ['PROCESSING', 'SHIPPED'],
  ['PROCESSING', 'REFUNDED'],
  ['PAID', 'CANCELLED'],
  ['PAID', 'REFUNDED'],
  ['SHIPPED', 'DELIVERED'],
  ['SHIPPED', 'REFUNDED'],
  ['DELIVERED', 'REFUNDED'],
  ['CANCELLED', 'REFUNDED'],
];

describe('order status machine', () => {
  it('allows exactly the lifecycle transitions; every other one is a CONFLICT', () => {
    for (const from of ORDER_STATUSES) {
      for (const to of ORDER_STATUSES) {
        const allowed = legal.some(([a, b]) => a === from && b === to);
        expect(canTransition(from, to), `${from} → ${to}`).toBe(allowed);
        if (allowed) expect(() => assertTransition(from, to)).not.toThrow();
        else
          expect(() => assertTransition(from, to)).toThrow(
            expect.objectContaining({ extensions: expect.objectContaining({ code: 'CONFLICT' }) }),
          );
      }
    }
    expect(TRANSITIONS.REFUNDED).toEqual([]);
  });

  const base = {
    total: 1000,
    currency: 'USD',
    refunds: [] as { refundId: string; amount: number; at: Date }[],
  };
  const payment = { paymentId: 'p', amount: 1000, currency: 'USD', at: new Date() };

  it('derives the steps the recorded facts call for', () => {
    expect(derivedSteps({ ...base, status: 'PENDING' })).toEqual([]);
    expect(derivedSteps({ ...base, status: 'PENDING', reservationId: 'r' }).map((s) => s.to)).toEqual([
      'AWAITING_PAYMENT',
    ]);
    expect(
      derivedSteps({ ...base, status: 'PENDING', reservationId: 'r', payment }).map((s) => s.to),
    ).toEqual(['AWAITING_PAYMENT', 'PAID']);
    // A payment short of the total does not pay the order.
    expect(
      derivedSteps({
        ...base,
        status: 'AWAITING_PAYMENT',
        reservationId: 'r',
        payment: { ...payment, amount: 999 },
      }),
    ).toEqual([]);
    expect(
      derivedSteps({
        ...base,
        status: 'AWAITING_PAYMENT',
        reservationId: 'r',
        payment: { ...payment, currency: 'EUR' },
      }),
    ).toEqual([]);
    const refunded = {
      ...base,
      payment,
      refunds: [
        { refundId: 'a', amount: 400, at: new Date() },
        { refundId: 'b', amount: 600, at: new Date() },
      ],
    };
    expect(derivedSteps({ ...refunded, status: 'CANCELLED' }).map((s) => s.to)).toEqual(['REFUNDED']);
    expect(derivedSteps({ ...refunded, status: 'DELIVERED' }).map((s) => s.to)).toEqual(['REFUNDED']);
    expect(derivedSteps({ ...refunded, status: 'REFUNDED' })).toEqual([]);
    expect(derivedSteps({ ...refunded, refunds: refunded.refunds.slice(0, 1), status: 'PAID' })).toEqual([]);
  });
});
