import { z } from 'zod';
import { loadConfig } from '@novamart/kit';

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

/** The gateway's own variables (README's configuration table lists them with the base ones). */
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
  DEDUPLICATE_SUBGRAPH_QUERIES: z
    .enum(['true', 'false'])
    .default('true')
    .transform((value) => value === 'true'),
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
