import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tamper } from '@novamart/kit/testing';
import { startProbeSupergraph, type ProbeSupergraph } from './support/probe-supergraph';

const customer = { id: 'user-1', role: 'CUSTOMER' as const };

describe('gateway over HTTP', () => {
  let probe: ProbeSupergraph;

  beforeAll(async () => {
    probe = await startProbeSupergraph({
      env: {
        MAX_QUERY_DEPTH: '6',
        MAX_QUERY_COST: '300',
        SUBGRAPH_TIMEOUTS: 'orders=300',
        BODY_LIMIT: '2kb',
        CORS_ORIGINS: 'https://shop.example',
      },
    });
  });
  afterAll(async () => {
    await probe?.stop();
  });

  it('forwards Authorization and the caller’s x-request-id to subgraphs', async () => {
    const token = await probe.tokens.bearer(customer);
    const response = await probe.post(
      { query: '{ whoami { requestId viewerId } }' },
      { authorization: token, 'x-request-id': 'req-abc.123' },
    );
    expect(response.body).toEqual({ data: { whoami: { requestId: 'req-abc.123', viewerId: 'user-1' } } });
    expect(response.headers.get('x-request-id')).toBe('req-abc.123');
  });

  it('generates a request id when the caller sends none, and the subgraph sees the same one', async () => {
    const response = await probe.post({ query: '{ whoami { requestId viewerId } }' });
    const generated = response.headers.get('x-request-id');
    expect(generated).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.body.data.whoami).toEqual({ requestId: generated, viewerId: null });
  });

  it('sends the caller’s address in x-forwarded-for, ignoring what an untrusted caller claims (TRUST_PROXY=false)', async () => {
    await probe.post({ query: '{ whoami { requestId } }' }, { 'x-forwarded-for': '203.0.113.9' });
    expect(probe.world.lastForwardedFor).toBe('127.0.0.1');
    await probe.post({ query: '{ whoami { requestId } }' });
    expect(probe.world.lastForwardedFor).toBe('127.0.0.1');
  });

  it('tells the subgraph its deadline: its timeout less a margin, so it gives up before the gateway does', async () => {
    const sent = Date.now();
    await probe.post({ query: '{ whoami { requestId } }' });
    const deadline = Number(probe.world.lastDeadline);
    // This gateway gives orders 300 ms (SUBGRAPH_TIMEOUTS); the margin is a tenth of that.
    expect(deadline).toBeGreaterThanOrEqual(sent + 270 - 1);
    expect(deadline).toBeLessThanOrEqual(Date.now() + 270);
  });

  it('passes subgraph errors through with their code and extensions', async () => {
    const oos = await probe.query('{ outOfStock }');
    expect(oos.errors[0]).toMatchObject({ message: 'Only 3 left', path: ['outOfStock'] });
    expect(oos.errors[0].extensions).toEqual({ code: 'OUT_OF_STOCK', productId: 'p-1', available: 3 });
    const invalid = await probe.query('{ invalidName }');
    expect(invalid.errors[0]).toMatchObject({
      message: 'Name must not be empty',
      extensions: { code: 'BAD_USER_INPUT', field: 'input.name' },
    });
  });

  it('keeps the subgraph’s masked error and its errorId, never the internal message', async () => {
    const result = await probe.query('{ crash }');
    expect(result.errors[0]).toMatchObject({ message: 'Internal server error', path: ['crash'] });
    expect(result.errors[0].extensions).toEqual({
      code: 'INTERNAL_SERVER_ERROR',
      errorId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      serviceName: 'orders',
    });
    expect(JSON.stringify(result)).not.toContain('db-7.internal');
  });

  it('passes UNAUTHENTICATED from a subgraph that refuses a tampered or expired token', async () => {
    const tampered = await probe.query(
      '{ whoami { viewerId } }',
      {},
      { authorization: `Bearer ${tamper(await probe.tokens.sign(customer))}` },
    );
    expect(tampered.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    const expired = await probe.query(
      '{ whoami { viewerId } }',
      {},
      { authorization: await probe.tokens.bearer(customer, { expired: true }) },
    );
    expect(expired.errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it('refuses a query deeper than MAX_QUERY_DEPTH before calling any subgraph', async () => {
    const before = probe.world.callsTo('item').length;
    const response = await probe.post({
      query: '{ item { child { child { child { child { child { child { name } } } } } } } }',
    });
    expect(response.status).toBe(400);
    expect(response.body.errors[0]).toMatchObject({
      message: expect.stringContaining('MAX_QUERY_DEPTH'),
      extensions: { code: 'BAD_USER_INPUT', limit: 'MAX_QUERY_DEPTH', maximum: 6, actual: 8 },
    });
    expect(probe.world.callsTo('item').length).toBe(before);
    const fine = await probe.query('{ item { child { child { child { child { name } } } } } }');
    expect(fine.data.item.child.child.child.child.name).toBe('Item 4');
  });

  it('refuses a query costlier than MAX_QUERY_COST, counting page sizes from variables', async () => {
    const before = probe.world.callsTo('items').length;
    const query = 'query Items($n: Int) { items(first: $n) { id name child { name } } }';
    const refused = await probe.post({ query, variables: { n: 100 } });
    expect(refused.body.errors[0]).toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', limit: 'MAX_QUERY_COST', maximum: 300 },
    });
    expect(refused.body.errors[0].message).toContain('MAX_QUERY_COST');
    expect(probe.world.callsTo('items').length).toBe(before);
    const accepted = await probe.post({ query, variables: { n: 5 } });
    expect(accepted.body.data.items).toHaveLength(5);
  });

  it('gives up on a subgraph after its own timeout, with a masked error', async () => {
    probe.world.slowMs = 2000;
    const started = Date.now();
    const result = await probe.query('{ slow }');
    probe.world.slowMs = 0;
    expect(Date.now() - started).toBeLessThan(1500);
    expect(result.errors[0].extensions).toMatchObject({
      code: 'INTERNAL_SERVER_ERROR',
      errorId: expect.any(String),
    });
  });

  it('refuses a body over BODY_LIMIT with 413', async () => {
    const response = await probe.post({ query: `{ whoami { requestId } } # ${'x'.repeat(4000)}` });
    expect(response.status).toBe(413);
    expect(response.body.errors[0]).toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', limit: 'BODY_LIMIT' },
    });
  });

  it('allows only the listed CORS origins', async () => {
    const preflight = (origin: string) =>
      fetch(probe.gateway.url, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type,authorization',
        },
      });
    expect((await preflight('https://shop.example')).headers.get('access-control-allow-origin')).toBe(
      'https://shop.example',
    );
    expect((await preflight('https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses subscriptions over HTTP and points to graphql-ws', async () => {
    const response = await probe.post({ query: 'subscription { myOrderUpdates { status } }' });
    expect(response.body.errors[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    expect(response.body.errors[0].message).toContain('WebSocket');
  });

  it('serves Sandbox and introspection in development', async () => {
    const page = await fetch(probe.gateway.url, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('sandbox');
    const introspection = await probe.query('{ __schema { subscriptionType { fields { name } } } }');
    expect(
      introspection.data.__schema.subscriptionType.fields.map((f: { name: string }) => f.name).sort(),
    ).toEqual(['myOrderUpdates', 'orderStatusChanged', 'paymentStatusChanged']);
  });

  it('answers /health, /health/ready and /metrics', async () => {
    const origin = new URL(probe.gateway.url).origin;
    expect(await (await fetch(`${origin}/health`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${origin}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', subgraphs: { orders: 'up', payments: 'up' } });
    const metrics = await (await fetch(`${origin}/metrics`)).text();
    expect(metrics).toContain('gateway_subgraph_fetch_duration_seconds_bucket');
    expect(metrics).toMatch(/graphql_errors_total\{[^}]*code="OUT_OF_STOCK"/);
  });
});

describe('gateway in production', () => {
  let probe: ProbeSupergraph;
  beforeAll(async () => {
    probe = await startProbeSupergraph({ env: { NODE_ENV: 'production' } });
  });
  afterAll(async () => {
    await probe?.stop();
  });

  it('turns introspection off and serves no landing page', async () => {
    const introspection = await probe.query('{ __schema { queryType { name } } }');
    expect(introspection.errors?.[0]?.message).toMatch(/introspection/i);
    const page = await fetch(probe.gateway.url, { headers: { accept: 'text/html' } });
    expect(await page.text()).not.toContain('sandbox');
  });

  it('reports a subgraph that stops answering in /health/ready', async () => {
    const origin = new URL(probe.gateway.url).origin;
    await probe.subgraphs.find((s) => s.name === 'payments')?.stop();
    const ready = await fetch(`${origin}/health/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({
      status: 'unavailable',
      subgraphs: { orders: 'up', payments: 'down' },
    });
  });
});
