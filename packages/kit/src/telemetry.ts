import {
  context,
  isSpanContextValid,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Span,
} from '@opentelemetry/api';
import type { ApolloServerPlugin } from '@apollo/server';
import type { RequestHandler } from 'express';
import type { tracing } from '@opentelemetry/sdk-node';

/**
 * OpenTelemetry tracing, off unless OTEL_EXPORTER_OTLP_ENDPOINT is set. Off, the SDK is never
 * loaded, nothing is exported anywhere, and every hook below returns after one boolean test (the
 * API's no-op tracer stands in). On, `@opentelemetry/sdk-node` exports spans over OTLP (its
 * standard OTEL_* variables apply: protocol, headers, sampler, service name) and propagates W3C
 * `traceparent`: the gateway's query plan and subgraph fetches (@apollo/gateway's built-in
 * spans), each subgraph operation, its MongoDB commands, and each event consumer (the event
 * carries the `traceparent` of the span that created it, packages/events/src/tracing.ts).
 */
export interface Telemetry {
  enabled: boolean;
  /** Flushes pending spans and unregisters the SDK. */
  shutdown(): Promise<void>;
}

export interface StartTelemetryOptions {
  /** Default process.env.OTEL_EXPORTER_OTLP_ENDPOINT: unset or empty means off. */
  endpoint?: string | undefined;
  /** Tests: where spans go instead of OTLP (an in-memory exporter); turns tracing on. */
  spanProcessors?: tracing.SpanProcessor[];
}

const tracer = trace.getTracer('novamart');
let enabled = false;

export function tracingEnabled(): boolean {
  return enabled;
}

/** Starts tracing for this process (once; the all-in-one process starts it for every subgraph). */
export async function startTelemetry(
  serviceName: string,
  options: StartTelemetryOptions = {},
): Promise<Telemetry> {
  const endpoint = 'endpoint' in options ? options.endpoint : process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (enabled || (!endpoint && !options.spanProcessors)) return { enabled: false, shutdown: async () => {} };
  const { NodeSDK } = await import('@opentelemetry/sdk-node');
  const sdk = new NodeSDK({
    serviceName: process.env.OTEL_SERVICE_NAME || serviceName,
    // No auto-instrumentation: the spans above are made where the work happens.
    instrumentations: [],
    ...(options.spanProcessors ? { spanProcessors: options.spanProcessors } : {}),
  });
  sdk.start();
  enabled = true;
  return {
    enabled: true,
    async shutdown() {
      enabled = false;
      await sdk.shutdown();
    },
  };
}

/** `traceparent` (and `tracestate`) of the active span, for an outgoing call; empty when off. */
export function traceHeaders(): Record<string, string> {
  if (!enabled) return {};
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier;
}

/** Trace ids for log lines written under a span. */
export function activeTraceIds(): { trace_id: string; span_id: string } | undefined {
  if (!enabled) return undefined;
  const spanContext = trace.getActiveSpan()?.spanContext();
  if (!spanContext || !isSpanContextValid(spanContext)) return undefined;
  return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
}

/**
 * The SERVER span of one /graphql request, child of the caller's `traceparent` (the gateway's
 * fetch span). Mounted after the body parser, whose callbacks lose the async context.
 */
export function graphqlServerSpan(subgraph: string): RequestHandler {
  return (req, res, next) => {
    if (!enabled) return next();
    const parent = propagation.extract(context.active(), req.headers);
    const span = tracer.startSpan(
      `${req.method} /graphql`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'novamart.subgraph': subgraph,
          'http.request.method': req.method,
          'url.path': '/graphql',
        },
      },
      parent,
    );
    res.once('close', () => {
      span.setAttribute('http.response.status_code', res.statusCode);
      span.end();
    });
    context.with(trace.setSpan(parent, span), next);
  };
}

/**
 * `graphqlServerSpan` for a request handed over in process (the gateway or a peer in the same
 * process, no HTTP): its own server span, a child of the traceparent in `headers` or else of the
 * caller's active span, so that `graphqlTracingPlugin` names this span and not the caller's.
 */
export async function inProcessServerSpan<T>(
  subgraph: string,
  headers: Record<string, string | undefined>,
  run: () => Promise<T>,
): Promise<T> {
  if (!enabled) return run();
  const parent = propagation.extract(context.active(), headers);
  const span = tracer.startSpan(
    'POST /graphql',
    {
      kind: SpanKind.SERVER,
      attributes: { 'novamart.subgraph': subgraph, 'http.request.method': 'POST', 'url.path': '/graphql' },
    },
    parent,
  );
  try {
    return await context.with(trace.setSpan(parent, span), run);
  } finally {
    span.end();
  }
}

/** Names the request's span after its operation (`mutation Checkout`) and marks GraphQL errors. */
export function graphqlTracingPlugin(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      if (!enabled) return;
      const span = trace.getActiveSpan();
      if (!span) return;
      return {
        async didResolveOperation({ operation, operationName }) {
          if (!operation) return;
          span.updateName(`${operation.operation}${operationName ? ` ${operationName}` : ''}`);
          span.setAttribute('graphql.operation.type', operation.operation);
          if (operationName) span.setAttribute('graphql.operation.name', operationName);
        },
        async didEncounterErrors({ errors }) {
          const codes = [...new Set(errors.map((e) => String(e.extensions?.code ?? 'ERROR')))];
          span.setStatus({ code: SpanStatusCode.ERROR, message: codes.join(',') });
        },
      };
    },
  };
}

interface CommandEvent {
  commandName: string;
  databaseName?: string;
  command?: Record<string, unknown>;
  requestId: number;
  connectionId?: string | number;
  address: string;
  failure?: Error;
}

const openCommands = new Map<string, Span>();
const commandKey = (event: CommandEvent) => `${event.address}|${event.connectionId ?? ''}|${event.requestId}`;

/**
 * MongoDB command spans from the driver's command monitoring (`connectMongo`). Only under an
 * active span: background polling (relays, sweepers) outside any request or consumer would be
 * a root trace per poll.
 */
export function mongoCommandStarted(event: CommandEvent): void {
  if (!enabled) return;
  const parent = context.active();
  if (!trace.getSpan(parent)) return;
  const target = event.command?.[event.commandName];
  const span = tracer.startSpan(
    `mongodb ${event.commandName}`,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'db.system.name': 'mongodb',
        'db.operation.name': event.commandName,
        ...(event.databaseName ? { 'db.namespace': event.databaseName } : {}),
        ...(typeof target === 'string' ? { 'db.collection.name': target } : {}),
      },
    },
    parent,
  );
  openCommands.set(commandKey(event), span);
}

export function mongoCommandEnded(event: CommandEvent): void {
  if (!enabled) return;
  const key = commandKey(event);
  const span = openCommands.get(key);
  if (!span) return;
  openCommands.delete(key);
  if (event.failure) span.setStatus({ code: SpanStatusCode.ERROR, message: event.failure.message });
  span.end();
}
