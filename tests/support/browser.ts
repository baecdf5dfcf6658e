/**
 * Browser tests' support: Debian's Chromium driven by playwright-core (never a downloaded
 * browser), axe-core injected into the page, and screenshots of every open page when a test fails.
 *
 * The browser is installed with apt when it is missing (CI runs as root on Debian); CHROMIUM_PATH
 * points at another binary. playwright-core launches it with a new, empty user-data-dir of its
 * own (a temporary profile it deletes on close) and the flags below: nothing phones home.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, onTestFailed } from 'vitest';
import { ensureStorefrontBuilt } from '../../scripts/lib/storefront';
import { mustSucceed } from './storefront';
import { startSupergraph, type StartSupergraphOptions, type Supergraph } from './supergraph';

const CANDIDATES = ['/usr/lib/chromium/chromium', '/usr/bin/chromium', '/usr/bin/chromium-browser'];

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-default-apps',
  '--disable-dev-shm-usage',
];

/** Where failure screenshots go (gitignored). */
export const SCREENSHOT_DIR = resolve(import.meta.dirname, '..', '..', 'test-results', 'storefront');

function findChromium(): string | undefined {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  return CANDIDATES.find((path) => existsSync(path));
}

export function chromiumPath(): string {
  const found = findChromium();
  if (found) return found;
  if (process.getuid?.() !== 0)
    throw new Error(
      'Chromium is not installed and this is not root: run `sudo apt-get install -y chromium` (or set CHROMIUM_PATH)',
    );
  // The only download a browser test makes: Debian's own package, from Debian's mirrors.
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium'], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  const installed = findChromium();
  if (!installed) throw new Error('apt-get installed chromium, but no chromium binary was found');
  return installed;
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    // playwright adds --headless itself with `headless: true`; the rest are ours.
    headless: true,
    args: CHROMIUM_ARGS.filter((arg) => arg !== '--headless'),
    timeout: 60_000,
  });
}

/**
 * A fresh browser profile's worth of state (empty localStorage, no cookies) on one base URL.
 * `bypassCSP` lets the test inject axe-core into a page served under a strict CSP.
 */
export interface ShopperOptions {
  /** A phone's viewport, touch and mobile user agent. */
  phone?: boolean;
  /** The page keeps to the gateway's Content-Security-Policy (no axe-core then: it is injected). */
  enforceCSP?: boolean;
}

export async function newShopper(
  browser: Browser,
  baseURL: string,
  options: ShopperOptions = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    baseURL,
    bypassCSP: !options.enforceCSP,
    locale: 'en-US',
    timezoneId: 'UTC',
    viewport: options.phone ? { width: 375, height: 740 } : { width: 1200, height: 900 },
    ...(options.phone ? { isMobile: true, hasTouch: true, deviceScaleFactor: 1 } : {}),
  });
  context.setDefaultTimeout(20_000);
  const page = await context.newPage();
  return { context, page };
}

const axeSource = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

/** axe-core's serious and critical violations on the page as it is now. */
export async function seriousAxeViolations(page: Page): Promise<AxeViolation[]> {
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.addScriptTag({ path: axeSource });
  const violations = await page.evaluate(async () => {
    const axe = (
      globalThis as unknown as { axe: { run(ctx: unknown, o: object): Promise<{ violations: any[] }> } }
    ).axe;
    const result = await axe.run((globalThis as any).document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 3).map((n: any) => ({ target: n.target, failureSummary: n.failureSummary })),
    }));
  });
  return (violations as AxeViolation[]).filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Screenshots of every page of the contexts, named after the test; returns the paths. */
export async function screenshotAll(contexts: BrowserContext[], testName: string): Promise<string[]> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const slug = testName
    .replace(/[^a-z0-9]+/gi, '-')
    .toLowerCase()
    .slice(0, 80);
  const paths: string[] = [];
  let n = 0;
  for (const context of contexts) {
    for (const page of context.pages()) {
      if (page.isClosed()) continue;
      const path = join(SCREENSHOT_DIR, `${slug}-${++n}.png`);
      await page.screenshot({ path, fullPage: true }).catch(() => undefined);
      paths.push(path);
    }
  }
  return paths;
}

/**
 * The browser contexts a test file opens, one per shopper (an empty profile each): journeys open
 * theirs, the file closes them all before the next journey, and a failing test leaves screenshots
 * of every page they hold.
 */
export class Shoppers {
  readonly contexts: BrowserContext[] = [];

