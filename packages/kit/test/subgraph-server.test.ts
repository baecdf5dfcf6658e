import { InProcessBus, InProcessLiveBus } from '@novamart/events';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  commandStats,
  createSubgraphClient,
  connectMongo,
  createMetricsRegistry,
  createTokenVerifier,
  loadConfig,
  runWithRequestId,
  startSubgraph,
  type RunningSubgraph,
  type SubgraphRuntime,
} from '../src/index';
import {
  createTestTokens,
  eventually,
  startEmbeddedMongoForTests,
  tamper,
  uniqueDbName,
  type TestMongo,
  type TestTokens,
} from '../src/testing/index';
import { inProcessPeer, registerInProcessPeer } from '../src/in-process-peers';
import { captureLogs, gql, type CapturedLogs } from './helpers';
import { probeState, probeSubgraph } from './probe/probe-module';

/** The value of the Prometheus sample `name` whose labels include `labels`, if any. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)\{(.*)\} (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = Object.fromEntries([...match[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => present[k] === v)) return Number(match[3]);
  }
  return undefined;
}

describe('probe subgraph served by startSubgraph', () => {
  let mongoServer: TestMongo;
  let mongo: Connection;
  let tokens: TestTokens;
  let logs: CapturedLogs;
  let running: RunningSubgraph;
  let runtime: SubgraphRuntime;
  let base: string;

  beforeAll(async () => {
    mongoServer = await startEmbeddedMongoForTests();
    mongo = await connectMongo({ url: mongoServer.uri, dbName: uniqueDbName('kit_probe') });
    tokens = await createTestTokens();
    logs = captureLogs('probe');
    runtime = {
      name: 'probe',
      config: loadConfig(undefined, { NODE_ENV: 'test', MONGO_URL: mongoServer.uri }),
      logger: logs.logger,
      mongo,
      bus: new InProcessBus(),
      live: new InProcessLiveBus(),
      redis: null,
      metrics: createMetricsRegistry('probe'),
    };
    running = await startSubgraph(probeSubgraph, runtime, {
      port: 0,
      host: '127.0.0.1',
      verifier: tokens.verifier,
    });
    base = running.url.replace(/\/graphql$/, '');
  });

  afterAll(async () => {
    await running?.stop();
    await runtime?.bus.close();
    await runtime?.live.close();
    await mongo?.close();
    await mongoServer?.stop();
  });

  it('started the instance and listens on a free port', () => {
    expect(probeState.started).toBe(true);
    expect(running.port).toBeGreaterThan(0);
    expect(running.url).toBe(`http://127.0.0.1:${running.port}/graphql`);
  });

  it('answers liveness and readiness', async () => {
    const live = await fetch(`${base}/health/live`);
    expect(live.status).toBe(200);
    const ready = await fetch(`${base}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { mongo: 'up' } });
  });

  it('resolves Money and DateTime the shared way, and batches entity loads', async () => {
    for (const [name, amount] of [
      ['a', 2999],
      ['b', 0],
      ['c', 150000],
    ] as const) {
      const added = await gql(
        running.url,
        'mutation($n: String!, $a: Int!) { addProbe(name: $n, amount: $a) { id price { amount currency formatted } createdAt } }',
        {
          variables: { n: name, a: amount },
        },
      );
      expect(added.body.errors).toBeUndefined();
    }
    const requestId = 'batching-check-1';
    const result = await gql(
      running.url,
      '{ probes(ids: ["a", "b", "c", "missing", "a"]) { id price { formatted } createdAt } }',
      {
        headers: { 'x-request-id': requestId },
      },
    );
    expect(result.body.errors, JSON.stringify(logs.lines.filter((l) => l.level === 'error'))).toBeUndefined();
    expect(result.body.data.probes).toEqual([
      { id: 'a', price: { formatted: '$29.99' }, createdAt: '2026-01-02T03:04:05.000Z' },
      { id: 'b', price: { formatted: '$0.00' }, createdAt: '2026-01-02T03:04:05.000Z' },
      { id: 'c', price: { formatted: '$1,500.00' }, createdAt: '2026-01-02T03:04:05.000Z' },
      null,
      { id: 'a', price: { formatted: '$29.99' }, createdAt: '2026-01-02T03:04:05.000Z' },
    ]);
    expect(commandStats.forRequest(requestId)).toMatchObject({ total: 1, byCommand: { find: 1 } });
    const debug = await fetch(`${base}/debug/commands/${requestId}`);
    expect(await debug.json()).toMatchObject({ total: 1, byCommand: { find: 1 } });

    const entities = await gql(
      running.url,
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Probe { id name } } }',
      {
        variables: {
          r: [
            { __typename: 'Probe', id: 'b' },
            { __typename: 'Probe', id: 'c' },
          ],
        },
        headers: { 'x-request-id': 'entities-1' },
      },
    );
    expect(entities.body.data._entities).toEqual([
      { id: 'b', name: 'b' },
      { id: 'c', name: 'c' },
    ]);
    expect(commandStats.forRequest('entities-1').total).toBe(1);
  });

  it('keeps the request id from x-request-id, on the response and on every log line', async () => {
    const result = await gql(running.url, '{ requestId }', {
      headers: { 'x-request-id': 'req-from-gateway-42' },
    });
    expect(result.headers.get('x-request-id')).toBe('req-from-gateway-42');
    expect(result.body.data.requestId).toBe('req-from-gateway-42|req-from-gateway-42');
    const line = logs.lines.find((l) => l.msg === 'resolving requestId');
    expect(line).toMatchObject({ requestId: 'req-from-gateway-42', service: 'probe' });
    expect(
      logs.lines.find((l) => l.msg === 'graphql request' && l.requestId === 'req-from-gateway-42'),
    ).toMatchObject({ level: 'debug', operation: 'anonymous' });

    const generated = await gql(running.url, '{ requestId }');
    const id = generated.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(generated.body.data.requestId).toBe(`${id}|${id}`);
  });

  it("answers a peer in its own process without HTTP, with the caller's request id, until it stops", async () => {
    let httpRequests = 0;
    const count = () => httpRequests++;
    running.httpServer.on('request', count);
    try {
      const peer = createSubgraphClient('probe', running.url);
      const data = await runWithRequestId('peer-call-7', () =>
        peer.request<{ requestId: string }>('{ requestId }'),
      );
      expect(data.requestId).toBe('peer-call-7|peer-call-7');
      expect(httpRequests).toBe(0);
    } finally {
      running.httpServer.off('request', count);
    }
    // Another URL, or a subgraph that stopped: over HTTP as before.
    const unregister = registerInProcessPeer('http://127.0.0.1:9/graphql', running.handle);
    expect(inProcessPeer('http://127.0.0.1:9/graphql')).toBe(running.handle);
    unregister();
    expect(inProcessPeer('http://127.0.0.1:9/graphql')).toBeUndefined();
  });

  it('merges the instance context into the base context', async () => {
    expect((await gql(running.url, '{ greeting }')).body.data.greeting).toBe(
      'hello from the instance context',
    );
  });

  it('puts the viewer of a valid token in the context and enforces roles', async () => {
    const customer = { Authorization: await tokens.bearer({ id: 'u1', role: 'CUSTOMER' }) };
    const admin = { Authorization: await tokens.bearer({ id: 'a1', role: 'ADMIN' }) };
    expect((await gql(running.url, '{ whoami }', { headers: customer })).body.data.whoami).toBe(
      'u1:CUSTOMER',
    );
    expect(
      (await gql(running.url, '{ adminOnly }', { headers: customer })).body.errors?.[0]?.extensions?.code,
    ).toBe('FORBIDDEN');
    expect((await gql(running.url, '{ adminOnly }', { headers: admin })).body.data.adminOnly).toBe('a1');
    expect(
      (await gql(running.url, '{ ownerData(ownerId: "u2") }', { headers: customer })).body.errors?.[0]
        ?.extensions?.code,
    ).toBe('FORBIDDEN');
    expect(
      (await gql(running.url, '{ ownerData(ownerId: "u2") }', { headers: admin })).body.data.ownerData,
    ).toBe('a1');
    expect((await gql(running.url, '{ whoami }')).body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('rejects tampered and expired tokens as UNAUTHENTICATED, never as an anonymous caller', async () => {
    const valid = await tokens.sign({ id: 'u1', role: 'CUSTOMER' });
    for (const token of [
      tamper(valid),
      await tokens.sign({ id: 'u1', role: 'CUSTOMER' }, { expired: true }),
      'not-a-jwt',
    ]) {
      // greeting needs no viewer: an anonymous caller would get data.
      const result = await gql(running.url, '{ greeting }', {
        headers: { Authorization: `Bearer ${token}` },
      });
      expect(result.status).toBe(200);
      expect(result.body.data).toBeUndefined();
      expect(result.body.errors).toHaveLength(1);
      expect(result.body.errors?.[0]?.extensions).toEqual({ code: 'UNAUTHENTICATED' });
    }
  });

  it('treats an unreachable JWKS as its own failure: masked, logged, never anonymous', async () => {
    const blind = await startSubgraph(probeSubgraph, runtime, {
      port: 0,
      host: '127.0.0.1',
      verifier: createTokenVerifier({ jwksUrl: 'http://127.0.0.1:1/.well-known/jwks.json' }),
    });
    try {
      const result = await gql(blind.url, '{ greeting }', {
        headers: { Authorization: await tokens.bearer({ id: 'u1', role: 'CUSTOMER' }) },
      });
      expect(result.body.data).toBeUndefined();
      const error = result.body.errors?.[0];
      expect(error?.message).toBe('Internal server error');
      expect(error?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
      const line = logs.lines.find((l) => l.errorId === error?.extensions?.errorId);
      expect(line?.err?.message).not.toMatch(/^Context creation failed/);
      expect(line?.err?.type).not.toBe('GraphQLError');
    } finally {
      await blind.stop();
    }
  });

  it('stop() waits for a request whose client hung up before it returns', async () => {
    const second = await startSubgraph(probeSubgraph, runtime, {
      port: 0,
      host: '127.0.0.1',
      verifier: tokens.verifier,
    });
    const abort = new AbortController();
    const abandoned = fetch(second.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'abandoned-1' },
      body: JSON.stringify({ query: '{ slow(ms: 700) }' }),
      signal: abort.signal,
    }).catch((error: unknown) => error);
    // Hung up while the request is in its resolver, however slow the machine.
    await eventually(
      () => logs.lines.some((l) => l.requestId === 'abandoned-1' && l.msg === 'probe slow resolver started'),
      'the abandoned request in its resolver',
    );
    abort.abort();
    await abandoned;
    await second.stop();
    expect(
      logs.lines.find((l) => l.requestId === 'abandoned-1' && l.msg === 'graphql request'),
    ).toBeDefined();
  });

  it('masks an unexpected error with an id that is in the log line with the real error', async () => {
    const result = await gql(running.url, '{ explode }', { headers: { 'x-request-id': 'boom-1' } });
    const error = result.body.errors?.[0];
    expect(error?.message).toBe('Internal server error');
    expect(error?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
    expect(error?.extensions?.errorId).toMatch(/^[0-9a-f-]{36}$/);
    expect(Object.keys(error?.extensions ?? {}).sort()).toEqual(['code', 'errorId']);
    expect(JSON.stringify(result.body)).not.toMatch(/E11000|password|at .*\.ts/);
    const line = logs.lines.find((l) => l.errorId === error?.extensions?.errorId);
    expect(line).toMatchObject({ level: 'error', requestId: 'boom-1' });
    expect(line?.err?.message).toContain('E11000 duplicate key error');
    expect(line?.err?.stack).toContain('probe-module');
  });

  it('passes contract errors with their field, and keeps GraphQL request error codes', async () => {
    const bad = await gql(running.url, 'mutation { addProbe(name: "neg", amount: -1) { id } }');
    expect(bad.body.errors?.[0]).toMatchObject({
      message: 'amount must not be negative',
      extensions: { code: 'BAD_USER_INPUT', field: 'amount' },
    });
    expect(bad.body.errors?.[0]?.extensions?.stacktrace).toBeUndefined();

    const invalid = await gql(running.url, '{ nope }');
    expect(invalid.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const unparsable = await gql(running.url, '{ greeting');
    expect(unparsable.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
    const badVariable = await gql(running.url, 'query($n: Int!) { slow(ms: $n) }', { variables: { n: 'x' } });
    expect(badVariable.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('answers a malformed body with a JSON error, not an HTML stack trace', async () => {
    const response = await fetch(running.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query": ',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      errors: [{ message: 'Malformed JSON body', extensions: { code: 'BAD_REQUEST' } }],
    });
  });

  it('exposes request, latency and error metrics labelled with the service', async () => {
    await gql(running.url, 'query ProbeGreeting { greeting }');
    await gql(running.url, 'query ProbeExplode { explode }');
    const response = await fetch(`${base}/metrics`);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(sample(text, 'graphql_requests_total', { operation: 'ProbeGreeting', service: 'probe' })).toBe(1);
    expect(
      sample(text, 'graphql_request_duration_seconds_count', {
        operation: 'ProbeGreeting',
        service: 'probe',
      }),
    ).toBe(1);
    expect(
      sample(text, 'graphql_errors_total', { code: 'INTERNAL_SERVER_ERROR', service: 'probe' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(text, 'graphql_errors_total', { code: 'UNAUTHENTICATED', service: 'probe' }),
    ).toBeGreaterThanOrEqual(1);
  });
});
