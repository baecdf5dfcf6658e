import { z } from 'zod';

/** One row of the configuration table (README lists these). */
export interface ConfigVariable {
  name: string;
  default: string | undefined;
  description: string;
}

/** The base variables every process reads, with their defaults and meaning. */
export const baseConfigVariables: readonly ConfigVariable[] = [
  {
    name: 'NODE_ENV',
    default: 'development',
    description: '`development`, `test` or `production`; production hides /debug routes.',
  },
  {
    name: 'LOG_LEVEL',
    default: 'info',
    description: 'pino level: fatal, error, warn, info, debug, trace or silent.',
  },
  {
    name: 'LOG_FORMAT',
    default: undefined,
    description:
      '`pretty` (pino-pretty) or `json`; unset means pretty in development when stdout is a terminal, else JSON.',
  },
  {
    name: 'MONGO_URL',
    default: 'mongodb://127.0.0.1:27017',
    description:
      'MongoDB connection string; the default is the embedded server. Each subgraph uses its own database `novamart_<name>` on it.',
  },
  {
    name: 'REDIS_URL',
    default: undefined,
    description:
      'Redis for the event bus and live updates across processes; unset means in-process buses (single-process mode only).',
  },
  {
    name: 'DATA_DIR',
    default: '.data',
    description: 'Where the embedded MongoDB files and the token signing keys live.',
  },
  {
    name: 'JWKS_URL',
    default: 'http://127.0.0.1:4001/.well-known/jwks.json',
    description: "The users subgraph's public keys for verifying access tokens.",
  },
  { name: 'HOST', default: '0.0.0.0', description: 'Interface the HTTP servers listen on.' },
  {
    name: 'PORT',
    default: undefined,
    description:
      "Port of a subgraph run on its own; unset means `<NAME>_PORT`, else `SUBGRAPH_PORT_BASE` plus the subgraph's offset, else its default (4001-4011).",
  },
  {
    name: 'OTEL_EXPORTER_OTLP_ENDPOINT',
    default: undefined,
    description: 'OpenTelemetry collector (OTLP over HTTP); unset means no tracing at all.',
  },
  {
    name: 'METRICS_PORT',
    default: undefined,
    description:
      'Port of a separate HTTP server answering `/metrics` only; unset: `/metrics` on the main port outside production, nowhere in production.',
  },
  {
    name: 'METRICS_HOST',
    default: '127.0.0.1',
    description: 'Interface of the metrics server (localhost: only a scraper on the same host sees it).',
  },
  {
    name: 'EVENTS_SIGNING_KEY',
    default: undefined,
    description:
      'Secret of the HMAC every event on Redis carries; consumers dead-letter unsigned or forged entries. Required in production with REDIS_URL.',
  },
  {
    name: 'REDIS_KEY_PREFIX',
    default: 'novamart',
    description:
      'Prefix of the event streams (`<prefix>:events:<domain>`) and live-update channels on Redis; processes that work together share it, and another prefix keeps another shop apart on the same Redis.',
  },
  {
    name: 'EVENTS_CLAIM_IDLE_MS',
    default: '30000',
    description:
      'How long an event a consumer took stays unacknowledged before another consumer of its group takes it over (a replica that died holding it); longer than the slowest handler.',
  },
];

const defaultOf = (name: string): string => baseConfigVariables.find((v) => v.name === name)?.default ?? '';

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

export const baseConfigShape = {
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['pretty', 'json']).optional(),
  MONGO_URL: url(['mongodb:', 'mongodb+srv:']).default(defaultOf('MONGO_URL')),
  REDIS_URL: url(['redis:', 'rediss:']).optional(),
  DATA_DIR: z.string().min(1).default(defaultOf('DATA_DIR')),
  JWKS_URL: url(['http:', 'https:']).default(defaultOf('JWKS_URL')),
  HOST: z.string().min(1).default(defaultOf('HOST')),
  PORT: z.coerce.number().int().min(0).max(65535).optional(),
  // Read by the OpenTelemetry SDK itself (telemetry.ts); validated here so a typo stops start-up.
  OTEL_EXPORTER_OTLP_ENDPOINT: url(['http:', 'https:']).optional(),
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  EVENTS_SIGNING_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only')
    .default(defaultOf('REDIS_KEY_PREFIX')),
  EVENTS_CLAIM_IDLE_MS: z.coerce
    .number()
    .int()
    .min(100)
    .default(Number(defaultOf('EVENTS_CLAIM_IDLE_MS'))),
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

/** The configuration table for a process: base variables plus the ones a subgraph documents. */
export function describeConfig(extra: readonly ConfigVariable[] = []): ConfigVariable[] {
  return [...baseConfigVariables, ...extra];
}
