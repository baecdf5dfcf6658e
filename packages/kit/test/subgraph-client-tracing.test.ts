// A peer call over HTTP carries the caller's trace context, so the owner's server span joins the
// caller's trace instead of starting one of its own.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { trace } from '@opentelemetry/api';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSubgraphClient } from '../src/index';
import { startTracingForTests, type TestTracing } from '../src/testing/index';

let tracing: TestTracing;
beforeAll(async () => {
  tracing = await startTracingForTests();
});
afterAll(() => tracing?.shutdown());

it('sends the active span as traceparent on a peer call over HTTP', async () => {
  let seen: IncomingHttpHeaders | undefined;
  const server = createServer((req, res) => {
    seen = req.headers;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ data: { ok: true } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
    const traceId = await trace.getTracer('test').startActiveSpan('caller', async (span) => {
      await createSubgraphClient('owner', url).request('{ ok }');
      span.end();
      return span.spanContext().traceId;
    });
    expect(seen?.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-0[01]$`));
  } finally {
    server.close();
  }
});
