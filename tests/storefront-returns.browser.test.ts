/**
 * Returns in the storefront: a customer asks, on the page of a delivered order, to return one unit
 * of a line (refused by the field without a reason, then requested), and a unit of the other line;
 * the administrator, in the back office's order list, rejects the first with a reason and approves
 * and receives the second; the customer, reloading the order, reads both outcomes and the refund;
 * asking for more units than were delivered is refused by the API and adds nothing. A return of
 * every line is received line by line in the back office (one written off, the others back in
 * stock), and only the restocked line's stock moves; another has only some units of a line put
 * back (a count out of range refused by that line), and exactly those units move. As
 * tests/storefront.browser.test.ts: a real browser on one real supergraph, acting as a person does
 * and waiting for visible state; the order is placed, paid and delivered through the API.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { type Locator, type Page } from 'playwright-core';
import { HARNESS_ADMIN, type SignedInUser } from './support/supergraph';
import { ALL_SUBGRAPHS } from './support/subgraphs';
import { checkout, createProduct, mustSucceed, payShipAndDeliver } from './support/storefront';
import { seriousAxeViolations, useStorefront } from './support/browser';
import { signIn, status } from './support/shopper-steps';

const JOURNEY_TIMEOUT = 240_000;
/** The machine is busy: a visible state may take a while to come, never a fixed sleep. */
const VISIBLE = { timeout: 30_000 };

const world = useStorefront({ subgraphs: ALL_SUBGRAPHS });
const { shoppers } = world;

const stamp = Date.now().toString(36).toUpperCase();
const MUG = { name: 'Returnable Mug', sku: `RET-MUG-${stamp}` };
const LAMP = { name: 'Returnable Lamp', sku: `RET-LAMP-${stamp}` };
const ids = { mug: '', lamp: '' };

const RETURNS = `query($id: ID!) { order(id: $id) {
  amountRefunded { amount formatted }
  returns { id status decisionReason restocked amount { amount formatted } lines { sku quantity } }
} }`;

/** A paid order of two mugs and a lamp, shipped in one parcel and delivered (the administrator as DISPATCHER). */
async function deliveredOrder(customer: SignedInUser): Promise<string> {
  mustSucceed(
    await world.sg.query(
      'mutation($p: ID!) { addToCart(productId: $p, quantity: 2) { itemCount } }',
      { p: ids.mug },
      { token: customer.token },
    ),
    'addToCart',
  );
  const orderId = await checkout(world.sg, customer, ids.lamp, `returns-${stamp}`);
  await payShipAndDeliver(world.sg, customer, orderId, `1Z${stamp}`);
  return orderId;
}

async function returnsOf(customer: SignedInUser, orderId: string) {
  return mustSucceed(await world.sg.query(RETURNS, { id: orderId }, { token: customer.token }), 'order')
    .order;
}

const returnForm = (page: Page) => page.getByRole('form', { name: 'Return items' });

/** The order page's returns as the customer reads them: what is returned, and where it stands. */
async function returnsShown(page: Page): Promise<string[][]> {
  const items = page.getByRole('list', { name: 'Your returns, oldest first' }).getByRole('listitem');
  const rows: string[][] = [];
  for (const item of await items.all())
    rows.push([
      await item.locator('strong').innerText(),
      await item.getByTestId('return-outcome').innerText(),
    ]);
  return rows;
}

/** Fills the return form: `quantities` by line name (the others left at 0), and the reason. */
async function fillReturn(page: Page, quantities: Record<string, number>, reason: string) {
  const form = returnForm(page);
  for (const [name, quantity] of Object.entries(quantities))
    await form.getByLabel(name, { exact: true }).fill(String(quantity));
  await form.getByLabel('Reason for the return').fill(reason);
  await form.getByRole('button', { name: 'Request return' }).click();
}