  /** `at`: the file's browser and the storefront's base URL, known once its beforeAll has run. */
  constructor(private readonly at: () => { browser: Browser; base: string }) {}

  async open(options: ShopperOptions = {}): Promise<Page> {
    const { browser, base } = this.at();
    const { context, page } = await newShopper(browser, base, options);
    this.contexts.push(context);
    return page;
  }

  /** Call at a test's start: should it fail, screenshots of every open page, named after `name`. */
  screenshotsOnFailure(name: string): void {
    onTestFailed(async () => {
      const paths = await screenshotAll(this.contexts, name);
      console.error(`screenshots of the failed test "${name}":\n  ${paths.join('\n  ')}`);
    });
  }

  async closeAll(): Promise<void> {
    for (const context of this.contexts.splice(0)) await context.close().catch(() => undefined);
  }
}

/** A browser test file's world: one supergraph serving the built storefront, and one browser. */
export interface StorefrontWorld {
  sg: Supergraph;
  browser: Browser;
  /** The storefront's URL (the gateway serves it). */
  base: string;
}

/** Builds the storefront when it is stale, then starts the supergraph serving it and the browser side by side. */
export async function startStorefront(
  options: Omit<StartSupergraphOptions, 'staticDir'>,
): Promise<StorefrontWorld> {
  const staticDir = ensureStorefrontBuilt();
  const [sg, browser] = await Promise.all([startSupergraph({ ...options, staticDir }), launchBrowser()]);
  if (options.subgraphs?.some((subgraph) => subgraph.name === 'shipping')) await shipToTheUk(sg);
  return { sg, browser, base: new URL('/', sg.gatewayUrl).href };
}

/**
 * The journeys' shoppers live in the UK (`fillAddress`), so their shop ships there: checkout
 * offers only the countries of zones with an active method. Its one method is in pounds, which no
 * journey's cart is in, so their dollar carts still pay the default flat rate, untaxed (without the
 * shipping subgraph, checkout offers every country and charges the same).
 */
export async function shipToTheUk(sg: Supergraph): Promise<void> {
  const { token } = await sg.admin();
  const save = async (document: string, input: Record<string, unknown>, what: string) =>
    mustSucceed(await sg.query(document, { input }, { token }), what);
  await save(
    'mutation($input: ShippingZoneInput!) { saveShippingZone(input: $input) { code } }',
    { code: 'UK', name: 'United Kingdom', countries: [{ country: 'GB' }] },
    'saveShippingZone',
  );
  await save(
    'mutation($input: ShippingMethodInput!) { saveShippingMethod(input: $input) { code } }',
    {
      zoneCode: 'UK',
      code: 'ROYAL_MAIL',
      name: 'Royal Mail Tracked 48',
      type: 'STANDARD',
      currency: 'GBP',
      pricing: 'FLAT',
      flatAmount: 399,
    },
    'saveShippingMethod',
  );
}

/** The file's afterAll: its shoppers' pages, the browser, then the supergraph (each only if it started). */
export async function stopStorefront(
  shoppers: Shoppers,
  world: Partial<StorefrontWorld> | undefined,
): Promise<void> {
  await shoppers.closeAll();
  await world?.browser?.close();
  await world?.sg?.stop();
}

/** `useStorefront`'s answer: the file's world once its first hook has run, and its shoppers. */
export interface StorefrontSuite extends StorefrontWorld {
  readonly shoppers: Shoppers;
}

/**
 * A browser test file's hooks, called once at the file's top: the storefront's supergraph and
 * browser started before the file's own hooks and tests, every shopper's page closed before each
 * test (so a failed test's screenshots show its own pages only), and everything stopped after the
 * last. The world's fields are read when a test or a later hook runs, never at the file's top.
 */
export function useStorefront(options: Omit<StartSupergraphOptions, 'staticDir'>): StorefrontSuite {
  let world: StorefrontWorld | undefined;
  const started = (): StorefrontWorld => {
    if (!world)
      throw new Error('useStorefront: the storefront is not started yet (read it in a hook or test)');
    return world;
  };
  const shoppers = new Shoppers(started);
  beforeAll(async () => {
    world = await startStorefront(options);
  }, 180_000);
  beforeEach(() => shoppers.closeAll());
  afterAll(() => stopStorefront(shoppers, world));
  return {
    shoppers,
    get sg() {
      return started().sg;
    },
    get browser() {
      return started().browser;
    },
    get base() {
      return started().base;
    },
  };
}
