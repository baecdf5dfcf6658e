import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { buildSchema } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, type Role } from '@novamart/kit';
import {
  startSupergraph,
  type GraphQLResponse,
  type SignedInUser,
  type Supergraph,
} from './support/supergraph';
import { ALL_SUBGRAPHS } from './support/subgraphs';
import { awaitPayment, checkout, createProduct } from './support/storefront';
import { staffMember } from './support/staff';

/**
 * The permission table of docs/architecture.md ("Roles and permissions"), tried role by role
 * through the gateway: every staff operation answers FORBIDDEN to exactly the roles the table does
 * not list (UNAUTHENTICATED to nobody signed in), and the table names every mutation of the API.
 */
const DOC = readFileSync(new URL('../docs/architecture.md', import.meta.url), 'utf8');

interface Row {
  operation: string;
  who: string;
}

function documentedTable(): Row[] {
  const block = DOC.slice(DOC.indexOf('<!-- roles-table:start -->'), DOC.indexOf('<!-- roles-table:end -->'));
  return block
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => {
      const cells = line.split('|').map((cell) => cell.trim());
      return { operation: cells[1]!.replaceAll('`', ''), who: cells[3]! };
    });
}

/** The roles a staff row lists, or null for rows about customers and guests (anyone, signed in, OWNER...). */
function staffRoles(who: string): Role[] | null {
  const names = who.split(',').map((name) => name.trim());
  return names.every((name) => (ROLES as readonly string[]).includes(name)) ? (names as Role[]) : null;
}

const objectId = () => randomBytes(12).toString('hex');

let sg: Supergraph;
const tokens = {} as Record<Role, SignedInUser>;
let orderOwner: SignedInUser;
const orderIds: string[] = [];

/**
 * How each staff operation is tried: a request a permitted caller gets past authorization with
 * (it may then be NOT_FOUND, BAD_USER_INPUT or CONFLICT: nothing here exists or may change).
 */
