import { z } from 'zod';

const url = (protocols: string[]) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    `must be a ${protocols.map((p) => p.replace(':', '://')).join(' or ')} URL`,
  );

/**
 * The variables every process reads. Their meaning and defaults are documented once, in the root
 * README's configuration table; test/config.test.ts checks each one and its default is there.
 */
export const baseConfigShape = {
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['pretty', 'json']).optional(),
  MONGO_URL: url(['mongodb:', 'mongodb+srv:']).default('mongodb://127.0.0.1:27017'),
  REDIS_URL: url(['redis:', 'rediss:']).optional(),
  DATA_DIR: z.string().min(1).default('.data'),
  JWKS_URL: url(['http:', 'https:']).default('http://127.0.0.1:4001/.well-known/jwks.json'),
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: z.coerce.number().int().min(0).max(65535).optional(),
  // Read by the OpenTelemetry SDK itself (telemetry.ts); validated here so a typo stops start-up.
  OTEL_EXPORTER_OTLP_ENDPOINT: url(['http:', 'https:']).optional(),
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  EVENTS_SIGNING_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  INTERNAL_API_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only')
    .default('novamart'),
  EVENTS_CLAIM_IDLE_MS: z.coerce.number().int().min(100).default(30_000),
};

export type BaseConfig = z.infer<z.ZodObject<typeof baseConfigShape>>;
export type ConfigShape = z.ZodRawShape;

export interface ConfigIssue {
  variable: string;
  message: string;
}

/** A configuration value is missing or malformed; the message names every offending variable. */
export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];
  constructor(issues: readonly ConfigIssue[]) {
    super(`Invalid configuration: ${issues.map((i) => `${i.variable}: ${i.message}`).join('; ')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
  get variables(): string[] {
    return this.issues.map((i) => i.variable);
  }
}

/**
 * Reads the base variables plus a process's own (`shape`) from `env`. An empty value counts as
 * unset, so `REDIS_URL=` in a compose file means "no Redis" rather than a malformed URL.
 */
export function loadConfig<S extends ConfigShape = Record<never, never>>(
  shape?: S,
  env: Record<string, string | undefined> = process.env,
): BaseConfig & z.infer<z.ZodObject<S>> {
  const schema = z.object({ ...baseConfigShape, ...(shape ?? {}) });
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const result = schema.safeParse(present);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => ({
        variable: issue.path.map(String).join('.') || '(root)',
        message: issue.message,
      })),
    );
  }
  return result.data as BaseConfig & z.infer<z.ZodObject<S>>;
}
