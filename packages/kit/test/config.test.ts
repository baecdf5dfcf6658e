import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { ConfigError, baseConfigShape, loadConfig } from '../src/index';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig(undefined, {});
    expect(config).toEqual({
      NODE_ENV: 'development',
      LOG_LEVEL: 'info',
      MONGO_URL: 'mongodb://127.0.0.1:27017',
      DATA_DIR: '.data',
      JWKS_URL: 'http://127.0.0.1:4001/.well-known/jwks.json',
      HOST: '0.0.0.0',
      METRICS_HOST: '127.0.0.1',
      REDIS_KEY_PREFIX: 'novamart',
      EVENTS_CLAIM_IDLE_MS: 30000,
    });
  });

  it('treats an empty value as unset', () => {
    expect(loadConfig(undefined, { REDIS_URL: '' }).REDIS_URL).toBeUndefined();
  });

  it('adds and types a subgraph’s own variables', () => {
    const config = loadConfig(
      {
        STRIPE_SECRET_KEY: z.string().optional(),
        RESERVATION_TTL_SECONDS: z.coerce.number().int().positive().default(900),
      },
      { RESERVATION_TTL_SECONDS: '60' },
    );
    expect(config.RESERVATION_TTL_SECONDS).toBe(60);
    expect(config.STRIPE_SECRET_KEY).toBeUndefined();
  });

  it('names every bad variable', () => {
    let error: unknown;
    try {
      loadConfig(
        { SMTP_PORT: z.coerce.number().int() },
        { MONGO_URL: 'http://nope', LOG_LEVEL: 'loud', PORT: 'eighty', SMTP_PORT: 'x' },
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const configError = error as ConfigError;
    expect(configError.variables.sort()).toEqual(['LOG_LEVEL', 'MONGO_URL', 'PORT', 'SMTP_PORT']);
    expect(configError.message).toMatch(/^Invalid configuration: /);
    expect(configError.message).toContain('MONGO_URL: must be a mongodb:// or mongodb+srv:// URL');
    expect(() => loadConfig(undefined, { REDIS_URL: 'localhost:6379' })).toThrow(/REDIS_URL/);
  });

  it('reads every base variable', () => {
    expect(Object.keys(baseConfigShape)).toEqual([
      'NODE_ENV',
      'LOG_LEVEL',
      'LOG_FORMAT',
      'MONGO_URL',
      'REDIS_URL',
      'DATA_DIR',
      'JWKS_URL',
      'HOST',
      'PORT',
      'OTEL_EXPORTER_OTLP_ENDPOINT',
      'METRICS_PORT',
      'METRICS_HOST',
      'EVENTS_SIGNING_KEY',
      'INTERNAL_API_TOKEN',
      'REDIS_KEY_PREFIX',
      'EVENTS_CLAIM_IDLE_MS',
    ]);
  });
});

describe('README configuration table', () => {
  it('lists every base variable with its default', async () => {
    const { readFile } = await import('node:fs/promises');
    // The root README is the one home of every process's variables (tests/readme.test.ts).
    const readme = await readFile(new URL('../../../README.md', import.meta.url), 'utf8');
    // Rows compared cell by cell: Prettier pads markdown tables, the content is what must match.
    const rows = readme
      .split('\n')
      .filter((line) => line.startsWith('|'))
      .map((line) =>
        line
          .split('|')
          .slice(1, -1)
          .map((cell) => cell.trim()),
      );
    // A row may name several variables (`METRICS_PORT`, `METRICS_HOST`).
    const rowOf = (name: string) => rows.find(([names]) => names?.split(', ').includes(`\`${name}\``));
    for (const name of Object.keys(baseConfigShape)) expect(rowOf(name), name).toBeDefined();
    for (const [name, value] of Object.entries(loadConfig(undefined, {})))
      expect(rowOf(name)?.[1], name).toContain(`\`${String(value)}\``);
  });
});