/** The customer's part before the back office: a refusal by the field, then two returns requested. */
async function customerRequestsTwoReturns(page: Page, customer: SignedInUser, orderId: string) {
  await page.goto(`/orders/${orderId}`);
  await status(page, 'DELIVERED');
  const form = returnForm(page);
  await form.waitFor(VISIBLE);

  // No reason: the API refuses it by the reason field, and writes nothing.
  await fillReturn(page, { [MUG.name]: 1 }, '');
  const reason = form.getByLabel('Reason for the return');
  await form.getByText('input.reason is required').waitFor(VISIBLE);
  await expect(reason.getAttribute('aria-invalid')).resolves.toBe('true');
  expect((await returnsOf(customer, orderId)).returns).toEqual([]);

  await fillReturn(page, { [MUG.name]: 1 }, 'The glaze is chipped');
  await page
    .getByRole('status')
    .filter({ hasText: `Return requested: 1 × ${MUG.name}.` })
    .waitFor(VISIBLE);
  await expect
    .poll(() => returnsShown(page), VISIBLE)
    .toEqual([[`Return of 1 × ${MUG.name}`, 'Waiting for our decision.']]);
  await expect(reason.getAttribute('aria-invalid')).resolves.toBeNull();

  await fillReturn(page, { [LAMP.name]: 1 }, 'Too bright for the bedroom');
  await page
    .getByRole('status')
    .filter({ hasText: `Return requested: 1 × ${LAMP.name}.` })
    .waitFor(VISIBLE);
  await expect
    .poll(() => returnsShown(page), VISIBLE)
    .toEqual([
      [`Return of 1 × ${MUG.name}`, 'Waiting for our decision.'],
      [`Return of 1 × ${LAMP.name}`, 'Waiting for our decision.'],
    ]);
  // The lamp's only unit is in a return now: the form offers the mug alone.
  await expect(form.getByLabel(LAMP.name, { exact: true }).count()).resolves.toBe(0);
}

/** In the back office's order list, the returns of the customer's order. */
async function orderReturnsInBackOffice(page: Page, email: string, orderId: string): Promise<Locator> {
  await signIn(page, HARNESS_ADMIN.email, HARNESS_ADMIN.password);
  await page.goto('/admin/orders');
  await page.getByLabel('Customer email').fill(email);
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.getByText('1 orders').waitFor(VISIBLE);
  const region = page.getByRole('region', { name: `Returns of order ${orderId.slice(-8).toUpperCase()}` });
  await region.getByText('2 awaiting a decision').waitFor(VISIBLE);
  await region.getByRole('button', { name: /^Show returns/ }).click();
  return region;
}

/** The administrator rejects the mug's return (a reason is required) and approves and receives the lamp's. */
async function adminDecides(page: Page, region: Locator): Promise<void> {
  const mugReturn = region.getByRole('listitem', { name: new RegExp(`Return of 1 × ${MUG.sku}`) });
  await mugReturn.getByRole('button', { name: 'Reject' }).click();
  const decisionReason = mugReturn.getByLabel('Reason for the decision');
  await mugReturn.getByText('reason is required').waitFor(VISIBLE);
  await expect(decisionReason.getAttribute('aria-invalid')).resolves.toBe('true');
  await decisionReason.fill('Chipped in use, not in transit');
  await mugReturn.getByRole('button', { name: 'Reject' }).click();
  await mugReturn.getByRole('status').filter({ hasText: 'Return rejected.' }).waitFor(VISIBLE);
  await mugReturn.getByText('REJECTED', { exact: true }).waitFor(VISIBLE);

  const lampReturn = region.getByRole('listitem', { name: new RegExp(`Return of 1 × ${LAMP.sku}`) });
  await lampReturn.getByRole('button', { name: 'Approve' }).click();
  await lampReturn.getByRole('status').filter({ hasText: 'Return approved' }).waitFor(VISIBLE);
  await expect(lampReturn.getByLabel('Back in stock').isChecked()).resolves.toBe(true);
  await lampReturn.getByRole('button', { name: 'Receive' }).click();
  await lampReturn
    .getByRole('status')
    .filter({ hasText: /^Return received and restocked\. Its refund of \$[\d.]+ goes to the customer\.$/ })
    .waitFor(VISIBLE);
  await lampReturn.getByText('RECEIVED', { exact: true }).waitFor(VISIBLE);
  expect(await seriousAxeViolations(page), 'the back office orders with returns').toEqual([]);
}

