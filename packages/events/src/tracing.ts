import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { DomainEvent } from './event';

// OpenTelemetry's API only: without a registered SDK (tracing off) the propagator injects
// nothing and spans are no-ops, so events carry no `traceparent` and this costs next to nothing.
const tracer = trace.getTracer('novamart-events');

/** The W3C `traceparent` of the active span, written into an event created under it. */
export function activeTraceparent(): string | undefined {
  if (!trace.getActiveSpan()) return undefined;
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent;
}

/**
 * Runs a consumer's handler in a CONSUMER span that continues the trace of the request (or
 * consumer) that created the event, so the outbox → bus → consumer hop joins it; events written
 * by the handler carry this span's traceparent in turn. An event without one runs as it is.
 */
export function inConsumerSpan<T>(
  event: DomainEvent<any>,
  group: string,
  handle: () => Promise<T>,
): Promise<T> {
  if (!event.traceparent) return handle();
  const parent = propagation.extract(ROOT_CONTEXT, { traceparent: event.traceparent });
  return tracer.startActiveSpan(
    `${group} process ${event.type}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        'messaging.operation.type': 'process',
        'messaging.consumer.group.name': group,
        'messaging.destination.name': event.type,
        'messaging.message.id': event.id,
        'novamart.event.aggregate_id': event.aggregateId,
      },
    },
    parent,
    async (span) => {
      try {
        return await handle();
      } catch (error) {
        span.recordException(error instanceof Error ? error : String(error));
        span.setStatus({
          code: SpanStatusCode.ERROR,
          message: error instanceof Error ? error.message : String(error),
        });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}
