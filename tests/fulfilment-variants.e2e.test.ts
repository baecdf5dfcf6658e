import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notificationsSubgraph } from '@novamart/notifications';
import { eventually } from '@novamart/kit/testing';
import {
  startSupergraph,
  type GraphQLResponse,
  type SignedInUser,
  type Supergraph,
} from './support/supergraph';
import { awaitPayment, checkout, mustSucceed, paymentIntent, payWithTestCard } from './support/storefront';
import { CHECKOUT_SUBGRAPHS } from './support/subgraphs';

/**
 * Shipments and returns of variants through the gateway: an order of a blue M and two blue L of one
 * T-shirt, shipped in two parcels line by line (variantId), the blue L returned: its stock back on
 * hand, the blue M's unchanged, the refund exactly that line's amount. Without a variantId the line
 * would be the default variant's (Red / M, whose id is the product's), which is not in the order:
 * the line is ambiguous (BAD_USER_INPUT on variantId).
 */
const CREATE = `mutation($input: ProductInput!) {
  createProduct(input: $input) { id variants { id title } }
}`;
const ADJUST = `mutation($p: ID!, $v: ID, $d: Int!) {
  adjustStock(productId: $p, variantId: $v, delta: $d, reason: PURCHASE) { available }
}`;
const STOCK = `query($id: ID!) { product(id: $id) { variants { id inventory { onHand available } } } }`;
const CREATE_SHIPMENT = `mutation($i: CreateShipmentInput!) { createShipment(input: $i) {
  id amount { amount } lines { variantId variant { id } product { id } quantity amount { amount } }
  order { status }
} }`;
const REQUEST_RETURN = `mutation($i: RequestReturnInput!) { requestReturn(input: $i) {
  id amount { amount } lines { variantId quantity amount { amount } }
} }`;
const ORDER = `query($id: ID!) { order(id: $id) { status total { amount } amountRefunded { amount } } }`;

function codeAndField(result: GraphQLResponse) {
  const error = result.errors?.[0];
  return { code: error?.extensions?.code, field: error?.extensions?.field };
}

