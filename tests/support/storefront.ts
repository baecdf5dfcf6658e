/** Storefront steps shared by the e2e suites and the benchmarks, sent through the gateway as a client would. */
import { type GraphQLResponse, type SignedInUser, type Supergraph } from './supergraph';

/** Polls `probe` until `done` accepts its value: projections catch up through events, not at once. */
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

/** Fills the customer's cart and checks out; returns the order id (status PENDING). */
export async function checkout(
  sg: Supergraph,
  customer: SignedInUser,
  productId: string,
  key: string,
): Promise<string> {
  await until(
    () =>
      sg.query(
        'mutation($p: ID!) { addToCart(productId: $p, quantity: 1) { itemCount } }',
        { p: productId },
        { token: customer.token },
      ),
    (r) => (r.data?.addToCart?.itemCount ?? 0) >= 1,
    'addToCart',
  );
  const input = {
    idempotencyKey: key,
    shippingAddress: {
      name: 'Bench',
      line1: '1 Main St',
      city: 'Springfield',
      postalCode: '12345',
      country: 'US',
    },
  };
  const placed = await until<GraphQLResponse>(
    () =>
      sg.query(
        'mutation($i: CheckoutInput!) { checkout(input: $i) { id } }',
        { i: input },
        { token: customer.token },
      ),
    (r) => !!r.data?.checkout,
    'checkout',
  );
  return placed.data!.checkout.id;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return Math.round(sorted[index]! * 10) / 10;
}
