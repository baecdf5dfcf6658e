import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProbeSupergraph, type ProbeSupergraph } from './support/probe-supergraph';
import { eventually } from '@novamart/kit/testing';

/**
 * The offline GraphiQL at /graphiql in a real headless browser (Debian's chromium, driven by
 * playwright-core): every request that leaves localhost is aborted and recorded, and the page must
 * still load, run a query and show a subscription event.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const alice = { id: 'user-alice', role: 'CUSTOMER' as const };

function ensureChromium(): void {
  if (existsSync(CHROMIUM)) return;
  // The browser comes from Debian, never from a download of playwright's own build.
  const install = spawnSync(
    'sh',
    ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium'],
    { stdio: 'inherit' },
  );
  if (install.status !== 0 || !existsSync(CHROMIUM))
    throw new Error(`chromium is not installed at ${CHROMIUM} and apt-get could not install it`);
}

function isLocal(url: string): boolean {
  if (url.startsWith('data:') || url.startsWith('blob:') || url === 'about:blank') return true;
  const { hostname } = new URL(url);
  return hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]';
}

/** Replaces the whole content of a Monaco editor, typed as one input (no auto-closed brackets). */
async function replaceText(page: Page, editor: ReturnType<Page['locator']>, text: string): Promise<void> {
  await editor.click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
}

/** The text of GraphiQL's result pane. */
async function resultText(page: Page): Promise<string> {
  return (await page.locator('.graphiql-response').innerText()).replace(/\s+/g, ' ');
}

describe('GraphiQL at /graphiql without the internet', () => {
  let probe: ProbeSupergraph;
  let context: BrowserContext;
  let userDataDir: string;
  const external: string[] = [];

  beforeAll(async () => {
    ensureChromium();
    probe = await startProbeSupergraph();
    probe.world.orders.set('o-1', { id: 'o-1', userId: alice.id, status: 'PENDING', total: 4200 });
    userDataDir = mkdtempSync(join(tmpdir(), 'novamart-graphiql-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
    });
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (isLocal(url)) return route.continue();
      external.push(url);
      return route.abort('internetdisconnected');
    });
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    await probe?.stop();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  });

  it('loads with nothing but localhost, runs a query and receives a subscription event', async () => {
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    // WebSockets bypass routing: they are checked on their own.
    page.on('websocket', (ws) => {
      if (!isLocal(ws.url().replace(/^ws/, 'http'))) external.push(ws.url());
    });
    const base = probe.gateway.url.replace(/\/graphql$/, '');
    const headers = JSON.stringify({ authorization: await probe.tokens.bearer(alice) });

    // The document is large (GraphiQL, React and Monaco inline): on a busy machine it takes a while.
    await page.goto(`${base}/graphiql`, { waitUntil: 'domcontentloaded', timeout: 90_000 });
    await page.locator('.graphiql-execute-button').waitFor({ timeout: 90_000 });
    // As a developer would: the token in the Headers editor, then an operation in the query editor.
    await page.getByText('Headers', { exact: true }).click();
    await replaceText(page, page.locator('.graphiql-editor-tool .monaco-editor:visible'), headers);
    await replaceText(
      page,
      page.locator('.graphiql-query-editor .monaco-editor'),
      'query { order(id: "o-1") { id total } }',
    );
    await page.locator('.graphiql-execute-button').click();
    await expect.poll(() => resultText(page), { timeout: 20_000 }).toContain('"total": 4200');

    await replaceText(
      page,
      page.locator('.graphiql-query-editor .monaco-editor'),
      'subscription { orderStatusChanged(orderId: "o-1") { status order { total } } }',
    );
    await page.locator('.graphiql-execute-button').click();
    await eventually(() => probe.gateway.activeSubscriptions() === 1, {
      timeoutMs: 20_000,
      what: 'the page to subscribe',
    });
    await probe.live.publish('order:o-1', {
      orderId: 'o-1',
      userId: alice.id,
      status: 'PAID',
      previousStatus: 'AWAITING_PAYMENT',
      reason: null,
      at: new Date().toISOString(),
    });
    await expect.poll(() => resultText(page), { timeout: 20_000 }).toContain('"status": "PAID"');
    expect(await resultText(page)).toContain('"total": 4200');

    expect(external).toEqual([]);
    expect(pageErrors).toEqual([]);
  }, 240_000);

  it('is not served in production', async () => {
    const { loadGatewayConfig, createGateway } = await import('../src');
    const gateway = await createGateway({
      supergraphSdl: probe.supergraphSdl,
      live: probe.live,
      config: loadGatewayConfig({ NODE_ENV: 'production', LOG_LEVEL: 'silent' }),
      verifier: probe.tokens.verifier,
    });
    const running = await gateway.listen(0, '127.0.0.1');
    try {
      const response = await fetch(running.url.replace(/\/graphql$/, '/graphiql'));
      expect(response.status).toBe(404);
    } finally {
      await running.stop();
    }
  });
});