const PROBES: Record<string, () => { document: string; variables?: Record<string, unknown> }> = {
  'Mutation.cancelOrder': () => ({
    document: 'mutation($id: ID!) { cancelOrder(id: $id, reason: "role probe") { id } }',
    variables: { id: orderIds.shift() },
  }),
  'Mutation.markOrderShipped': () => ({
    document: 'mutation($id: ID!) { markOrderShipped(id: $id, carrier: "X", trackingNumber: "1") { id } }',
    variables: { id: objectId() },
  }),
  'Mutation.markOrderDelivered': () => ({
    document: 'mutation($id: ID!) { markOrderDelivered(id: $id) { id } }',
    variables: { id: objectId() },
  }),
  'Mutation.createShipment': () => ({
    document: 'mutation($i: CreateShipmentInput!) { createShipment(input: $i) { id } }',
    variables: {
      i: { orderId: objectId(), carrier: 'X', trackingNumber: '1', trackingUrl: 'https://track.example/1' },
    },
  }),
  'Mutation.markShipmentDelivered': () => ({
    document: 'mutation($s: ID!) { markShipmentDelivered(shipmentId: $s) { id } }',
    variables: { s: objectId() },
  }),
  'Mutation.approveReturn': () => ({
    document: 'mutation($r: ID!) { approveReturn(returnId: $r) { id } }',
    variables: { r: objectId() },
  }),
  'Mutation.rejectReturn': () => ({
    document: 'mutation($r: ID!) { rejectReturn(returnId: $r, reason: "probe") { id } }',
    variables: { r: objectId() },
  }),
  'Mutation.receiveReturn': () => ({
    document: 'mutation($r: ID!) { receiveReturn(returnId: $r, restock: true) { id } }',
    variables: { r: objectId() },
  }),
  'Mutation.adjustStock': () => ({
    document: 'mutation($p: ID!) { adjustStock(productId: $p, delta: -5, reason: DAMAGE) { available } }',
    variables: { p: objectId() },
  }),
  'Mutation.setReorderLevel': () => ({
    document: 'mutation($p: ID!) { setReorderLevel(productId: $p, reorderLevel: -1) { available } }',
    variables: { p: objectId() },
  }),
  'Mutation.recordOpeningStock': () => ({
    document: 'mutation($p: ID!) { recordOpeningStock(productId: $p, quantity: -1) { available } }',
    variables: { p: objectId() },
  }),
  'Mutation.refundPayment': () => ({
    document: 'mutation($p: ID!) { refundPayment(paymentId: $p) { id } }',
    variables: { p: objectId() },
  }),
  'Mutation.approveRefund': () => ({
    document: 'mutation($r: ID!) { approveRefund(refundId: $r) { id } }',
    variables: { r: objectId() },
  }),
  'Mutation.rejectRefund': () => ({
    document: 'mutation($r: ID!) { rejectRefund(refundId: $r, reason: "probe") { id } }',
    variables: { r: objectId() },
  }),
  'Mutation.capturePayment': () => ({
    document: 'mutation($p: ID!) { capturePayment(paymentId: $p, amount: 100) { id } }',
    variables: { p: objectId() },
  }),
  'Mutation.approvePayment': () => ({
    document: 'mutation($p: ID!) { approvePayment(paymentId: $p) { id } }',
    variables: { p: objectId() },
  }),
  'Mutation.rejectPayment': () => ({
    document: 'mutation($p: ID!) { rejectPayment(paymentId: $p, reason: "probe") { id } }',
    variables: { p: objectId() },
  }),
  'Mutation.createProduct': () => ({
    document: 'mutation($i: ProductInput!) { createProduct(input: $i) { id } }',
    variables: { i: { sku: ' ', name: ' ', description: ' ', priceAmount: -1 } },
  }),
  'Mutation.updateProduct': () => ({
    document: 'mutation($id: ID!) { updateProduct(id: $id, input: { priceAmount: 1 }) { id } }',
    variables: { id: objectId() },
  }),
  'Mutation.archiveProduct': () => ({
    document: 'mutation($id: ID!) { archiveProduct(id: $id) { id } }',
    variables: { id: objectId() },
  }),
  'Mutation.setProductVariants': () => ({
    document:
      'mutation($p: ID!, $i: ProductVariantsInput!) { setProductVariants(productId: $p, input: $i) { id } }',
    variables: { p: objectId(), i: { options: [], variants: [] } },
  }),
  'Mutation.createCategory': () => ({
    document: 'mutation($i: CategoryInput!) { createCategory(input: $i) { id } }',
    variables: { i: { slug: ' ', name: ' ' } },
  }),
  'Mutation.updateCategory': () => ({
    document: 'mutation { updateCategory(slug: "no-such-category", input: { name: "x" }) { id } }',
  }),
  'Mutation.createCollection': () => ({
    document: 'mutation($i: CollectionInput!) { createCollection(input: $i) { id } }',
    variables: { i: { slug: ' ', name: ' ', type: 'MANUAL' } },
  }),
  'Mutation.updateCollection': () => ({
    document:
      'mutation { updateCollection(slug: "no-such-collection", input: { name: "x", type: MANUAL }) { id } }',
  }),
  'Mutation.createPromotion': () => ({
    document: 'mutation($i: PromotionInput!) { createPromotion(input: $i) { id } }',
    variables: { i: { name: ' ', kind: 'PERCENTAGE', percentOff: -1 } },
  }),
  'Mutation.addDiscountCode': () => ({
    document: 'mutation($p: ID!) { addDiscountCode(promotionId: $p, code: "ROLE-PROBE") { code } }',
    variables: { p: objectId() },
  }),
  'Mutation.updatePromotion': () => ({
    document: 'mutation($p: ID!) { updatePromotion(id: $p, input: { name: "Probe" }) { id } }',
    variables: { p: objectId() },
  }),
  'Mutation.setPromotionActive': () => ({
    document: 'mutation($p: ID!) { setPromotionActive(id: $p, active: false) { id } }',
    variables: { p: objectId() },
  }),
  'Mutation.deleteDiscountCode': () => ({
    document: 'mutation { deleteDiscountCode(code: "ROLE-PROBE") { id } }',
  }),
  'Mutation.saveShippingZone': () => ({
    document: 'mutation($i: ShippingZoneInput!) { saveShippingZone(input: $i) { code } }',
    variables: { i: { code: 'ROLE-PROBE', name: 'Probe', countries: [] } },
  }),
  'Mutation.deleteShippingZone': () => ({
    document: 'mutation { deleteShippingZone(code: "NO-ZONE") }',
  }),
  'Mutation.saveShippingMethod': () => ({
    document: 'mutation($i: ShippingMethodInput!) { saveShippingMethod(input: $i) { code } }',
    variables: {
      i: { zoneCode: 'NO-ZONE', code: 'X', name: 'X', type: 'STANDARD', currency: 'X', pricing: 'FLAT' },
    },
  }),
  'Mutation.deleteShippingMethod': () => ({
    document: 'mutation { deleteShippingMethod(zoneCode: "NO-ZONE", code: "NO-METHOD") }',
  }),
  'Mutation.saveTaxRate': () => ({
    document: 'mutation($i: TaxRateInput!) { saveTaxRate(input: $i) { id } }',
    variables: { i: { zoneCode: 'NO-ZONE', taxClass: 'STANDARD', name: 'X', ratePercent: -1 } },
  }),
  'Mutation.deleteTaxRate': () => ({
    document: 'mutation { deleteTaxRate(zoneCode: "NO-ZONE", taxClass: STANDARD) }',
  }),
  'Mutation.setTaxSetting': () => ({
    document: 'mutation { setTaxSetting(currency: "X", pricesIncludeTax: true) { currency } }',
  }),
  'Mutation.removeTaxSetting': () => ({
    document: 'mutation { removeTaxSetting(currency: "X") }',
  }),
  'Mutation.hideReview': () => ({
    document: 'mutation($id: ID!) { hideReview(id: $id) { id } }',
    variables: { id: objectId() },
  }),
  'Mutation.unhideReview': () => ({
    document: 'mutation($id: ID!) { unhideReview(id: $id) { id } }',
    variables: { id: objectId() },
  }),
  'Mutation.setNotificationTemplate': () => ({
    document: 'mutation($i: NotificationTemplateInput!) { setNotificationTemplate(input: $i) { type } }',
    variables: { i: { type: 'WELCOME', subject: ' ', body: ' ' } },
  }),
  'Mutation.resetNotificationTemplate': () => ({
    document: 'mutation { resetNotificationTemplate(type: WELCOME) }',
  }),
  'Mutation.setUserRole': () => ({
    document: 'mutation($u: ID!) { setUserRole(userId: $u, role: SUPPORT) { id } }',
    variables: { u: objectId() },
  }),
  'Query.orders': () => ({ document: '{ orders(first: 1) { edges { node { id } } } }' }),
  'Query.returns': () => ({ document: '{ returns(first: 1) { edges { node { id } } } }' }),
  'Query.inventoryItems': () => ({
    document: '{ inventoryItems(first: 1) { edges { cursor } } }',
  }),
  'Query.stockMovements': () => ({
    document: 'query($p: ID!) { stockMovements(productId: $p, first: 1) { edges { node { delta } } } }',
    variables: { p: objectId() },
  }),
  'Query.pendingRefundApprovals': () => ({ document: '{ pendingRefundApprovals { id } }' }),
  'Query.pendingPaymentApprovals': () => ({ document: '{ pendingPaymentApprovals { id } }' }),
  'Query.promotions': () => ({ document: '{ promotions(first: 1) { id } }' }),
  'Query.promotion': () => ({
    document: 'query($id: ID!) { promotion(id: $id) { id } }',
    variables: { id: objectId() },
  }),
  'Query.users': () => ({ document: '{ users(first: 1) { id email } }' }),
  'Query.notifications': () => ({ document: '{ notifications(first: 1) { edges { node { id } } } }' }),
  'Query.moderationReviews': () => ({
    document: '{ moderationReviews(first: 1) { edges { node { id } } } }',
  }),
  'Query.notificationTemplates': () => ({ document: '{ notificationTemplates { type } }' }),
};

