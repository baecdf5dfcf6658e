/**
 * Issue 12, point 6: whoever reaches Redis could XADD a forged `payment.succeeded` and an order
 * became PAID with its stock sold. With EVENTS_SIGNING_KEY every entry carries an HMAC of the
 * event, and the orders subgraph dead-letters an unsigned or wrongly signed one before its handler
 * runs: the order keeps waiting for a real payment, which still goes through.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { requireRedis, eventually } from '@novamart/kit/testing';
import { createEvent, serializeEvent, signEvent } from '@novamart/events';
import { startSupergraph, type Supergraph } from '../support/supergraph';
import { checkout, createProduct, orderReaches, paymentIntent, payWithTestCard } from '../support/storefront';
import { CHECKOUT_SUBGRAPHS } from '../support/subgraphs';

let sg: Supergraph;
let redis: Redis;
beforeAll(async () => {
  redis = await requireRedis();
  sg = await startSupergraph({
    subgraphs: CHECKOUT_SUBGRAPHS,
    redis: true,
    env: { EVENTS_SIGNING_KEY: randomBytes(32).toString('base64url') },
  });
}, 120_000);
afterAll(async () => {
  await sg?.stop();
  await redis?.quit();
});

describe('events forged on Redis', () => {
  it('an unsigned or wrongly signed payment.succeeded is dead-lettered; the order stays unpaid until a real payment', async () => {
    const customer = await sg.customer('Victim of forgery');
    const productId = await createProduct(sg, `FORGE-${randomUUID().slice(0, 8)}`, 2500, 10);
    const orderId = await checkout(sg, customer, productId, randomUUID());
    const orderStatus = async () =>
      (
        await sg.query(
          'query($id: ID!) { order(id: $id) { status } }',
          { id: orderId },
          { token: customer.token },
        )
      ).data?.order?.status as string | undefined;
    await orderReaches(sg, customer, orderId, 'AWAITING_PAYMENT');

    const stream = `${sg.keyPrefix}:events:payment`;
    /** An entry as an intruder on Redis writes it: unsigned, or signed with a key they guessed. */
    const forge = (guessedKey: string | null) => {
      const event = createEvent('payment.succeeded', orderId, {
        paymentId: randomUUID(),
        orderId,
        userId: customer.userId,
        amount: 2500,
        currency: 'USD',
        provider: 'fake',
      });
      const serialized = serializeEvent(event);
      const fields = ['id', event.id, 'type', event.type, 'event', serialized];
      if (guessedKey !== null) fields.push('sig', signEvent(serialized, guessedKey));
      return { event, fields };
    };
    const unsigned = forge(null);
    const guessed = forge('a-guessed-key-0123456789');
    for (const { fields } of [unsigned, guessed]) await redis.xadd(stream, '*', ...fields);

    const dead = await eventually(
      () => sg.bus.deadLetters('orders'),
      (letters) => letters.filter((l) => l.event.aggregateId === orderId).length === 2,
      { what: 'both forgeries dead-lettered by the orders subgraph' },
    );
    const mine = dead.filter((l) => l.event.aggregateId === orderId);
    expect(mine.map((l) => l.event.id).sort()).toEqual([unsigned.event.id, guessed.event.id].sort());
    for (const letter of mine) expect(letter.error).toMatch(/signature/);
    expect(await orderStatus()).toBe('AWAITING_PAYMENT');

    // The genuine path, signed by the payments subgraph, still pays the order.
    await payWithTestCard(sg, customer, orderId, await paymentIntent(sg, customer, orderId));
  }, 90_000);
});
