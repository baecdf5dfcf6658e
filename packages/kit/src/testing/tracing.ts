import type { tracing } from '@opentelemetry/sdk-node';
import { startTelemetry } from '../telemetry';

export interface TestTracing {
  /** Every span ended so far. */
  spans(): tracing.ReadableSpan[];
  shutdown(): Promise<void>;
}

/** Turns tracing on for this test process with an in-memory exporter instead of OTLP. */
export async function startTracingForTests(): Promise<TestTracing> {
  const { tracing } = await import('@opentelemetry/sdk-node');
  const exporter = new tracing.InMemorySpanExporter();
  const telemetry = await startTelemetry('tests', {
    spanProcessors: [new tracing.SimpleSpanProcessor(exporter)],
  });
  if (!telemetry.enabled) throw new Error('tracing was already started in this process');
  return {
    spans: () => exporter.getFinishedSpans(),
    shutdown: () => telemetry.shutdown(),
  };
}