beforeAll(async () => {
  sg = await startSupergraph({ subgraphs: ALL_SUBGRAPHS });
  tokens.ADMIN = await sg.admin();
  tokens.CUSTOMER = await sg.customer('Casey Customer');
  for (const role of ['SUPPORT', 'FINANCE', 'DISPATCHER'] as const)
    tokens[role] = await staffMember(sg, role);
  // cancelOrder acts on a real order (of another customer) so that the owner rule is what decides.
  orderOwner = await sg.customer('Olga Owner');
  const productId = await createProduct(sg, `ROLE-${Date.now()}`, 1_000, 50);
  for (const [i] of [...ROLES, 'anonymous'].entries()) {
    const orderId = await checkout(sg, orderOwner, productId, `role-probe-${i}`);
    await awaitPayment(sg, orderOwner, orderId);
    orderIds.push(orderId);
  }
}, 180_000);
afterAll(async () => sg?.stop());

const codeOf = (r: GraphQLResponse) => r.errors?.[0]?.extensions?.code as string | undefined;

describe('Roles and permissions (docs/architecture.md)', () => {
  const table = documentedTable();

  it('names every mutation of the API once, and a probe exists for every staff row', () => {
    const api = buildSchema(readFileSync(new URL('../schema/api.graphql', import.meta.url), 'utf8'));
    const mutations = Object.keys(api.getMutationType()!.getFields()).map((name) => `Mutation.${name}`);
    const documented = table.map((row) => row.operation);
    expect(new Set(documented).size).toBe(documented.length);
    expect(documented.filter((op) => op.startsWith('Mutation.')).sort()).toEqual(mutations.sort());
    const staffRows = table
      .filter((row) => staffRoles(row.who) && !row.operation.includes('.auditTrail'))
      .map((row) => row.operation);
    expect(staffRows.sort()).toEqual(
      Object.keys(PROBES)
        .filter((op) => op !== 'Mutation.cancelOrder')
        .sort(),
    );
  });

  for (const row of table.filter(
    (r) => (staffRoles(r.who) && PROBES[r.operation]) || r.operation === 'Mutation.cancelOrder',
  )) {
    const allowed = new Set<Role>(staffRoles(row.who) ?? ['SUPPORT', 'ADMIN']);
    it(`${row.operation}: ${row.who}`, async () => {
      const answers: Record<string, string | undefined> = {};
      for (const role of ROLES) {
        const probe = PROBES[row.operation]!();
        answers[role] = codeOf(
          await sg.query(probe.document, probe.variables, { token: tokens[role].token }),
        );
      }
      const probe = PROBES[row.operation]!();
      answers.anonymous = codeOf(await sg.query(probe.document, probe.variables));
      const expected = Object.fromEntries(
        Object.keys(answers).map((who) => [
          who,
          who === 'anonymous'
            ? row.operation === 'Mutation.cancelOrder'
              ? 'FORBIDDEN'
              : 'UNAUTHENTICATED'
            : allowed.has(who as Role)
              ? 'allowed'
              : 'FORBIDDEN',
        ]),
      );
      const seen = Object.fromEntries(
        Object.entries(answers).map(([who, code]) => [
          who,
          code === 'FORBIDDEN' || code === 'UNAUTHENTICATED' ? code : 'allowed',
        ]),
      );
      expect(seen).toEqual(expected);
    });
  }

  it('setUserRole gives each new role, and the next sign-in carries it', async () => {
    for (const role of ['SUPPORT', 'FINANCE', 'DISPATCHER'] as const) {
      const me = await sg.query('{ me { role } }', {}, { token: tokens[role].token });
      expect(me.data?.me.role).toBe(role);
    }
  });
});
