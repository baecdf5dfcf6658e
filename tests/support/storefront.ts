/** Storefront steps shared by the e2e suites and the benchmarks, sent through the gateway as a client would. */
import { eventually } from '@novamart/kit/testing';
import { type GraphQLResponse, type SignedInUser, type Supergraph } from './supergraph';

/** An admin creates a product with opening stock; returns its id. */
export async function createProduct(
  sg: Supergraph,
  sku: string,
  priceAmount: number,
  initialStock: number,
  { name = `Bench ${sku}`, description = 'A product for the benchmarks' } = {},
): Promise<string> {
  const admin = await sg.admin();
  const created = mustSucceed(
    await sg.query(
      'mutation($input: ProductInput!) { createProduct(input: $input) { id } }',
      { input: { sku, name, description, priceAmount, initialStock } },
      { token: admin.token },
    ),
    'createProduct',
  );
  return created.createProduct.id;
}

/** A mutation's answer, or an Error naming the mutation and the errors it answered with. */
export function mustSucceed<T = any>(result: GraphQLResponse<T>, what: string): T {
  if (!result.data || result.errors?.length)
    throw new Error(`${what} failed: ${JSON.stringify(result.errors ?? result)}`);
  return result.data;
}

export const SHIPPING_ADDRESS = {
  name: 'Bench',
  line1: '1 Main St',
  city: 'Springfield',
  postalCode: '12345',
  country: 'US',
};

/**
 * Adds `quantity` (default one) of the product to the customer's cart and checks out at once, each
 * mutation sent exactly once (read your own writes: neither may need a retry); returns the order id
 * (status PENDING). `withEmail`: checks out with the customer's `email` (a test token's account
 * orders has not heard of). `variantId`: that variant of the product (default: its default variant).
 */
export async function checkout(
  sg: Pick<Supergraph, 'query'>,
  customer: Pick<SignedInUser, 'token'> & { email?: string },
  productId: string,
  key: string,
  {
    quantity = 1,
    shippingAddress = SHIPPING_ADDRESS,
    withEmail = false,
    variantId = null,
  }: {
    quantity?: number;
    shippingAddress?: Record<string, string>;
    withEmail?: boolean;
    variantId?: string | null;
  } = {},
): Promise<string> {
  mustSucceed(
    await sg.query(
      'mutation($p: ID!, $v: ID, $q: Int!) { addToCart(productId: $p, variantId: $v, quantity: $q) { itemCount } }',
      { p: productId, v: variantId, q: quantity },
      { token: customer.token },
    ),
    'addToCart',
  );
  const placed = mustSucceed(
    await sg.query(
      'mutation($i: CheckoutInput!) { checkout(input: $i) { id } }',
      {
        i: {
          idempotencyKey: key,
          shippingAddress,
          ...(withEmail ? { email: customer.email } : {}),
        },
      },
      { token: customer.token },
    ),
    'checkout',
  );
  return placed.checkout.id;
}

/** Waits until inventory reserved the order's stock and the order awaits payment (by event). */
export async function awaitPayment(sg: Supergraph, customer: SignedInUser, orderId: string): Promise<void> {
  await eventually(
    () =>
      sg.query('query($id: ID!) { order(id: $id) { status } }', { id: orderId }, { token: customer.token }),
    (r) => r.data?.order?.status === 'AWAITING_PAYMENT',
    { what: 'the reservation', timeoutMs: 20_000 },
  );
}

/** The customer starts paying for the order; returns the payment's id. */
export async function createPaymentIntent(
  sg: Supergraph,
  customer: SignedInUser,
  orderId: string,
): Promise<string> {
  const intent = mustSucceed(
    await sg.query(
      'mutation($o: ID!) { createPaymentIntent(orderId: $o) { id status } }',
      { o: orderId },
      { token: customer.token },
    ),
    'createPaymentIntent',
  );
  return intent.createPaymentIntent.id;
}

/** The customer confirms the payment with a payment method; the answer as it came (it may decline). */
export function confirmPayment(
  sg: Supergraph,
  customer: SignedInUser,
  paymentId: string,
  paymentMethodId: string,
): Promise<GraphQLResponse> {
  return sg.query(
    'mutation($p: ID!, $m: String!) { confirmPayment(paymentId: $p, paymentMethodId: $m) { status declineCode failureReason } }',
    { p: paymentId, m: paymentMethodId },
    { token: customer.token },
  );
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return Math.round(sorted[index]! * 10) / 10;
}

/** Waits until the customer's order has the status (a reservation, a payment: asynchronous steps). */
export async function orderReaches(
  sg: Supergraph,
  customer: SignedInUser,
  orderId: string,
  status: string,
): Promise<void> {
  await eventually(
    () =>
      sg.query('query($id: ID!) { order(id: $id) { status } }', { id: orderId }, { token: customer.token }),
    (r) => r.data?.order?.status === status,
    { what: `order ${orderId} to be ${status}` },
  );
}

/** The customer's payment intent for an order awaiting payment; returns the payment id. */
export async function paymentIntent(
  sg: Supergraph,
  customer: SignedInUser,
  orderId: string,
): Promise<string> {
  const intent = mustSucceed(
    await sg.query(
      'mutation($o: ID!) { createPaymentIntent(orderId: $o) { id } }',
      { o: orderId },
      { token: customer.token },
    ),
    'createPaymentIntent',
  );
  return intent.createPaymentIntent.id;
}

/** Confirms the payment with Stripe's test card that succeeds, and waits until the order is PAID. */
export async function payWithTestCard(
  sg: Supergraph,
  customer: SignedInUser,
  orderId: string,
  paymentId: string,
): Promise<void> {
  mustSucceed(
    await sg.query(
      'mutation($p: ID!) { confirmPayment(paymentId: $p, paymentMethodId: "pm_card_visa") { status } }',
      { p: paymentId },
      { token: customer.token },
    ),
    'confirmPayment',
  );
  await orderReaches(sg, customer, orderId, 'PAID');
}

/**
 * Pays a placed order with the test card, ships every line in one UPS parcel and delivers it (the
 * administrator as DISPATCHER): a DELIVERED order whose lines can be returned.
 */
export async function payShipAndDeliver(
  sg: Supergraph,
  customer: SignedInUser,
  orderId: string,
  trackingNumber: string,
): Promise<void> {
  await awaitPayment(sg, customer, orderId);
  await payWithTestCard(sg, customer, orderId, await paymentIntent(sg, customer, orderId));
  const admin = await sg.admin();
  const shipment = mustSucceed(
    await sg.query(
      'mutation($i: CreateShipmentInput!) { createShipment(input: $i) { id } }',
      {
        i: {
          orderId,
          lines: null,
          carrier: 'UPS',
          trackingNumber,
          trackingUrl: `https://www.ups.com/track?tracknum=${trackingNumber}`,
        },
      },
      { token: admin.token },
    ),
    'createShipment',
  ).createShipment;
  const delivered = mustSucceed(
    await sg.query(
      'mutation($s: ID!) { markShipmentDelivered(shipmentId: $s) { order { status } } }',
      { s: shipment.id },
      { token: admin.token },
    ),
    'markShipmentDelivered',
  ).markShipmentDelivered;
  if (delivered.order.status !== 'DELIVERED') throw new Error(`the order is ${delivered.order.status}`);
}