const STOCK = 'query($id: ID!) { product(id: $id) { inventory { onHand } } }';

async function onHand(productId: string): Promise<number> {
  const admin = await world.sg.admin();
  return mustSucceed(await world.sg.query(STOCK, { id: productId }, { token: admin.token }), 'product')
    .product.inventory.onHand;
}

/** The customer returns both mugs and the lamp in one return, which SUPPORT (the administrator) approves. */
async function approvedReturnOfEverything(customer: SignedInUser, orderId: string): Promise<string> {
  const requested = mustSucceed(
    await world.sg.query(
      'mutation($i: RequestReturnInput!) { requestReturn(input: $i) { id } }',
      {
        i: {
          orderId,
          lines: [
            { productId: ids.mug, quantity: 2 },
            { productId: ids.lamp, quantity: 1 },
          ],
          reason: 'The lamp arrived cracked; the mugs are not needed',
        },
      },
      { token: customer.token },
    ),
    'requestReturn',
  ).requestReturn;
  const admin = await world.sg.admin();
  mustSucceed(
    await world.sg.query(
      'mutation($r: ID!) { approveReturn(returnId: $r) { id } }',
      { r: requested.id },
      { token: admin.token },
    ),
    'approveReturn',
  );
  return requested.id;
}

describe('storefront returns', () => {
  beforeAll(async () => {
    const about = (name: string) => ({ name, description: `${name}, for the returns journey.` });
    ids.mug = await createProduct(world.sg, MUG.sku, 1_250, 10, about(MUG.name));
    ids.lamp = await createProduct(world.sg, LAMP.sku, 4_000, 10, about(LAMP.name));
  }, 180_000);

  it(
    'a customer requests returns of a delivered order, the back office decides and receives, the customer sees the refund',
    async () => {
      shoppers.screenshotsOnFailure('returns-journey');
      const customer = await world.sg.customer('Returner');
      const orderId = await deliveredOrder(customer);
      const page = await shoppers.open();
      await signIn(page, customer.email, customer.password);
      await customerRequestsTwoReturns(page, customer, orderId);

      const adminPage = await shoppers.open();
      await adminDecides(adminPage, await orderReturnsInBackOffice(adminPage, customer.email, orderId));

      // The API's figures, which the customer's page must show after a reload: read once, at
      // once, since receiveReturn answered with the refund (read your writes, whichever of its call
      // and return.received's delivery refunded the return).
      const after = await returnsOf(customer, orderId);
      const lamp = after.returns.find((r: { lines: { sku: string }[] }) => r.lines[0]!.sku === LAMP.sku);
      expect(lamp).toMatchObject({ status: 'RECEIVED', restocked: true });
      expect(after.amountRefunded.amount).toBe(lamp.amount.amount);
      await page.reload();
      await status(page, 'DELIVERED');
      await expect
        .poll(() => returnsShown(page), VISIBLE)
        .toEqual([
          [`Return of 1 × ${MUG.name}`, 'Rejected: Chipped in use, not in transit.'],
          [
            `Return of 1 × ${LAMP.name}`,
            `Received: a refund of ${lamp.amount.formatted} to your payment method.`,
          ],
        ]);
      await page
        .locator('dl.totals')
        .getByText(after.amountRefunded.formatted, { exact: true })
        .waitFor(VISIBLE);
      expect(await seriousAxeViolations(page), 'the order page with its returns').toEqual([]);

      // Two mugs were delivered (the rejected one may be asked for again): three is refused by the
      // line, by the API, and adds nothing.
      const form = returnForm(page);
      await fillReturn(page, { [MUG.name]: 3 }, 'All of them');
      await form.getByText(/^quantity 3 is more than the 2 delivered units/).waitFor(VISIBLE);
      await expect(form.getByLabel(MUG.name, { exact: true }).getAttribute('aria-invalid')).resolves.toBe(
        'true',
      );
      expect((await returnsOf(customer, orderId)).returns).toHaveLength(2);
      await expect.poll(() => returnsShown(page), VISIBLE).toHaveLength(2);
    },
    JOURNEY_TIMEOUT,
  );

  it(
    'the back office receives a return line by line: the cracked lamp written off, the mugs back in stock, and only their stock moves',
    async () => {
      shoppers.screenshotsOnFailure('returns-line-by-line');
      const customer = await world.sg.customer('Mixed Returner');
      const orderId = await deliveredOrder(customer);
      const returnId = await approvedReturnOfEverything(customer, orderId);
      const before = { mug: await onHand(ids.mug), lamp: await onHand(ids.lamp) };

      const page = await shoppers.open();
      await signIn(page, HARNESS_ADMIN.email, HARNESS_ADMIN.password);
      await page.goto('/admin/orders');
      await page.getByLabel('Customer email').fill(customer.email);
      await page.getByRole('button', { name: 'Filter' }).click();
      await page.getByText('1 orders').waitFor(VISIBLE);
      const region = page.getByRole('region', {
        name: `Returns of order ${orderId.slice(-8).toUpperCase()}`,
      });
      await region.getByText('1 approved, awaiting the parcel').waitFor(VISIBLE);
      await region.getByRole('button', { name: /^Show returns/ }).click();
      const row = region.getByRole('listitem', { name: new RegExp(`Return of .*${LAMP.sku}`) });
      // Each line starts as the whole return's choice (back in stock); the lamp is ticked off.
      const lampLine = row.getByLabel(`1 × ${LAMP.sku} back in stock`);
      const mugLine = row.getByLabel(`2 × ${MUG.sku} back in stock`);
      await lampLine.waitFor(VISIBLE);
      await expect(lampLine.isChecked()).resolves.toBe(true);
      await expect(mugLine.isChecked()).resolves.toBe(true);
      await lampLine.uncheck();
      expect(await seriousAxeViolations(page), 'receiving a return line by line').toEqual([]);
      await row.getByRole('button', { name: 'Receive' }).click();
      await row
        .getByRole('status')
        .filter({
          hasText:
            /^Return received: 2 back in stock, 1 written off\. Its refund of \$[\d.]+ goes to the customer\.$/,
        })
        .waitFor(VISIBLE);
      await row.getByText('RECEIVED', { exact: true }).waitFor(VISIBLE);
      await row.getByText(`Back in stock: 2 × ${MUG.sku} · Written off: 1 × ${LAMP.sku}`).waitFor(VISIBLE);

      // The API: the return records each line's choice, and only the mugs went back on hand, at
      // once (receiveReturn asked inventory before answering) and still once return.received has
      // been consumed too.
      const received = (await returnsOf(customer, orderId)).returns.find(
        (r: { id: string }) => r.id === returnId,
      );
      expect(received).toMatchObject({ status: 'RECEIVED', restocked: true });
      const lines = mustSucceed(
        await world.sg.query(
          'query($id: ID!) { order(id: $id) { returns { lines { sku restocked } } } }',
          { id: orderId },
          { token: customer.token },
        ),
        'order',
      ).order.returns[0].lines;
      expect(lines).toEqual(
        expect.arrayContaining([
          { sku: MUG.sku, restocked: true },
          { sku: LAMP.sku, restocked: false },
        ]),
      );
      expect({ mug: await onHand(ids.mug), lamp: await onHand(ids.lamp) }).toEqual({
        mug: before.mug + 2,
        lamp: before.lamp,
      });
      await world.sg.settled();
      expect({ mug: await onHand(ids.mug), lamp: await onHand(ids.lamp) }).toEqual({
        mug: before.mug + 2,
        lamp: before.lamp,
      });
    },
    JOURNEY_TIMEOUT,
  );

  it(
    'the back office puts back 1 of 2 mugs: a count out of range is refused by its line, then exactly that unit moves',
    async () => {
      shoppers.screenshotsOnFailure('returns-partial-restock');
      const customer = await world.sg.customer('Partial Returner');
      const orderId = await deliveredOrder(customer);
      const returnId = await approvedReturnOfEverything(customer, orderId);
      const before = { mug: await onHand(ids.mug), lamp: await onHand(ids.lamp) };

      const page = await shoppers.open();
      await signIn(page, HARNESS_ADMIN.email, HARNESS_ADMIN.password);
      await page.goto('/admin/orders');
      await page.getByLabel('Customer email').fill(customer.email);
      await page.getByRole('button', { name: 'Filter' }).click();
      await page.getByText('1 orders').waitFor(VISIBLE);
      const region = page.getByRole('region', {
        name: `Returns of order ${orderId.slice(-8).toUpperCase()}`,
      });
      await region.getByRole('button', { name: /^Show returns/ }).click();
      const row = region.getByRole('listitem', { name: new RegExp(`Return of .*${LAMP.sku}`) });
      // A line of several units back in stock offers how many: all of them until changed; the
      // lamp's single unit has no count.
      const mugUnits = row.getByLabel(`Units of ${MUG.sku} back in stock`);
      await mugUnits.waitFor(VISIBLE);
      await expect(mugUnits.inputValue()).resolves.toBe('2');
      await expect(row.getByLabel(`Units of ${LAMP.sku} back in stock`).count()).resolves.toBe(0);

      // More units than returned: the API refuses it by that line, and nothing is received.
      await mugUnits.fill('3');
      await row.getByRole('button', { name: 'Receive' }).click();
      await row.getByText(/^restockQuantity must be a whole number from 0 to 2/).waitFor(VISIBLE);
      await expect(mugUnits.getAttribute('aria-invalid')).resolves.toBe('true');
      expect(
        (await returnsOf(customer, orderId)).returns.find((r: { id: string }) => r.id === returnId),
      ).toMatchObject({ status: 'APPROVED' });
      expect(await seriousAxeViolations(page), 'receiving part of a line').toEqual([]);

      await mugUnits.fill('1');
      await row.getByRole('button', { name: 'Receive' }).click();
      await row
        .getByRole('status')
        .filter({
          hasText:
            /^Return received: 2 back in stock, 1 written off\. Its refund of \$[\d.]+ goes to the customer\.$/,
        })
        .waitFor(VISIBLE);
      await row.getByText('RECEIVED', { exact: true }).waitFor(VISIBLE);
      await row.getByText(`Back in stock: 1 × ${LAMP.sku} · 1 of 2 × ${MUG.sku} restocked`).waitFor(VISIBLE);

      const lines = mustSucceed(
        await world.sg.query(
          'query($id: ID!) { order(id: $id) { returns { lines { sku restocked restockedQuantity } } } }',
          { id: orderId },
          { token: customer.token },
        ),
        'order',
      ).order.returns[0].lines;
      expect(lines).toEqual(
        expect.arrayContaining([
          { sku: MUG.sku, restocked: true, restockedQuantity: 1 },
          { sku: LAMP.sku, restocked: true, restockedQuantity: 1 },
        ]),
      );
      expect({ mug: await onHand(ids.mug), lamp: await onHand(ids.lamp) }).toEqual({
        mug: before.mug + 1,
        lamp: before.lamp + 1,
      });
      await world.sg.settled();
      expect({ mug: await onHand(ids.mug), lamp: await onHand(ids.lamp) }).toEqual({
        mug: before.mug + 1,
        lamp: before.lamp + 1,
      });
    },
    JOURNEY_TIMEOUT,
  );
});