describe('shipments and returns of variants through the gateway', () => {
  let sg: Supergraph;
  let admin: SignedInUser;
  let dispatcher: SignedInUser;
  let support: SignedInUser;
  let customer: SignedInUser;
  let productId: string;
  let blueM: string;
  let blueL: string;
  let orderId: string;
  const shipmentIds: string[] = [];

  const as = (user: SignedInUser) => ({ token: user.token });
  const stockOf = async (variantId: string) => {
    const product = mustSucceed(await sg.query(STOCK, { id: productId }, as(admin)), 'product').product;
    return product.variants.find((v: { id: string }) => v.id === variantId).inventory;
  };
  const ship = (lines: Record<string, unknown>[], tracking: string) =>
    sg.query(
      CREATE_SHIPMENT,
      {
        i: {
          orderId,
          lines,
          carrier: 'UPS',
          trackingNumber: tracking,
          trackingUrl: `https://t.example/${tracking}`,
        },
      },
      as(dispatcher),
    );

  async function staff(role: string): Promise<SignedInUser> {
    const user = await sg.customer(role.toLowerCase());
    mustSucceed(
      await sg.query(
        'mutation($id: ID!, $role: Role!) { setUserRole(userId: $id, role: $role) { role } }',
        { id: user.userId, role },
        as(admin),
      ),
      'setUserRole',
    );
    return sg.login(user.email, user.password);
  }

  beforeAll(async () => {
    sg = await startSupergraph({
      subgraphs: [...CHECKOUT_SUBGRAPHS, notificationsSubgraph],
    });
    admin = await sg.admin();
    dispatcher = await staff('DISPATCHER');
    support = await staff('SUPPORT');
    customer = await sg.customer('Ada');
    const sku = `VTEE-${randomUUID().slice(0, 8)}`;
    const created = mustSucceed(
      await sg.query(
        CREATE,
        {
          input: {
            sku,
            name: 'Crew T-shirt',
            description: 'Two sizes, two colours',
            priceAmount: 1_900,
            options: [
              { name: 'Colour', values: ['Red', 'Blue'] },
              { name: 'Size', values: ['M', 'L'] },
            ],
            variants: ['Red', 'Blue'].flatMap((colour) =>
              ['M', 'L'].map((size) => ({
                sku: `${sku}-${colour}-${size}`,
                options: [
                  { name: 'Colour', value: colour },
                  { name: 'Size', value: size },
                ],
                ...(size === 'L' ? { priceAmount: 2_100 } : {}),
              })),
            ),
          },
        },
        as(admin),
      ),
      'createProduct',
    ).createProduct;
    productId = created.id;
    const byTitle = (title: string) => created.variants.find((v: { title: string }) => v.title === title).id;
    blueM = byTitle('Blue / M');
    blueL = byTitle('Blue / L');
    for (const v of [blueM, blueL]) {
      mustSucceed(await sg.query(ADJUST, { p: productId, v, d: 5 }, as(admin)), 'adjustStock');
    }
    mustSucceed(
      await sg.query(
        'mutation($p: ID!, $v: ID) { addToCart(productId: $p, variantId: $v, quantity: 1) { itemCount } }',
        { p: productId, v: blueM },
        as(customer),
      ),
      'addToCart',
    );
    orderId = await checkout(sg, customer, productId, 'fulfilment-variants-1', {
      variantId: blueL,
      quantity: 2,
    });
    await awaitPayment(sg, customer, orderId);
    await payWithTestCard(sg, customer, orderId, await paymentIntent(sg, customer, orderId));
  }, 90_000);
  afterAll(async () => sg?.stop());

  it('ships two variants of one product in two parcels, line by line', async () => {
    const ambiguous = await ship([{ productId, quantity: 1 }], 'AMB');
    expect(codeAndField(ambiguous)).toEqual({ code: 'BAD_USER_INPUT', field: 'input.lines[0].variantId' });
    const stranger = await ship([{ productId, variantId: 'not-a-variant', quantity: 1 }], 'STR');
    expect(codeAndField(stranger)).toEqual({ code: 'BAD_USER_INPUT', field: 'input.lines[0].variantId' });

    const first = mustSucceed(
      await ship([{ productId, variantId: blueL, quantity: 2 }], 'BLUE'),
      'ship',
    ).createShipment;
    expect(first).toMatchObject({
      amount: { amount: 4_200 },
      lines: [
        {
          variantId: blueL,
          variant: { id: blueL },
          product: { id: productId },
          quantity: 2,
          amount: { amount: 4_200 },
        },
      ],
      order: { status: 'PROCESSING' },
    });
    // The blue M is still to ship: more blue L than ordered is refused, the blue M ships.
    const tooMany = await ship([{ productId, variantId: blueL, quantity: 1 }], 'MORE');
    expect(codeAndField(tooMany)).toEqual({ code: 'BAD_USER_INPUT', field: 'input.lines[0].quantity' });
    const second = mustSucceed(
      await ship([{ productId, variantId: blueM, quantity: 1 }], 'BLUEM'),
      'ship',
    ).createShipment;
    expect(second).toMatchObject({
      amount: { amount: 1_900 },
      lines: [{ variantId: blueM, quantity: 1, amount: { amount: 1_900 } }],
      order: { status: 'SHIPPED' },
    });
    shipmentIds.push(first.id, second.id);
    for (const id of shipmentIds) {
      mustSucceed(
        await sg.query(
          'mutation($s: ID!) { markShipmentDelivered(shipmentId: $s) { id } }',
          { s: id },
          as(dispatcher),
        ),
        'deliver',
      );
    }
  });

  it('returns the blue L: that variant restocked, the blue M unchanged, refunded exactly that line', async () => {
    expect(await stockOf(blueL)).toMatchObject({ onHand: 3, available: 3 });
    expect(await stockOf(blueM)).toMatchObject({ onHand: 4, available: 4 });
    const requested = mustSucceed(
      await sg.query(
        REQUEST_RETURN,
        { i: { orderId, lines: [{ productId, variantId: blueL, quantity: 2 }], reason: 'Too big' } },
        as(customer),
      ),
      'requestReturn',
    ).requestReturn;
    expect(requested).toMatchObject({
      amount: { amount: 4_200 },
      lines: [{ variantId: blueL, quantity: 2, amount: { amount: 4_200 } }],
    });
    mustSucceed(
      await sg.query(
        'mutation($r: ID!) { approveReturn(returnId: $r) { status } }',
        { r: requested.id },
        as(support),
      ),
      'approve',
    );
    mustSucceed(
      await sg.query(
        'mutation($r: ID!) { receiveReturn(returnId: $r, restock: true) { status } }',
        { r: requested.id },
        as(dispatcher),
      ),
      'receive',
    );
    await eventually(
      () => stockOf(blueL),
      (stock) => stock?.onHand === 5 && stock?.available === 5,
      { what: 'the returned blue L back in stock' },
    );
    expect(await stockOf(blueM)).toMatchObject({ onHand: 4, available: 4 });
    const refunded = await eventually(
      async () => (await sg.query(ORDER, { id: orderId }, as(customer))).data?.order,
      (o) => o?.amountRefunded.amount > 0,
      { what: 'the return refund' },
    );
    expect(refunded.amountRefunded).toEqual({ amount: 4_200 });
    expect(refunded.status).toBe('DELIVERED');
  });
});
