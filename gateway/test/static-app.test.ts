import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessLiveBus } from '@novamart/events';
import { type RunningGateway } from '../src';
import { startProbeSupergraph, type ProbeSupergraph } from './support/probe-supergraph';

// The gateway's optional `staticDir`: the built storefront at `/`, beside an API it must never shadow.
describe('gateway serving a single-page app (staticDir)', () => {
  let probe: ProbeSupergraph;
  let withApp: RunningGateway;
  let dir: string;
  let base: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'novamart-static-'));
    await mkdir(join(dir, 'assets'));
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>shop</title><div id="root"></div>');
    await writeFile(join(dir, 'assets', 'app-abc123.js'), 'console.log("app")');
    probe = await startProbeSupergraph();
    withApp = await probe.startGateway({ live: new InProcessLiveBus(), staticDir: dir });
    base = `http://127.0.0.1:${withApp.port}`;
  });
  afterAll(async () => {
    await probe?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves index.html at / and for the app’s own routes, assets with a long cache', async () => {
    const root = await fetch(`${base}/`, { headers: { accept: 'text/html' } });
    expect(root.status).toBe(200);
    expect(await root.text()).toContain('<title>shop</title>');
    const deep = await fetch(`${base}/products/red-shoe`, { headers: { accept: 'text/html' } });
    expect(deep.status).toBe(200);
    expect(deep.headers.get('cache-control')).toBe('no-cache');
    expect(await deep.text()).toContain('<div id="root">');
    const asset = await fetch(`${base}/assets/app-abc123.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${base}/assets/missing-1.js`)).status).toBe(404);
  });

  it('never shadows the API, health or metrics', async () => {
    const api = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(await api.json()).toEqual({ data: { __typename: 'Query' } });
    expect(await (await fetch(`${base}/health`)).json()).toEqual({ status: 'ok' });
    const metrics = await fetch(`${base}/metrics`, { headers: { accept: 'text/html' } });
    expect(await metrics.text()).not.toContain('<div id="root">');
    const unknownApiPath = await fetch(`${base}/health/nothing`, { headers: { accept: 'text/html' } });
    expect(unknownApiPath.status).toBe(404);
  });

  it('gives the app its own Content-Security-Policy, opened to Stripe only when Stripe Elements is configured', async () => {
    const policy = (response: Response) =>
      Object.fromEntries(
        (response.headers.get('content-security-policy') ?? '')
          .split(';')
          .map((directive) => directive.trim().split(/\s+/))
          .map(([name, ...sources]) => [name, sources]),
      );
    const plain = policy(await fetch(`${base}/`, { headers: { accept: 'text/html' } }));
    expect(plain['script-src']).toEqual(["'self'"]);
    expect(plain['frame-src']).toBeUndefined();
    expect(plain['connect-src']).toEqual(["'self'", 'ws:', 'wss:']);

    const stripeGateway = await probe.startGateway({
      live: new InProcessLiveBus(),
      staticDir: dir,
      env: { STRIPE_PUBLISHABLE_KEY: 'pk_test_storefront' },
    });
    const stripe = policy(
      await fetch(`http://127.0.0.1:${stripeGateway.port}/checkout`, { headers: { accept: 'text/html' } }),
    );
    expect(stripe['script-src']).toEqual(["'self'", 'https://js.stripe.com', 'https://*.js.stripe.com']);
    expect(stripe['frame-src']).toEqual([
      'https://js.stripe.com',
      'https://*.js.stripe.com',
      'https://hooks.stripe.com',
    ]);
    expect(stripe['connect-src']).toEqual(["'self'", 'ws:', 'wss:', 'https://api.stripe.com']);
    expect(stripe['frame-ancestors']).toEqual(["'none'"]);
  });

  it('keeps redirecting / to the API when no app is configured', async () => {
    const response = await fetch(`http://127.0.0.1:${probe.gateway.port}/`, { redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/graphql');
  });
});
