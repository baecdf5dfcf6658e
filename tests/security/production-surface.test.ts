/**
 * What a stranger sees of a production deployment (NODE_ENV=production), through the gateway and
 * straight at a subgraph port: no introspection, no "Did you mean" suggestions, no landing page,
 * Sandbox or GraphiQL (production has no setting that turns them on), no stack traces or messages
 * of unexpected errors (an INTERNAL_SERVER_ERROR with the errorId of the log line), no /metrics
 * or /debug on the public ports (METRICS_PORT serves them on 127.0.0.1), the security headers,
 * and no CORS grant unless CORS_ORIGINS names the origin (issue 12).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'graphql';
import type { SubgraphModule } from '@novamart/kit';
import { usersSubgraph } from '@novamart/users';
import { productsSubgraph } from '@novamart/products';
import { startSupergraph, type GraphQLResponse, type Supergraph } from '../support/supergraph';

/** What the leaked message or stack of an unexpected error would contain. */
const SECRET = 'mongodb://root:hunter2@db.internal:27017';

/** A subgraph whose resolver fails the way a bug does: a plain Error with internals in its message. */
const faultySubgraph: SubgraphModule = {
  name: 'faulty',
  port: 4099,
  async create() {
    return {
      typeDefs: parse(`
        extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
        type Query { faultyField: String }
      `),
      resolvers: {
        Query: {
          faultyField: () => {
            throw new Error(`connect ECONNREFUSED ${SECRET}`);
          },
        },
      },
    };
  },
};

let sg: Supergraph;
let origin: string;
beforeAll(async () => {
  sg = await startSupergraph({
    subgraphs: [usersSubgraph, productsSubgraph, faultySubgraph],
    // METRICS_PORT=0: every process serves /metrics on a free port of its own, on 127.0.0.1.
    env: { NODE_ENV: 'production', METRICS_PORT: '0' },
  });
  origin = new URL(sg.gatewayUrl).origin;
});
afterAll(() => sg?.stop());

const codeOf = (r: GraphQLResponse) => r.errors?.[0]?.extensions?.code;

async function atSubgraph(name: string, query: string) {
  const response = await fetch(sg.subgraph(name).url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  return (await response.json()) as GraphQLResponse;
}

describe('production surface', () => {
  it('answers no introspection and no suggestions, at the gateway and at a subgraph port', async () => {
    for (const ask of [(q: string) => sg.query(q), (q: string) => atSubgraph('products', q)]) {
      expect(codeOf(await ask('{ __schema { types { name } } }'))).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(codeOf(await ask('{ __type(name: "Product") { fields { name } } }'))).toBe(
        'GRAPHQL_VALIDATION_FAILED',
      );
      // A near miss of a real field: development would answer 'Did you mean "products"?'.
      const typo = await ask('{ productz { id } }');
      expect(codeOf(typo)).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(JSON.stringify(typo)).not.toMatch(/did you mean|"products"/i);
      const argTypo = await ask('{ products(frist: 1) { edges { node { id } } } }');
      expect(JSON.stringify(argTypo)).not.toMatch(/did you mean|"first"/i);
    }
  });

  it('masks an unexpected error: INTERNAL_SERVER_ERROR with an errorId, no message, no stack', async () => {
    const viaGateway = await sg.post({ query: '{ faultyField }' });
    const direct = await atSubgraph('faulty', '{ faultyField }');
    for (const answer of [viaGateway.body, direct]) {
      expect(JSON.stringify(answer)).not.toContain('hunter2');
      expect(JSON.stringify(answer)).not.toMatch(/ECONNREFUSED|stacktrace|\bat .*\.ts:\d+/);
      const [error] = answer.errors ?? [];
      expect(error?.message).toBe('Internal server error');
      expect(error?.extensions).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', errorId: expect.any(String) });
      expect(Object.keys(error?.extensions ?? {}).sort()).toEqual(
        answer === direct ? ['code', 'errorId'] : ['code', 'errorId', 'serviceName'],
      );
    }
  });

  it('serves no landing page, Sandbox or GraphiQL', async () => {
    const page = await fetch(sg.gatewayUrl, { headers: { accept: 'text/html' } });
    const html = await page.text();
    expect(html).not.toMatch(/sandbox|embeddable|graphiql/i);
    expect((await fetch(`${origin}/graphiql`)).status).toBe(404);
    const subgraphPage = await fetch(sg.subgraph('products').url, { headers: { accept: 'text/html' } });
    expect(await subgraphPage.text()).not.toMatch(/sandbox|embeddable|graphiql/i);
  });

  it('keeps /metrics and /debug off the public ports; METRICS_PORT serves metrics on 127.0.0.1', async () => {
    expect((await fetch(`${origin}/metrics`)).status).toBe(404);
    const products = sg.subgraph('products');
    const subgraphOrigin = new URL(products.url).origin;
    expect((await fetch(`${subgraphOrigin}/metrics`)).status).toBe(404);
    expect((await fetch(`${subgraphOrigin}/debug/commands/anything`)).status).toBe(404);

    expect(sg.gateway.metricsPort).toEqual(expect.any(Number));
    const gatewayMetrics = await fetch(`http://127.0.0.1:${sg.gateway.metricsPort}/metrics`);
    expect(await gatewayMetrics.text()).toContain('gateway_subgraph_fetch_duration_seconds');
    const subgraphMetrics = await fetch(`http://127.0.0.1:${products.running.metricsPort}/metrics`);
    expect(await subgraphMetrics.text()).toContain('graphql_requests_total');
  });

  it('sends the security headers and grants no origin by default', async () => {
    const response = await sg.post(
      { query: '{ __typename }' },
      { headers: { origin: 'https://evil.example' } },
    );
    const headers = response.headers;
    expect(headers.get('x-content-type-options')).toBe('nosniff');
    expect(headers.get('x-frame-options')).toBe('DENY');
    expect(headers.get('referrer-policy')).toBe('no-referrer');
    expect(headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
    expect(headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(headers.get('x-powered-by')).toBeNull();
    expect(headers.get('access-control-allow-origin')).toBeNull();
  });
});
