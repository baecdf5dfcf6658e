/**
 * Gateway throughput: the storefront's product page (20 products with price and stock, two
 * subgraphs per request) through the gateway, against the real products and inventory
 * subgraphs started by the e2e harness on the embedded MongoDB, under autocannon.
 */
import autocannon from 'autocannon';
import { productsSubgraph } from '@novamart/products';
import { inventorySubgraph } from '@novamart/inventory';
import { usersSubgraph } from '@novamart/users';
import { startSupergraph, type Supergraph } from '../../tests/support/supergraph';

export interface GatewayBenchOptions {
  /** Products seeded, each with stock. Default 200. */
  products?: number;
  /** Seconds of load. Default BENCH_SECONDS or 10. */
  durationSeconds?: number;
  /** Concurrent connections. Default 10. */
  connections?: number;
  log?: (line: string) => void;
}

export interface GatewayBenchResult {
  scenario: string;
  products: number;
  connections: number;
  durationSeconds: number;
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
  /** Responses whose body differed from the page fetched before the run (GraphQL errors included). */
  mismatches: number;
  /** The gateway alone (`{ __typename }`, no subgraph call) under the same load: its fixed cost. */
  gatewayOnly: { requestsPerSecond: number; latencyP50Ms: number; latencyP99Ms: number };
}

export const PRODUCT_PAGE_QUERY = /* GraphQL */ `
  query ProductPage {
    products(first: 20) {
      totalCount
      edges {
        cursor
        node {
          id
          slug
          name
          price {
            amount
            currency
            formatted
          }
          inventory {
            available
            inStock
          }
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`;

async function seedProducts(sg: Supergraph, count: number): Promise<void> {
  const admin = await sg.admin();
  const create = 'mutation Seed($input: ProductInput!) { createProduct(input: $input) { id } }';
  const batch = 10;
  for (let start = 0; start < count; start += batch) {
    await Promise.all(
      Array.from({ length: Math.min(batch, count - start) }, async (_, offset) => {
        const n = start + offset;
        const result = await sg.query(
          create,
          {
            input: {
              sku: `BENCH-${String(n).padStart(5, '0')}`,
              name: `Bench product ${n}`,
              description: `A product for the gateway benchmark, number ${n}`,
              priceAmount: 500 + ((n * 37) % 20_000),
              currency: 'USD',
              initialStock: 10 + (n % 50),
            },
          },
          { token: admin.token },
        );
        if (result.errors) throw new Error(`seeding product ${n} failed: ${JSON.stringify(result.errors)}`);
      }),
    );
  }
}

/**
 * Waits until the page shows stock for every product on it (opening stock arrives by event), and
 * returns its exact body: every response under load must equal it.
 */
async function pageWhenStocked(sg: Supergraph, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await fetch(sg.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: PRODUCT_PAGE_QUERY }),
    });
    const text = await response.text();
    const body = JSON.parse(text) as {
      errors?: unknown;
      data?: { products?: { edges: { node: { inventory: { inStock: boolean } } }[] } };
    };
    const edges = body.data?.products?.edges ?? [];
    if (!body.errors && edges.length === 20 && edges.every((e) => e.node.inventory.inStock)) return text;
    if (Date.now() > deadline) throw new Error(`the product page never showed stock: ${text.slice(0, 300)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export async function benchGateway(options: GatewayBenchOptions = {}): Promise<GatewayBenchResult> {
  const productCount = options.products ?? 200;
  const durationSeconds = options.durationSeconds ?? Number(process.env.BENCH_SECONDS ?? 10);
  const connections = options.connections ?? 10;
  const log = options.log ?? (() => undefined);

  // users makes the admin who seeds the catalog; production mode as a deployment would run.
  const sg = await startSupergraph({
    subgraphs: [usersSubgraph, productsSubgraph, inventorySubgraph],
    env: { NODE_ENV: 'production' },
  });
  try {
    log(`gateway bench: seeding ${productCount} products with stock`);
    await seedProducts(sg, productCount);
    const expectedBody = await pageWhenStocked(sg);
    log(
      `gateway bench: ${connections} connections for ${durationSeconds} s on a 20-product page with inventory`,
    );
    const load = (query: string, expectBody: string) =>
      autocannon({
        url: sg.gatewayUrl,
        method: 'POST',
        connections,
        duration: durationSeconds,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query }),
        expectBody,
      });
    const result = await load(PRODUCT_PAGE_QUERY, expectedBody);
    log(`gateway bench: the same load on { __typename } (no subgraph call)`);
    const baseline = await load('{ __typename }', '{"data":{"__typename":"Query"}}\n');
    return {
      scenario: '20-product page with inventory (products + inventory subgraphs)',
      products: productCount,
      connections,
      durationSeconds,
      requestsPerSecond: Math.round(result.requests.average),
      latencyP50Ms: result.latency.p50,
      latencyP99Ms: result.latency.p99,
      requests: result.requests.total,
      non2xx: result.non2xx + baseline.non2xx,
      errors: result.errors + baseline.errors,
      mismatches: result.mismatches + baseline.mismatches,
      gatewayOnly: {
        requestsPerSecond: Math.round(baseline.requests.average),
        latencyP50Ms: baseline.latency.p50,
        latencyP99Ms: baseline.latency.p99,
      },
    };
  } finally {
    await sg.stop();
  }
}
