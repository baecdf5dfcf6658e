import { createRequire } from 'node:module';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startProbeSupergraph } from './support/probe-supergraph';

/**
 * Nothing phones home: @apollo/gateway starts its usage-reporting exporter (and the cloud-metadata
 * probes of its resource detectors) through `createDataCollectionExporter` unless
 * APOLLO_TELEMETRY_DISABLED is set when the gateway is constructed. The exporter is replaced by a
 * counter here, so even the opt-in case sends nothing anywhere.
 */
const require = createRequire(import.meta.url);
const apolloOtel = require(
  require.resolve('@apollo/gateway').replace(/index\.js$/, 'utilities/opentelemetry.js'),
) as { createDataCollectionExporter: () => { shutdown(): Promise<void> } };

const original = apolloOtel.createDataCollectionExporter;
const savedEnv = process.env.APOLLO_TELEMETRY_DISABLED;
let exportersStarted = 0;

beforeAll(() => {
  apolloOtel.createDataCollectionExporter = () => {
    exportersStarted++;
    return { shutdown: async () => undefined };
  };
});
afterAll(() => {
  apolloOtel.createDataCollectionExporter = original;
});
afterEach(() => {
  if (savedEnv === undefined) delete process.env.APOLLO_TELEMETRY_DISABLED;
  else process.env.APOLLO_TELEMETRY_DISABLED = savedEnv;
});

describe('Apollo telemetry', () => {
  it('is off when nobody set APOLLO_TELEMETRY_DISABLED', async () => {
    delete process.env.APOLLO_TELEMETRY_DISABLED;
    exportersStarted = 0;
    const probe = await startProbeSupergraph();
    try {
      expect(exportersStarted).toBe(0);
      expect(process.env.APOLLO_TELEMETRY_DISABLED).toBe('true');
    } finally {
      await probe.stop();
    }
  });

  it('stays a user’s choice: APOLLO_TELEMETRY_DISABLED=false turns it on', async () => {
    process.env.APOLLO_TELEMETRY_DISABLED = 'false';
    exportersStarted = 0;
    const probe = await startProbeSupergraph();
    try {
      expect(exportersStarted).toBe(1);
    } finally {
      await probe.stop();
    }
  });
});
