/**
 * The back office's returns queue (`/admin/returns`): a customer's delivered order gets a return
 * request; a SUPPORT user, whose "Back office" link leads to the queue, finds it awaiting a
 * decision, is refused a rejection without a reason (by the field), approves it, finds it awaiting
 * the parcel and receives it, each action taking it out of the list it was in. A DISPATCHER is
 * offered no decision; a customer who opens the queue is refused, by the page and by the API. As
 * tests/storefront-returns.browser.test.ts: a real browser on one real supergraph; the order is
 * placed, paid and delivered through the API.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { type Page } from 'playwright-core';
import { ALL_SUBGRAPHS } from './support/subgraphs';
import { checkout, createProduct, mustSucceed, payShipAndDeliver } from './support/storefront';
import { seriousAxeViolations, useStorefront } from './support/browser';
import { signIn } from './support/shopper-steps';
import { staffMember } from './support/staff';

const JOURNEY_TIMEOUT = 240_000;
/** The machine is busy: a visible state may take a while to come, never a fixed sleep. */
const VISIBLE = { timeout: 30_000 };

const world = useStorefront({ subgraphs: ALL_SUBGRAPHS });
const { shoppers } = world;

const stamp = Date.now().toString(36).toUpperCase();
const KETTLE = { name: 'Queued Kettle', sku: `QUEUE-KETTLE-${stamp}` };
let kettleId = '';

const QUEUE = '{ returns(filter: { status: REQUESTED }) { totalCount } }';

/** The queue's row of the kettle's return (named by its title, as the order list's rows are). */
const kettleReturn = (page: Page) =>
  page
    .getByRole('list', { name: 'Returns, oldest request first' })
    .getByRole('listitem', { name: new RegExp(`Return of 1 × ${KETTLE.sku}`) });

async function showQueue(page: Page, label: string): Promise<void> {
  await page.getByLabel('Show returns').selectOption({ label });
}

/** A customer's delivered order of one kettle, whose return they requested through the API. */
async function requestedReturn(name: string, key: string) {
  const customer = await world.sg.customer(name);
  const orderId = await checkout(world.sg, customer, kettleId, `${key}-${stamp}`);
  await payShipAndDeliver(world.sg, customer, orderId, `1Z${key.toUpperCase()}${stamp}`);
  mustSucceed(
    await world.sg.query(
      'mutation($i: RequestReturnInput!) { requestReturn(input: $i) { id } }',
      { i: { orderId, lines: [{ productId: kettleId, quantity: 1 }], reason: 'It whistles off key' } },
      { token: customer.token },
    ),
    'requestReturn',
  );
  return { customer, orderId };
}

