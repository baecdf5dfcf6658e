/** Storefront steps shared by the e2e suites and the benchmarks, sent through the gateway as a client would. */
import { type GraphQLResponse, type SignedInUser, type Supergraph } from './supergraph';

/**
 * Polls a read until `done` accepts its value: for what happens asynchronously (a reservation, a
 * payment), never to retry a mutation.
 */
export async function until<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value).slice(0, 400)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export async function createProduct(
  sg: Supergraph,
  sku: string,
  priceAmount: number,
  initialStock: number,
): Promise<string> {
  const admin = await sg.admin();
  const created = await sg.query(
    'mutation($input: ProductInput!) { createProduct(input: $input) { id } }',
    {
      input: {
        sku,
        name: `Bench ${sku}`,
        description: 'A product for the benchmarks',
        priceAmount,
        initialStock,
      },
    },
    { token: admin.token },
  );
  if (!created.data) throw new Error(`createProduct failed: ${JSON.stringify(created.errors)}`);
  return created.data.createProduct.id;
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
 * Adds one unit to the customer's cart and checks out at once, each mutation sent exactly once
 * (read your own writes: neither may need a retry); returns the order id (status PENDING). A
 * customer with an `email` checks out with it (a test token's account orders has not heard of).
 */
export async function checkout(
  sg: Pick<Supergraph, 'query'>,
  customer: Pick<SignedInUser, 'token'> & { email?: string },
  productId: string,
  key: string,
  { withEmail = false }: { withEmail?: boolean } = {},
): Promise<string> {
  mustSucceed(
    await sg.query(
      'mutation($p: ID!) { addToCart(productId: $p, quantity: 1) { itemCount } }',
      { p: productId },
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
          shippingAddress: SHIPPING_ADDRESS,
          ...(withEmail ? { email: customer.email } : {}),
        },
      },
      { token: customer.token },
    ),
    'checkout',
  );
  return placed.checkout.id;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return Math.round(sorted[index]! * 10) / 10;
}
