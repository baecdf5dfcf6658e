import { z } from 'zod';
import { loadConfig, type ConfigVariable } from '@novamart/kit';

/** The gateway's own variables (README's configuration table lists them with the base ones). */
export const gatewayConfigVariables: readonly ConfigVariable[] = [
  { name: 'PORT', default: '4000', description: 'Port of the gateway (HTTP and graphql-ws on `/graphql`).' },
  {
    name: '<SUBGRAPH>_URL',
    default: 'the routing URL in schema/supergraph.graphql',
    description: "Overrides one subgraph's URL, e.g. `ORDERS_URL=http://orders:4005/graphql`.",
  },
  {
    name: 'MAX_QUERY_DEPTH',
    default: '12',
    description:
      'Deepest field nesting an operation may have; deeper is BAD_USER_INPUT before any subgraph is called.',
  },
  {
    name: 'MAX_QUERY_COST',
    default: '5000',
    description: 'Highest estimated cost (fields times page sizes) an operation may have.',
  },
  { name: 'BODY_LIMIT', default: '100kb', description: 'Largest request body accepted (HTTP 413 above).' },
  {
    name: 'SUBGRAPH_TIMEOUT_MS',
    default: '10000',
    description: 'How long the gateway waits for a subgraph.',
  },
  {
    name: 'SUBGRAPH_TIMEOUTS',
    default: '',
    description: 'Per-subgraph overrides, e.g. `payments=20000,orders=5000`.',
  },
  {
    name: 'CORS_ORIGINS',
    default: '* outside production, none in production',
    description: 'Comma-separated origins allowed to call the gateway from a browser; `*` allows any.',
  },
  {
    name: 'TRUST_PROXY',
    default: 'false',
    description:
      'Which proxies in front of the gateway may name the client in `x-forwarded-for` (Express "trust proxy": `false` = the peer is the client, a hop count, or addresses/subnets). Login throttling counts per the address found this way.',
  },
  {
    name: 'STOREFRONT_DIR',
    default: 'unset (npm start passes storefront/dist)',
    description:
      'A built single-page app (its `index.html` and `assets/`) the standalone gateway serves at `/` beside the API; the Docker image builds the storefront into `/app/storefront/dist`.',
  },
  {
    name: 'STRIPE_PUBLISHABLE_KEY',
    default: undefined,
    description:
      "Also read by the gateway: set, the storefront's Content-Security-Policy lets it load Stripe.js and Stripe Elements (js.stripe.com, hooks.stripe.com, api.stripe.com).",
  },
  {
    name: 'WS_KEEPALIVE_MS',
    default: '12000',
    description: 'Interval of WebSocket pings; a client that does not answer within it is disconnected.',
  },
];

const timeoutOverrides = z
  .string()
  .default('')
  .transform((value, ctx) => {
    const overrides: Record<string, number> = {};
    for (const entry of value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      const match = /^([A-Za-z0-9_-]+)=(\d+)$/.exec(entry);
      if (!match?.[1] || !match[2]) {
        ctx.addIssue({ code: 'custom', message: `expected name=milliseconds, got "${entry}"` });
        return z.NEVER;
      }
      overrides[match[1]] = Number(match[2]);
    }
    return overrides;
  });

export const gatewayConfigShape = {
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  MAX_QUERY_DEPTH: z.coerce.number().int().min(1).default(12),
  MAX_QUERY_COST: z.coerce.number().int().min(1).default(5000),
  BODY_LIMIT: z
    .string()
    .regex(/^\d+(b|kb|mb)$/i, 'must be a size such as 100kb or 1mb')
    .default('100kb'),
  SUBGRAPH_TIMEOUT_MS: z.coerce.number().int().min(1).default(10_000),
  SUBGRAPH_TIMEOUTS: timeoutOverrides,
  CORS_ORIGINS: z.string().optional(),
  WS_KEEPALIVE_MS: z.coerce.number().int().min(0).default(12_000),
  TRUST_PROXY: z.string().default('false'),
  STRIPE_PUBLISHABLE_KEY: z.string().optional(),
  STOREFRONT_DIR: z.string().optional(),
};

/** TRUST_PROXY in the form Express's "trust proxy" setting takes. */
export function trustProxySetting(value: string): boolean | number | string {
  const trimmed = value.trim().toLowerCase();
  if (trimmed === 'true') return true;
  if (trimmed === 'false' || trimmed === '') return false;
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  return value;
}

export type GatewayConfig = ReturnType<typeof loadGatewayConfig>;

export function loadGatewayConfig(env: Record<string, string | undefined> = process.env) {
  return loadConfig(gatewayConfigShape, env);
}

/** The CORS allow-list: `true` for any origin, else the listed origins. */
export function corsOrigins(config: Pick<GatewayConfig, 'CORS_ORIGINS' | 'NODE_ENV'>): true | string[] {
  const raw = config.CORS_ORIGINS ?? (config.NODE_ENV === 'production' ? '' : '*');
  const origins = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return origins.includes('*') ? true : origins;
}

/** `ORDERS_URL` and the like: routing URLs overridden from the environment. */
export function subgraphUrlsFromEnv(
  names: readonly string[],
  env: Record<string, string | undefined> = process.env,
): Record<string, string> {
  const urls: Record<string, string> = {};
  for (const name of names) {
    const value = env[`${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_URL`];
    if (value) urls[name] = value;
  }
  return urls;
}