describe('the back office returns queue', () => {
  beforeAll(async () => {
    kettleId = await createProduct(world.sg, KETTLE.sku, 3_500, 10, {
      name: KETTLE.name,
      description: `${KETTLE.name}, for the returns queue journey.`,
    });
  }, 180_000);

  it(
    'support approves a requested return in the queue, then receives it from the approved list',
    async () => {
      shoppers.screenshotsOnFailure('returns-queue-journey');
      const { customer, orderId } = await requestedReturn('Queued Returner', 'queue');

      const support = await staffMember(world.sg, 'SUPPORT', 'Queue Support');
      const page = await shoppers.open();
      await signIn(page, support.email, support.password);
      await page.getByRole('link', { name: 'Back office' }).click();
      await page.getByRole('heading', { name: 'Returns', level: 1 }).waitFor(VISIBLE);
      // SUPPORT's back office is the queue and review moderation.
      const nav = page.getByRole('navigation', { name: 'Back office' });
      await expect(nav.getByRole('link').allInnerTexts()).resolves.toEqual(['Returns', 'Reviews']);

      const row = kettleReturn(page);
      await row.waitFor(VISIBLE);
      await row.getByText(`Order ${orderId.slice(-8).toUpperCase()}`).waitFor(VISIBLE);
      await row.getByText(customer.email, { exact: false }).waitFor(VISIBLE);
      await row.getByText("Customer's reason: It whistles off key", { exact: false }).waitFor(VISIBLE);
      expect(await seriousAxeViolations(page), 'the returns queue').toEqual([]);

      // No reason: the rejection is refused by the field, and the return stays in the queue.
      await row.getByRole('button', { name: 'Reject' }).click();
      await row.getByText('reason is required').waitFor(VISIBLE);
      await expect(row.getByLabel('Reason for the decision').getAttribute('aria-invalid')).resolves.toBe(
        'true',
      );

      await row.getByRole('button', { name: 'Approve' }).click();
      await page.getByRole('status').filter({ hasText: 'Return approved' }).waitFor(VISIBLE);
      await row.waitFor({ state: 'detached', ...VISIBLE });

      await showQueue(page, 'Awaiting the parcel');
      await row.getByText('APPROVED', { exact: true }).waitFor(VISIBLE);
      await row.getByLabel('Written off').check();
      await row.getByRole('button', { name: 'Receive' }).click();
      await page
        .getByRole('status')
        .filter({
          hasText: /^Return received and written off\. Its refund of \$[\d.]+ goes to the customer\.$/,
        })
        .waitFor(VISIBLE);
      await row.waitFor({ state: 'detached', ...VISIBLE });

      await showQueue(page, 'Received');
      await row.getByText('Written off', { exact: true }).waitFor(VISIBLE);
      // Every return whatever its status: this one among them, as received.
      await showQueue(page, 'All returns');
      await row
        .filter({ hasText: `Order ${orderId.slice(-8).toUpperCase()}` })
        .getByText('Written off', { exact: true })
        .waitFor(VISIBLE);
      const received = mustSucceed(
        await world.sg.query(
          'query($id: ID!) { order(id: $id) { returns { status restocked } } }',
          { id: orderId },
          { token: customer.token },
        ),
        'order',
      ).order;
      expect(received.returns).toEqual([{ status: 'RECEIVED', restocked: false }]);
    },
    JOURNEY_TIMEOUT,
  );

  it(
    "a DISPATCHER's queue starts on the parcels awaited and offers no decision on a requested return",
    async () => {
      const { orderId } = await requestedReturn('Dispatched Returner', 'dispatch');
      const dispatcher = await staffMember(world.sg, 'DISPATCHER', 'Queue Dispatcher');
      const page = await shoppers.open();
      await signIn(page, dispatcher.email, dispatcher.password);
      await page.getByRole('link', { name: 'Back office' }).click();
      await page.getByRole('heading', { name: 'Returns', level: 1 }).waitFor(VISIBLE);
      await expect(page.getByLabel('Show returns').inputValue()).resolves.toBe('APPROVED');
      await showQueue(page, 'Awaiting a decision');
      const row = page
        .getByRole('list', { name: 'Returns, oldest request first' })
        .getByRole('listitem')
        .filter({ hasText: `Order ${orderId.slice(-8).toUpperCase()}` });
      await row.getByText("Awaiting support's decision.").waitFor(VISIBLE);
      await expect(row.getByRole('button').count()).resolves.toBe(0);
    },
    JOURNEY_TIMEOUT,
  );

  it(
    'a customer cannot open the queue: the page says so and the API answers FORBIDDEN',
    async () => {
      const customer = await world.sg.customer('Curious Customer');
      const page = await shoppers.open();
      await signIn(page, customer.email, customer.password);
      await expect(page.getByRole('link', { name: 'Back office' }).count()).resolves.toBe(0);
      await page.goto('/admin/returns');
      await page.getByText('This part of the back office is not open to your account.').waitFor(VISIBLE);
      await expect(page.getByRole('list', { name: 'Returns, oldest request first' }).count()).resolves.toBe(
        0,
      );
      const refused = await world.sg.query(QUEUE, {}, { token: customer.token });
      expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    },
    JOURNEY_TIMEOUT,
  );
});
